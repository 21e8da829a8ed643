/*
 * test_requests_api.c — access requests through a real daemon started in-process:
 * create, get, list with paging and filters, reissue, the connect link the
 * customer clicks, expiry, and every validation failure, as a partner's backend
 * and a customer's browser see them (status, headers, exact URLs) and as the
 * database keeps them (rows and events; never the token itself).
 */
#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "requests.h"
#include "testutil.h"
#include "timestamp.h"
#include "writer.h"

Suite *requests_api_suite(void);

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define GUID "6f2a1c4e-0b7d-4c39-9a51-2d8e3f4b5a61"
#define GUID_UPPER "6F2A1C4E-0B7D-4C39-9A51-2D8E3F4B5A61"
#define CONNECT_BASE "https://partner.example/base/connect/"
#define PORTAL_GO                                                                                   \
	"https://portal.zaptec.com/access/request/BSJG?partnerName=Acme%20Energy&lang=en"              \
	"&installationtype=1&returnUrl=https%3A%2F%2Fpartner.example%2Fbase%2Faccess-result%2F"

/* ---- helpers ---- */

static const char *str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	ck_assert_msg(json_is_string(v), "\"%s\" is not a string", key);
	return json_string_value(v);
}

static int64_t time_field(json_t *obj, const char *key)
{
	int64_t t;
	const char *text = str(obj, key);
	ck_assert_int_eq(strlen(text), TIMESTAMP_LEN);
	ck_assert_msg(text[TIMESTAMP_LEN - 1] == 'Z', "%s is not UTC: %s", key, text);
	ck_assert_msg(timestamp_parse(text, &t) == 0, "%s is not RFC 3339: %s", key, text);
	return t;
}

static void assert_null(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	ck_assert_msg(v != NULL, "\"%s\" is missing", key);
	ck_assert_msg(json_is_null(v), "\"%s\" is not null", key);
}

/* The token at the end of a connect URL, checked to be 22 base64url characters
 * behind CONNECT_BASE. Static buffer. */
static const char *token_of(const char *connect_url)
{
	static char token[64];
	size_t base = strlen(CONNECT_BASE);
	ck_assert_msg(strncmp(connect_url, CONNECT_BASE, base) == 0, "connectUrl %s", connect_url);
	ck_assert_int_eq(strlen(connect_url + base), 22);
	ck_assert_uint_eq(strspn(connect_url + base,
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
			  22);
	snprintf(token, sizeof token, "%s", connect_url + base);
	return token;
}

/* POSTs body to create and returns the parsed 201 answer (new reference). */
static json_t *create(const char *body)
{
	struct test_response r;
	test_admin_post(&r, "/api/v1/access-requests", body);
	ck_assert_msg(r.status == 201, "create %s: %ld %s", body, r.status, r.body);
	json_t *j = test_json(&r);
	test_response_free(&r);
	return j;
}

/* GETs an admin path and returns the parsed 200 answer. */
static json_t *get_json(const char *path)
{
	struct test_response r;
	test_admin_get(&r, path);
	ck_assert_msg(r.status == 200, "GET %s: %ld %s", path, r.status, r.body);
	json_t *j = test_json(&r);
	test_response_free(&r);
	return j;
}

static json_t *get_request(const char *id)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/access-requests/%s", id);
	return get_json(path);
}

static void connect(struct test_response *r, const char *token)
{
	char path[256];
	snprintf(path, sizeof path, "/connect/%s", token);
	test_http(r, "GET", test_public_url(path), NULL, NULL, 0);
}

static long long count_events(const char *type, const char *id)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE type = '%s' AND request_id = '%s'", type, id);
	return test_db_int(sql);
}

/* The public listener's security headers, on every answer. */
static void assert_security_headers(const struct test_response *r)
{
	ck_assert_str_eq(test_header(r, "Cache-Control"), "no-store");
	ck_assert_str_eq(test_header(r, "Referrer-Policy"), "no-referrer");
	ck_assert_str_eq(test_header(r, "X-Content-Type-Options"), "nosniff");
	ck_assert_str_eq(test_header(r, "X-Frame-Options"), "DENY");
	const char *csp = test_header(r, "Content-Security-Policy");
	ck_assert_ptr_nonnull(csp);
	ck_assert_msg(strncmp(csp, "default-src 'none'", 18) == 0, "CSP: %s", csp);
}

static void assert_page(const struct test_response *r, long status)
{
	ck_assert_int_eq(r->status, status);
	const char *type = test_header(r, "Content-Type");
	ck_assert_ptr_nonnull(type);
	ck_assert_msg(strncmp(type, "text/html", 9) == 0, "Content-Type: %s", type);
	ck_assert_ptr_nonnull(strstr(r->body, "<html"));
	ck_assert_ptr_null(test_header(r, "Location"));
	assert_security_headers(r);
}

/* Expects a 400 problem whose errors[] names field. */
static void assert_invalid(const struct test_response *r, const char *field)
{
	ck_assert_msg(r->status == 400, "expected 400 naming %s, got %ld %s", field, r->status, r->body);
	ck_assert_str_eq(test_header(r, "Content-Type"), "application/problem+json");
	json_t *j = test_json(r);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), 400);
	json_t *errors = json_object_get(j, "errors");
	ck_assert_msg(json_is_array(errors) && json_array_size(errors) > 0, "no errors[]: %s", r->body);
	size_t i;
	json_t *e;
	int named = 0;
	json_array_foreach(errors, i, e) {
		const char *f = json_string_value(json_object_get(e, "field"));
		const char *m = json_string_value(json_object_get(e, "message"));
		ck_assert_ptr_nonnull(f);
		ck_assert_msg(m && m[0], "an error without a message: %s", r->body);
		named |= strcmp(f, field) == 0;
	}
	ck_assert_msg(named, "errors[] does not name %s: %s", field, r->body);
	json_decref(j);
}

/* ---- create ---- */

START_TEST(test_create_answers_201_with_location_and_every_field)
{
	struct test_response r;
	int64_t before = time(NULL);
	test_admin_post(&r, "/api/v1/access-requests", "{}");
	int64_t after = time(NULL);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	ck_assert_str_eq(test_header(&r, "Content-Type"), "application/json");
	json_t *j = test_json(&r);

	const char *id = str(j, "id");
	ck_assert_int_eq(strlen(id), 36);
	char location[128];
	snprintf(location, sizeof location, "/api/v1/access-requests/%s", id);
	ck_assert_str_eq(test_header(&r, "Location"), location);

	ck_assert_str_eq(str(j, "status"), "pending");
	assert_null(j, "reference");
	ck_assert_str_eq(str(j, "installationType"), "go");
	assert_null(j, "installationId");
	ck_assert_str_eq(str(j, "partnerName"), "Acme Energy");
	ck_assert_str_eq(str(j, "lang"), "en");
	ck_assert(json_is_false(json_object_get(j, "showExisting")));
	assert_null(j, "returnTo");
	int64_t created = time_field(j, "createdAt");
	ck_assert_int_ge(created, before);
	ck_assert_int_le(created, after);
	ck_assert_int_eq(time_field(j, "expiresAt"), created + 7 * 86400);
	assert_null(j, "openedAt");
	assert_null(j, "completedAt");
	assert_null(j, "result");

	const char *token = token_of(str(j, "connectUrl"));
	char portal[1024];
	snprintf(portal, sizeof portal, "%s%s", PORTAL_GO, token);
	ck_assert_str_eq(str(j, "portalUrl"), portal);
	ck_assert_int_eq(json_object_size(j), 16);

	char sql[256];
	snprintf(sql, sizeof sql, "SELECT status FROM access_requests WHERE id = '%s'", id);
	ck_assert_str_eq(test_db_text(sql), "pending");
	snprintf(sql, sizeof sql, "SELECT installation_type FROM access_requests WHERE id = '%s'", id);
	ck_assert_int_eq(test_db_int(sql), 1);
	ck_assert_int_eq(count_events("request.created", id), 1);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events"), 1);
	json_decref(j);
	test_response_free(&r);
}
END_TEST

START_TEST(test_create_takes_every_optional_field)
{
	json_t *j = create("{\"reference\":\"customer-42\",\"installationType\":\"go\",\"partnerName\":\"Strøm & Co\","
			   "\"lang\":\"nb-NO\",\"showExisting\":true,\"ttl\":3600}");
	ck_assert_str_eq(str(j, "reference"), "customer-42");
	ck_assert_str_eq(str(j, "partnerName"), "Strøm & Co");
	ck_assert_str_eq(str(j, "lang"), "nb-NO");
	ck_assert(json_is_true(json_object_get(j, "showExisting")));
	ck_assert_int_eq(time_field(j, "expiresAt"), time_field(j, "createdAt") + 3600);
	const char *token = token_of(str(j, "connectUrl"));
	char portal[1024];
	snprintf(portal, sizeof portal,
		 "https://portal.zaptec.com/access/request/BSJG?partnerName=Str%%C3%%B8m%%20%%26%%20Co&lang=no"
		 "&installationtype=1&returnUrl=https%%3A%%2F%%2Fpartner.example%%2Fbase%%2Faccess-result%%2F%s"
		 "&showExisting=true",
		 token);
	ck_assert_str_eq(str(j, "portalUrl"), portal);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT reference FROM events WHERE type = 'request.created' AND request_id = '%s'",
		 str(j, "id"));
	ck_assert_str_eq(test_db_text(sql), "customer-42");
	json_decref(j);
}
END_TEST

START_TEST(test_the_longest_ttl_is_max_request_ttl)
{
	json_t *j = create("{\"ttl\":2592000}");
	ck_assert_int_eq(time_field(j, "expiresAt"), time_field(j, "createdAt") + 2592000);
	json_decref(j);
	j = create("{\"ttl\":60}");
	ck_assert_int_eq(time_field(j, "expiresAt"), time_field(j, "createdAt") + 60);
	json_decref(j);
}
END_TEST

START_TEST(test_a_pro_request_names_its_installation_in_lower_case)
{
	json_t *j = create("{\"installationType\":\"pro\",\"installationId\":\"" GUID_UPPER "\"}");
	ck_assert_str_eq(str(j, "installationType"), "pro");
	ck_assert_str_eq(str(j, "installationId"), GUID);
	const char *token = token_of(str(j, "connectUrl"));
	char portal[1024];
	snprintf(portal, sizeof portal,
		 "https://portal.zaptec.com/access/request/BSJG?partnerName=Acme%%20Energy&lang=en"
		 "&installationId=" GUID "&installationtype=0"
		 "&returnUrl=https%%3A%%2F%%2Fpartner.example%%2Fbase%%2Faccess-result%%2F%s",
		 token);
	ck_assert_str_eq(str(j, "portalUrl"), portal);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT installation_id FROM access_requests WHERE id = '%s'", str(j, "id"));
	ck_assert_str_eq(test_db_text(sql), GUID);
	snprintf(sql, sizeof sql, "SELECT installation_type FROM access_requests WHERE id = '%s'", str(j, "id"));
	ck_assert_int_eq(test_db_int(sql), 0);
	json_decref(j);
}
END_TEST

START_TEST(test_a_home_request_is_a_go_request)
{
	json_t *j = create("{\"installationType\":\"home\"}");
	ck_assert_str_eq(str(j, "installationType"), "go");
	ck_assert_ptr_nonnull(strstr(str(j, "portalUrl"), "&installationtype=1&"));
	json_decref(j);
}
END_TEST

START_TEST(test_a_go_request_may_name_its_installation)
{
	json_t *j = create("{\"installationId\":\"" GUID "\"}");
	ck_assert_str_eq(str(j, "installationType"), "go");
	ck_assert_str_eq(str(j, "installationId"), GUID);
	ck_assert_ptr_nonnull(strstr(str(j, "portalUrl"), "&lang=en&installationId=" GUID "&installationtype=1&"));
	json_decref(j);
}
END_TEST

/* ---- validation ---- */

struct invalid_case {
	const char *body;
	const char *field;
};

static const struct invalid_case invalid_cases[] = {
	{ "{\"installationType\":\"pro\"}", "installationId" },
	{ "{\"installationType\":\"pro\",\"installationId\":null}", "installationId" },
	{ "{\"installationId\":\"not-a-guid\"}", "installationId" },
	{ "{\"installationType\":\"pro\",\"installationId\":\"{" GUID "}\"}", "installationId" },
	{ "{\"installationId\":\"6f2a1c4e0b7d4c399a512d8e3f4b5a61\"}", "installationId" },
	{ "{\"installationType\":\"business\"}", "installationType" },
	{ "{\"installationType\":\"GO\"}", "installationType" },
	{ "{\"lang\":\"english\"}", "lang" },
	{ "{\"lang\":\"e\"}", "lang" },
	{ "{\"lang\":\"en_US\"}", "lang" },
	{ "{\"lang\":\"\"}", "lang" },
	{ "{\"reference\":\"a\\u0001b\"}", "reference" },
	{ "{\"reference\":\"line\\nbreak\"}", "reference" },
	{ "{\"reference\":\"\"}", "reference" },
	{ "{\"partnerName\":\"tab\\there\"}", "partnerName" },
	{ "{\"ttl\":59}", "ttl" },
	{ "{\"ttl\":0}", "ttl" },
	{ "{\"ttl\":-3600}", "ttl" },
	{ "{\"ttl\":2592001}", "ttl" },
	{ "{\"ttl\":\"3600\"}", "ttl" },
	{ "{\"ttl\":3600.5}", "ttl" },
	{ "{\"showExisting\":\"yes\"}", "showExisting" },
	{ "{\"showExisting\":1}", "showExisting" },
	{ "{\"returnTo\":\"/done\"}", "returnTo" },
	{ "{\"returnTo\":\"http://app.example/done\"}", "returnTo" },
	{ "{\"returnTo\":\"https://app.example/done\"}", "returnTo" }, /* redirect_allow is empty */
	{ "{\"returnTo\":\"javascript:alert(1)\"}", "returnTo" },
	{ "{\"colour\":\"blue\"}", "colour" },
	{ "{\"reference\":42}", "reference" },
	{ "{\"reference\":[\"a\"]}", "reference" },
	{ "{\"partnerName\":true}", "partnerName" },
	{ "{\"lang\":{}}", "lang" },
	{ "{\"installationType\":1}", "installationType" },
	{ "{\"returnTo\":5}", "returnTo" },
};

START_TEST(test_each_invalid_field_is_a_400_naming_it)
{
	const struct invalid_case *c = &invalid_cases[_i];
	struct test_response r;
	test_admin_post(&r, "/api/v1/access-requests", c->body);
	assert_invalid(&r, c->field);
	test_response_free(&r);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM access_requests"), 0);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events"), 0);
}
END_TEST

/* A JSON body with one string field of n copies of unit. */
static char *body_with(const char *field, const char *unit, size_t n)
{
	size_t len = strlen(unit);
	char *body = malloc(n * len + 64);
	ck_assert_ptr_nonnull(body);
	int used = sprintf(body, "{\"%s\":\"", field);
	for (size_t i = 0; i < n; i++)
		memcpy(body + used + i * len, unit, len);
	strcpy(body + used + n * len, "\"}");
	return body;
}

START_TEST(test_strings_over_their_limits_are_refused_and_at_them_accepted)
{
	struct test_response r;
	char *body = body_with("reference", "r", 201);
	test_admin_post(&r, "/api/v1/access-requests", body);
	assert_invalid(&r, "reference");
	test_response_free(&r);
	free(body);

	body = body_with("partnerName", "p", 101);
	test_admin_post(&r, "/api/v1/access-requests", body);
	assert_invalid(&r, "partnerName");
	test_response_free(&r);
	free(body);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM access_requests"), 0);

	/* The limits count characters, not bytes: 200 two-byte characters fit. */
	body = body_with("reference", "ø", 200);
	json_t *j = create(body);
	ck_assert_int_eq(strlen(str(j, "reference")), 400);
	json_decref(j);
	free(body);
	body = body_with("partnerName", "p", 100);
	j = create(body);
	ck_assert_int_eq(strlen(str(j, "partnerName")), 100);
	json_decref(j);
	free(body);
}
END_TEST

START_TEST(test_all_errors_are_reported_at_once)
{
	struct test_response r;
	test_admin_post(&r, "/api/v1/access-requests",
			"{\"installationType\":\"pro\",\"lang\":\"english\",\"ttl\":1,\"extra\":1}");
	assert_invalid(&r, "installationId");
	assert_invalid(&r, "lang");
	assert_invalid(&r, "ttl");
	assert_invalid(&r, "extra");
	test_response_free(&r);
}
END_TEST

START_TEST(test_create_without_the_token_is_401)
{
	static const char *const json[] = { "Content-Type: application/json", NULL };
	struct test_response r;
	test_http(&r, "POST", test_admin_url("/api/v1/access-requests"), json, "{}", 0);
	ck_assert_int_eq(r.status, 401);
	test_response_free(&r);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM access_requests"), 0);
}
END_TEST

/* With redirect_allow = https://app.example (the "return_to" test case). */
START_TEST(test_return_to_on_an_allowed_origin_is_kept)
{
	json_t *j = create("{\"returnTo\":\"https://app.example/done?x=1\"}");
	ck_assert_str_eq(str(j, "returnTo"), "https://app.example/done?x=1");
	json_t *again = get_request(str(j, "id"));
	ck_assert_str_eq(str(again, "returnTo"), "https://app.example/done?x=1");
	json_decref(again);
	json_decref(j);
	j = create("{\"returnTo\":\"https://APP.example:443/\"}");
	json_decref(j);

	static const char *const refused[] = {
		"{\"returnTo\":\"https://evil.example/done\"}",
		"{\"returnTo\":\"https://app.example.evil.example/\"}",
		"{\"returnTo\":\"https://app.example:8443/\"}",
		"{\"returnTo\":\"http://app.example/done\"}",
		"{\"returnTo\":\"https://user@app.example/\"}",
		"{\"returnTo\":\"https://app.example/a#frag\"}",
		"{\"returnTo\":\"//app.example/done\"}",
		"{\"returnTo\":\"http://127.0.0.1:3001/done\"}", /* loopback, another port */
		"{\"returnTo\":\"http://localhost:3000/done\"}", /* the same host under another name */
	};
	for (int i = 0; i < COUNT(refused); i++) {
		struct test_response r;
		test_admin_post(&r, "/api/v1/access-requests", refused[i]);
		assert_invalid(&r, "returnTo");
		test_response_free(&r);
	}
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM access_requests"), 2);
}
END_TEST

START_TEST(test_http_return_to_is_allowed_on_a_listed_loopback_origin)
{
	json_t *j = create("{\"returnTo\":\"http://127.0.0.1:3000/cb\"}");
	ck_assert_str_eq(str(j, "returnTo"), "http://127.0.0.1:3000/cb");
	json_decref(j);
}
END_TEST

/* ---- get ---- */

START_TEST(test_get_answers_the_created_object_without_links)
{
	json_t *created = create("{\"reference\":\"c-1\",\"installationType\":\"pro\",\"installationId\":\"" GUID "\"}");
	json_t *got = get_request(str(created, "id"));
	ck_assert_ptr_null(json_object_get(got, "connectUrl"));
	ck_assert_ptr_null(json_object_get(got, "portalUrl"));
	json_object_del(created, "connectUrl");
	json_object_del(created, "portalUrl");
	char *a = json_dumps(created, JSON_SORT_KEYS), *b = json_dumps(got, JSON_SORT_KEYS);
	ck_assert_str_eq(b, a);
	free(a);
	free(b);
	json_decref(got);
	json_decref(created);
}
END_TEST

START_TEST(test_get_of_an_unknown_id_is_404)
{
	struct test_response r;
	test_admin_get(&r, "/api/v1/access-requests/0c9d8e7f-6a5b-4c3d-8e1f-a2b3c4d5e6f7");
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(test_header(&r, "Content-Type"), "application/problem+json");
	test_response_free(&r);
	test_admin_get(&r, "/api/v1/access-requests/nope");
	ck_assert_int_eq(r.status, 404);
	test_response_free(&r);
}
END_TEST

START_TEST(test_get_without_the_token_is_401)
{
	char id[37];
	test_create_request("{}", id);
	char path[128];
	snprintf(path, sizeof path, "/api/v1/access-requests/%s", id);
	struct test_response r;
	test_http(&r, "GET", test_admin_url(path), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(test_header(&r, "WWW-Authenticate"), "Bearer");
	ck_assert_ptr_null(strstr(r.body, id));
	test_response_free(&r);
}
END_TEST

/* ---- list ---- */

START_TEST(test_list_pages_newest_first_without_repeats_or_gaps)
{
	char ids[5][37];
	for (int i = 0; i < 5; i++) {
		char body[64];
		snprintf(body, sizeof body, "{\"reference\":\"r%d\"}", i);
		test_create_request(body, ids[i]);
	}
	/* Everything in one page by default. */
	json_t *all = get_json("/api/v1/access-requests");
	ck_assert_int_eq(json_array_size(json_object_get(all, "items")), 5);
	assert_null(all, "nextCursor");
	json_decref(all);

	char path[256] = "/api/v1/access-requests?limit=2";
	int seen = 0, pages = 0;
	for (;;) {
		json_t *page = get_json(path);
		json_t *items = json_object_get(page, "items");
		pages++;
		ck_assert_int_le(json_array_size(items), 2);
		size_t i;
		json_t *item;
		json_array_foreach(items, i, item) {
			ck_assert_msg(seen < 5, "more items than requests");
			/* Newest first: the last created comes first. */
			ck_assert_str_eq(str(item, "id"), ids[4 - seen]);
			ck_assert_ptr_null(json_object_get(item, "connectUrl"));
			seen++;
		}
		json_t *next = json_object_get(page, "nextCursor");
		ck_assert_ptr_nonnull(next);
		if (json_is_null(next)) {
			json_decref(page);
			break;
		}
		snprintf(path, sizeof path, "/api/v1/access-requests?limit=2&cursor=%s", json_string_value(next));
		json_decref(page);
		ck_assert_int_lt(pages, 10);
	}
	ck_assert_int_eq(seen, 5);
	ck_assert_int_eq(pages, 3);
}
END_TEST

START_TEST(test_list_filters_by_status_and_reference)
{
	char a[37], b[37], token[64];
	test_create_request("{\"reference\":\"alpha\"}", a);
	snprintf(token, sizeof token, "%s", test_create_request("{\"reference\":\"beta\"}", b));
	test_create_request("{\"reference\":\"beta\"}", NULL);

	json_t *j = get_json("/api/v1/access-requests?reference=alpha");
	json_t *items = json_object_get(j, "items");
	ck_assert_int_eq(json_array_size(items), 1);
	ck_assert_str_eq(str(json_array_get(items, 0), "id"), a);
	json_decref(j);

	j = get_json("/api/v1/access-requests?reference=beta");
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 2);
	json_decref(j);

	j = get_json("/api/v1/access-requests?reference=gamma");
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
	assert_null(j, "nextCursor");
	json_decref(j);

	struct test_response r;
	connect(&r, token);
	ck_assert_int_eq(r.status, 303);
	test_response_free(&r);

	j = get_json("/api/v1/access-requests?status=opened");
	items = json_object_get(j, "items");
	ck_assert_int_eq(json_array_size(items), 1);
	ck_assert_str_eq(str(json_array_get(items, 0), "id"), b);
	ck_assert_str_eq(str(json_array_get(items, 0), "status"), "opened");
	json_decref(j);

	j = get_json("/api/v1/access-requests?status=pending&reference=beta");
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);

	j = get_json("/api/v1/access-requests?status=granted");
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
}
END_TEST

struct bad_query {
	const char *query;
	const char *field;
};

static const struct bad_query bad_queries[] = {
	{ "?limit=0", "limit" },
	{ "?limit=1001", "limit" },
	{ "?limit=abc", "limit" },
	{ "?limit=-1", "limit" },
	{ "?limit=", "limit" },
	{ "?cursor=bogus", "cursor" },
	{ "?cursor=AAAAAAAAAAAAAAAAAAAAAA=", "cursor" },
	{ "?status=open", "status" },
	{ "?colour=blue", "colour" },
	{ "?limit=2&limit=3", "limit" },
};

START_TEST(test_a_bad_list_query_is_a_400_naming_the_parameter)
{
	struct test_response r;
	char path[256];
	snprintf(path, sizeof path, "/api/v1/access-requests%s", bad_queries[_i].query);
	test_admin_get(&r, path);
	assert_invalid(&r, bad_queries[_i].field);
	test_response_free(&r);
}
END_TEST

START_TEST(test_list_accepts_the_limits_bounds)
{
	test_create_request("{}", NULL);
	json_t *j = get_json("/api/v1/access-requests?limit=1");
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	assert_null(j, "nextCursor");
	json_decref(j);
	j = get_json("/api/v1/access-requests?limit=1000");
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
}
END_TEST

/* ---- reissue ---- */

START_TEST(test_reissue_gives_fresh_links_and_kills_the_old_one)
{
	json_t *created = create("{\"reference\":\"re\"}");
	const char *id = str(created, "id");
	char old_token[64];
	snprintf(old_token, sizeof old_token, "%s", token_of(str(created, "connectUrl")));
	int64_t old_expires = time_field(created, "expiresAt");

	/* Move the request 1000 seconds into the past, so the new expiry shows. */
	char sql[256], path[128];
	snprintf(sql, sizeof sql,
		 "UPDATE access_requests SET created_at = created_at - 1000, expires_at = expires_at - 1000 "
		 "WHERE id = '%s'",
		 id);
	test_db_exec(sql);

	snprintf(path, sizeof path, "/api/v1/access-requests/%s/reissue", id);
	struct test_response r;
	test_admin_post(&r, path, NULL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	json_t *re = test_json(&r);
	test_response_free(&r);
	ck_assert_str_eq(str(re, "id"), id);
	ck_assert_str_eq(str(re, "status"), "pending");
	ck_assert_str_eq(str(re, "reference"), "re");
	char new_token[64];
	snprintf(new_token, sizeof new_token, "%s", token_of(str(re, "connectUrl")));
	ck_assert_str_ne(new_token, old_token);
	char portal[1024];
	snprintf(portal, sizeof portal, "%s%s", PORTAL_GO, new_token);
	ck_assert_str_eq(str(re, "portalUrl"), portal);
	int64_t new_expires = time_field(re, "expiresAt");
	ck_assert_int_ge(new_expires, old_expires);
	ck_assert_int_ge(new_expires, (int64_t)time(NULL) + 7 * 86400 - 5);
	ck_assert_int_eq(time_field(re, "createdAt"), time_field(created, "createdAt") - 1000);
	ck_assert_int_eq(count_events("request.reissued", id), 1);

	/* The API shows the new expiry too. */
	json_t *got = get_request(id);
	ck_assert_int_eq(time_field(got, "expiresAt"), new_expires);
	json_decref(got);

	connect(&r, old_token);
	assert_page(&r, 404);
	test_response_free(&r);

	connect(&r, new_token);
	ck_assert_int_eq(r.status, 303);
	ck_assert_str_eq(test_header(&r, "Location"), portal);
	test_response_free(&r);
	json_decref(re);
	json_decref(created);
}
END_TEST

/* POSTs a reissue of id with body (may be NULL); returns the answer's JSON. */
static json_t *reissue(const char *id, const char *body, long want)
{
	char path[128];
	struct test_response r;
	snprintf(path, sizeof path, "/api/v1/access-requests/%s/reissue", id);
	test_admin_post(&r, path, body);
	ck_assert_msg(r.status == want, "reissue %s: %ld %s", body ? body : "", r.status, r.body);
	json_t *j = test_json(&r);
	test_response_free(&r);
	return j;
}

/* Each reissue gives the lifetime the request was created with, however much
 * time passed since: never 60 -> 63 -> 69 s. */
START_TEST(test_reissue_keeps_the_lifetime_the_request_was_created_with)
{
	char id[37], sql[256];
	test_create_request("{\"ttl\":60}", id);
	snprintf(sql, sizeof sql,
		 "UPDATE access_requests SET created_at = created_at - 3, expires_at = expires_at - 3 WHERE id = '%s'", id);
	for (int round = 0; round < 3; round++) {
		test_db_exec(sql);
		int64_t before = (int64_t)time(NULL);
		json_t *re = reissue(id, NULL, 200);
		int64_t lifetime = time_field(re, "expiresAt") - before;
		ck_assert_msg(lifetime >= 60 && lifetime <= 61, "round %d: the reissued link lives %lld s", round,
			      (long long)lifetime);
		json_decref(re);
	}
}
END_TEST

START_TEST(test_reissue_takes_a_ttl_in_the_range_of_create)
{
	char id[37];
	test_create_request("{\"ttl\":60}", id);
	int64_t before = (int64_t)time(NULL);
	json_t *re = reissue(id, "{\"ttl\":3600}", 200);
	int64_t lifetime = time_field(re, "expiresAt") - before;
	ck_assert_msg(lifetime >= 3600 && lifetime <= 3601, "lives %lld s", (long long)lifetime);
	json_decref(re);
	/* The asked-for ttl was for this reissue: the next one is 60 s again. */
	before = (int64_t)time(NULL);
	re = reissue(id, "{}", 200);
	lifetime = time_field(re, "expiresAt") - before;
	ck_assert_msg(lifetime >= 60 && lifetime <= 61, "lives %lld s", (long long)lifetime);
	json_decref(re);

	static const char *const bad[] = {
		"{\"ttl\":59}", "{\"ttl\":2592001}", "{\"ttl\":9223372036854775807}",
		"{\"ttl\":-9223372036854775808}", "{\"ttl\":\"60\"}", "{\"ttl\":60.5}", "{\"lifetime\":60}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *problem = reissue(id, bad[i], 400);
		json_t *field = json_object_get(json_array_get(json_object_get(problem, "errors"), 0), "field");
		ck_assert_str_eq(json_string_value(field), i + 1 < sizeof bad / sizeof bad[0] ? "ttl" : "lifetime");
		json_decref(problem);
	}
	ck_assert_int_eq(count_events("request.reissued", id), 2);
}
END_TEST

START_TEST(test_create_refuses_a_ttl_at_the_ends_of_int64)
{
	static const char *const bad[] = {
		"{\"ttl\":9223372036854775807}", "{\"ttl\":-9223372036854775808}", "{\"ttl\":9223372036854775000}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct test_response r;
		test_admin_post(&r, "/api/v1/access-requests", bad[i]);
		ck_assert_msg(r.status == 400, "%s: %ld %s", bad[i], r.status, r.body);
		test_response_free(&r);
	}
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM access_requests"), 0);
}
END_TEST

START_TEST(test_reissue_of_a_granted_request_is_409)
{
	char id[37], path[256];
	const char *token = test_create_request("{}", id);
	snprintf(path, sizeof path, "/access-result/%s?success=true&installationId=" GUID, token);
	struct test_response r;
	test_http(&r, "GET", test_public_url(path), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);

	snprintf(path, sizeof path, "/api/v1/access-requests/%s/reissue", id);
	test_admin_post(&r, path, NULL);
	ck_assert_int_eq(r.status, 409);
	ck_assert_str_eq(test_header(&r, "Content-Type"), "application/problem+json");
	test_response_free(&r);
	ck_assert_int_eq(count_events("request.reissued", id), 0);
	json_t *got = get_request(id);
	ck_assert_str_eq(str(got, "status"), "granted");
	json_decref(got);
}
END_TEST

START_TEST(test_reissue_of_an_unknown_id_is_404)
{
	struct test_response r;
	test_admin_post(&r, "/api/v1/access-requests/0c9d8e7f-6a5b-4c3d-8e1f-a2b3c4d5e6f7/reissue", NULL);
	ck_assert_int_eq(r.status, 404);
	test_response_free(&r);
	test_admin_post(&r, "/api/v1/access-requests/short/reissue", NULL);
	ck_assert_int_eq(r.status, 404);
	test_response_free(&r);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events"), 0);
}
END_TEST

START_TEST(test_reissue_revives_an_expired_request)
{
	char id[37], sql[256], path[128];
	test_create_request("{}", id);
	/* Created eight days ago with the default seven-day lifetime. */
	snprintf(sql, sizeof sql,
		 "UPDATE access_requests SET created_at = created_at - 8 * 86400, "
		 "expires_at = expires_at - 8 * 86400 WHERE id = '%s'",
		 id);
	test_db_exec(sql);
	json_t *got = get_request(id);
	ck_assert_str_eq(str(got, "status"), "expired");
	json_decref(got);
	/* And stored as expired by the expiry pass. */
	ck_assert_int_eq(writer_run(requests_expire_due, NULL), 0);
	snprintf(sql, sizeof sql, "SELECT status FROM access_requests WHERE id = '%s'", id);
	ck_assert_str_eq(test_db_text(sql), "expired");

	snprintf(path, sizeof path, "/api/v1/access-requests/%s/reissue", id);
	struct test_response r;
	test_admin_post(&r, path, NULL);
	ck_assert_int_eq(r.status, 200);
	json_t *re = test_json(&r);
	test_response_free(&r);
	ck_assert_str_eq(str(re, "status"), "pending");
	ck_assert_int_ge(time_field(re, "expiresAt"), (int64_t)time(NULL) + 7 * 86400 - 5);
	got = get_request(id);
	ck_assert_str_eq(str(got, "status"), "pending");
	json_decref(got);
	connect(&r, token_of(str(re, "connectUrl")));
	ck_assert_int_eq(r.status, 303);
	test_response_free(&r);
	json_decref(re);
}
END_TEST

/* ---- the connect link ---- */

START_TEST(test_connect_redirects_to_the_portal_url_and_records_the_first_open)
{
	json_t *created = create("{}");
	const char *id = str(created, "id");
	const char *token = token_of(str(created, "connectUrl"));
	struct test_response r;

	int64_t before = time(NULL);
	connect(&r, token);
	ck_assert_int_eq(r.status, 303);
	ck_assert_str_eq(test_header(&r, "Location"), str(created, "portalUrl"));
	assert_security_headers(&r);
	test_response_free(&r);

	json_t *got = get_request(id);
	ck_assert_str_eq(str(got, "status"), "opened");
	int64_t opened = time_field(got, "openedAt");
	ck_assert_int_ge(opened, before);
	ck_assert_int_eq(count_events("request.opened", id), 1);
	json_decref(got);

	/* A second click: the same redirect, no second event, openedAt kept. */
	connect(&r, token);
	ck_assert_int_eq(r.status, 303);
	ck_assert_str_eq(test_header(&r, "Location"), str(created, "portalUrl"));
	test_response_free(&r);
	ck_assert_int_eq(count_events("request.opened", id), 1);
	got = get_request(id);
	ck_assert_int_eq(time_field(got, "openedAt"), opened);
	json_decref(got);

	/* HEAD follows GET. */
	char path[64];
	snprintf(path, sizeof path, "/connect/%s", token);
	test_http(&r, "HEAD", test_public_url(path), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 303);
	test_response_free(&r);
	json_decref(created);
}
END_TEST

START_TEST(test_an_unknown_or_malformed_token_is_a_404_page)
{
	static const char *const tokens[] = {
		"AAAAAAAAAAAAAAAAAAAAAA",   /* well formed, unknown */
		"AAAAAAAAAAAAAAAAAAAAA",    /* 21 characters */
		"AAAAAAAAAAAAAAAAAAAAAAA",  /* 23 characters */
		"AAAAAAAAAAAAAAAAAAAA%25",  /* a '%' once decoded */
		"%25%25%25%25%25%25%25%25%25%25%25%25%25%25%25%25%25%25%25%25%25%25",
		"AAAAAAAAAAAAAAAAAAAA==",   /* padding */
		"AAAAAAAAAAAAAAAAAAAAA+",   /* base64, not base64url */
		"AAAAAAAAAAAAAAAAAAAAAB",   /* trailing bits set: not canonical */
	};
	/* Make sure there is a request whose token these are not. */
	test_create_request("{}", NULL);
	for (int i = 0; i < COUNT(tokens); i++) {
		struct test_response r;
		connect(&r, tokens[i]);
		ck_assert_msg(r.status == 404, "%s gave %ld", tokens[i], r.status);
		assert_page(&r, 404);
		test_response_free(&r);
	}
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events WHERE type = 'request.opened'"), 0);
}
END_TEST

/* A "token" holding a '/' matches no route: still a 404, never a redirect. */
START_TEST(test_a_token_with_a_slash_is_a_404)
{
	static const char *const paths[] = {
		"/connect/AAAAAAAAAAA/AAAAAAAAAA",
		"/connect/AAAAAAAAAAA%2FAAAAAAAAAA",
		"/connect/",
	};
	for (int i = 0; i < COUNT(paths); i++) {
		struct test_response r;
		test_http(&r, "GET", test_public_url(paths[i]), NULL, NULL, 0);
		ck_assert_msg(r.status == 404, "%s gave %ld", paths[i], r.status);
		ck_assert_ptr_null(test_header(&r, "Location"));
		test_response_free(&r);
	}
}
END_TEST

START_TEST(test_an_expired_request_is_a_410_page_and_expired_in_the_api)
{
	char id[37], sql[256];
	const char *token = test_create_request("{}", id);
	snprintf(sql, sizeof sql, "UPDATE access_requests SET expires_at = unixepoch() - 1 WHERE id = '%s'", id);
	test_db_exec(sql);

	struct test_response r;
	connect(&r, token);
	assert_page(&r, 410);
	test_response_free(&r);
	ck_assert_int_eq(count_events("request.opened", id), 0);

	json_t *got = get_request(id);
	ck_assert_str_eq(str(got, "status"), "expired");
	assert_null(got, "openedAt");
	json_decref(got);
	got = get_json("/api/v1/access-requests?status=expired");
	ck_assert_int_eq(json_array_size(json_object_get(got, "items")), 1);
	json_decref(got);
	got = get_json("/api/v1/access-requests?status=pending");
	ck_assert_int_eq(json_array_size(json_object_get(got, "items")), 0);
	json_decref(got);
}
END_TEST

/* Zaptec's redirect after the customer approved, for installation GUID. */
static void grant(const char *token)
{
	char path[256];
	snprintf(path, sizeof path, "/access-result/%s?success=true&installationId=" GUID, token);
	struct test_response r;
	test_http(&r, "GET", test_public_url(path), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
}

START_TEST(test_a_granted_request_is_a_200_page_without_redirect)
{
	char id[37];
	const char *token = test_create_request("{}", id);
	char saved[64];
	snprintf(saved, sizeof saved, "%s", token);
	grant(saved);

	struct test_response r;
	connect(&r, saved);
	assert_page(&r, 200);
	test_response_free(&r);
	ck_assert_int_eq(count_events("request.opened", id), 0);

	json_t *got = get_request(id);
	ck_assert_str_eq(str(got, "status"), "granted");
	json_t *result = json_object_get(got, "result");
	ck_assert(json_is_true(json_object_get(result, "success")));
	ck_assert_str_eq(str(result, "installationId"), GUID);
	time_field(got, "completedAt");
	json_decref(got);
}
END_TEST

/* Repeat clicks are answered from memory (redirect_cache.c); every change the
 * daemon makes must still reach the very next click. */
static void click_three_times(const char *token, const char *expected_location)
{
	for (int i = 0; i < 3; i++) {
		struct test_response r;
		connect(&r, token);
		ck_assert_int_eq(r.status, 303);
		ck_assert_str_eq(test_header(&r, "Location"), expected_location);
		test_response_free(&r);
	}
}

START_TEST(test_after_repeat_clicks_a_reissue_kills_the_old_link_at_once)
{
	json_t *created = create("{}");
	const char *id = str(created, "id");
	char old_token[64], portal[1024], path[128];
	snprintf(old_token, sizeof old_token, "%s", token_of(str(created, "connectUrl")));
	snprintf(portal, sizeof portal, "%s%s", PORTAL_GO, old_token);
	click_three_times(old_token, portal);

	snprintf(path, sizeof path, "/api/v1/access-requests/%s/reissue", id);
	struct test_response r;
	test_admin_post(&r, path, NULL);
	ck_assert_int_eq(r.status, 200);
	json_t *re = test_json(&r);
	test_response_free(&r);

	connect(&r, old_token);
	assert_page(&r, 404);
	test_response_free(&r);
	snprintf(portal, sizeof portal, "%s%s", PORTAL_GO, token_of(str(re, "connectUrl")));
	click_three_times(token_of(str(re, "connectUrl")), portal);
	json_decref(re);
	json_decref(created);
}
END_TEST

START_TEST(test_after_repeat_clicks_a_grant_shows_at_the_next_click)
{
	char id[37], token[64], portal[1024];
	snprintf(token, sizeof token, "%s", test_create_request("{}", id));
	snprintf(portal, sizeof portal, "%s%s", PORTAL_GO, token);
	click_three_times(token, portal);
	grant(token);

	struct test_response r;
	connect(&r, token);
	assert_page(&r, 200);
	test_response_free(&r);
	ck_assert_int_eq(count_events("request.opened", id), 1);
}
END_TEST

/* An edit made outside the daemon is seen once the kept answer's lifetime
 * (REDIRECT_CACHE_TTL_MS, 1 s) has passed; the README says so. */
START_TEST(test_after_repeat_clicks_an_outside_edit_shows_within_a_second)
{
	char id[37], token[64], portal[1024], sql[256];
	snprintf(token, sizeof token, "%s", test_create_request("{}", id));
	snprintf(portal, sizeof portal, "%s%s", PORTAL_GO, token);
	click_three_times(token, portal);

	snprintf(sql, sizeof sql, "UPDATE access_requests SET expires_at = unixepoch() - 1 WHERE id = '%s'", id);
	test_db_exec(sql);
	struct timespec pause = { .tv_sec = 1, .tv_nsec = 50 * 1000000L };
	nanosleep(&pause, NULL);

	struct test_response r;
	connect(&r, token);
	assert_page(&r, 410);
	test_response_free(&r);
}
END_TEST

/* The customer may change a "no" into a "yes" while the link lives: the link
 * leads to the portal again; once expired it is the "no longer valid" page. */
START_TEST(test_a_denied_request_leads_to_the_portal_until_it_expires)
{
	char id[37], path[256], saved[64], sql[200];
	snprintf(saved, sizeof saved, "%s", test_create_request("{}", id));
	snprintf(path, sizeof path, "/access-result/%s?success=false", saved);
	struct test_response r;
	test_http(&r, "GET", test_public_url(path), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	connect(&r, saved);
	ck_assert_int_eq(r.status, 303);
	ck_assert_ptr_nonnull(strstr(test_header(&r, "Location"), "https://portal.zaptec.com/access/request/BSJG?"));
	test_response_free(&r);
	json_t *got = get_request(id);
	ck_assert_str_eq(str(got, "status"), "denied");
	json_decref(got);

	snprintf(sql, sizeof sql, "UPDATE access_requests SET expires_at = unixepoch() - 1 WHERE id = '%s'", id);
	test_db_exec(sql);
	connect(&r, saved);
	assert_page(&r, 410);
	test_response_free(&r);
}
END_TEST

/* ---- the token is never stored ---- */

/* Whether the file at path holds needle (n bytes) anywhere. */
static int file_holds(const char *path, const void *needle, size_t n)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	size_t got;
	while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
	}
	fclose(f);
	int found = memmem(buf, len, needle, n) != NULL;
	free(buf);
	return found;
}

START_TEST(test_the_token_never_reaches_the_database_file)
{
	char tokens[2][64];
	char id[37], path[512];
	snprintf(tokens[0], sizeof tokens[0], "%s", test_create_request("{\"reference\":\"secret-check\"}", id));
	struct test_response r;
	connect(&r, tokens[0]);
	ck_assert_int_eq(r.status, 303);
	test_response_free(&r);
	snprintf(path, sizeof path, "/api/v1/access-requests/%s/reissue", id);
	test_admin_post(&r, path, NULL);
	ck_assert_int_eq(r.status, 200);
	json_t *re = test_json(&r);
	snprintf(tokens[1], sizeof tokens[1], "%s", token_of(str(re, "connectUrl")));
	json_decref(re);
	test_response_free(&r);

	/* The files searched are SQLite's; PostgreSQL's own files are the server's. */
	if (test_on_postgresql())
		return;
	char db[512], wal[512];
	snprintf(db, sizeof db, "%s/accessd.db", test_dir());
	snprintf(wal, sizeof wal, "%s/accessd.db-wal", test_dir());
	/* The files hold the request (so the search looks in the right place)... */
	ck_assert(file_holds(db, "secret-check", 12) || file_holds(wal, "secret-check", 12));
	for (int i = 0; i < 2; i++) {
		unsigned char raw[16], hash[32];
		size_t raw_len = 0;
		ck_assert_int_eq(sodium_base642bin(raw, sizeof raw, tokens[i], 22, NULL, &raw_len, NULL,
						   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
				 0);
		ck_assert_uint_eq(raw_len, 16);
		/* ...but neither the token's text nor its raw bytes, only its hash. */
		ck_assert_msg(!file_holds(db, tokens[i], 22), "token %d in the database file", i);
		ck_assert_msg(!file_holds(wal, tokens[i], 22), "token %d in the WAL file", i);
		ck_assert_msg(!file_holds(db, raw, 16), "token %d's bytes in the database file", i);
		ck_assert_msg(!file_holds(wal, raw, 16), "token %d's bytes in the WAL file", i);
		crypto_hash_sha256(hash, raw, sizeof raw);
		if (i == 1)
			ck_assert(file_holds(db, hash, 32) || file_holds(wal, hash, 32));
	}
}
END_TEST

/* ---- expiry ---- */

START_TEST(test_the_expiry_pass_stores_expired_and_appends_one_event)
{
	char id[37], live[37], sql[256];
	test_create_request("{\"reference\":\"old\"}", id);
	test_create_request("{}", live);
	snprintf(sql, sizeof sql, "UPDATE access_requests SET expires_at = unixepoch() - 5 WHERE id = '%s'", id);
	test_db_exec(sql);

	/* Expired on read at once, before the pass stores it. */
	json_t *got = get_request(id);
	ck_assert_str_eq(str(got, "status"), "expired");
	json_decref(got);

	ck_assert_int_eq(writer_run(requests_expire_due, NULL), 0);
	snprintf(sql, sizeof sql, "SELECT status FROM access_requests WHERE id = '%s'", id);
	ck_assert_str_eq(test_db_text(sql), "expired");
	snprintf(sql, sizeof sql, "SELECT status FROM access_requests WHERE id = '%s'", live);
	ck_assert_str_eq(test_db_text(sql), "pending");
	ck_assert_int_eq(count_events("request.expired", id), 1);
	ck_assert_int_eq(count_events("request.expired", live), 0);
	snprintf(sql, sizeof sql, "SELECT reference FROM events WHERE type = 'request.expired' AND request_id = '%s'", id);
	ck_assert_str_eq(test_db_text(sql), "old");

	/* A second pass finds nothing more. */
	ck_assert_int_eq(writer_run(requests_expire_due, NULL), 0);
	ck_assert_int_eq(count_events("request.expired", id), 1);
	got = get_request(id);
	ck_assert_str_eq(str(got, "status"), "expired");
	json_decref(got);
}
END_TEST

static void start_with_redirect_allow(void)
{
	test_server_start("redirect_allow = https://app.example http://127.0.0.1:3000\n");
}

Suite *requests_api_suite(void)
{
	Suite *s = suite_create("requests_api");
	TCase *tc = tcase_create("create");
	tcase_add_checked_fixture(tc, test_server_setup, test_server_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_create_answers_201_with_location_and_every_field);
	tcase_add_test(tc, test_create_takes_every_optional_field);
	tcase_add_test(tc, test_the_longest_ttl_is_max_request_ttl);
	tcase_add_test(tc, test_a_pro_request_names_its_installation_in_lower_case);
	tcase_add_test(tc, test_a_home_request_is_a_go_request);
	tcase_add_test(tc, test_a_go_request_may_name_its_installation);
	tcase_add_loop_test(tc, test_each_invalid_field_is_a_400_naming_it, 0, COUNT(invalid_cases));
	tcase_add_test(tc, test_strings_over_their_limits_are_refused_and_at_them_accepted);
	tcase_add_test(tc, test_all_errors_are_reported_at_once);
	tcase_add_test(tc, test_create_without_the_token_is_401);
	suite_add_tcase(s, tc);

	tc = tcase_create("return_to");
	tcase_add_checked_fixture(tc, start_with_redirect_allow, test_server_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_return_to_on_an_allowed_origin_is_kept);
	tcase_add_test(tc, test_http_return_to_is_allowed_on_a_listed_loopback_origin);
	suite_add_tcase(s, tc);

	tc = tcase_create("read");
	tcase_add_checked_fixture(tc, test_server_setup, test_server_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_get_answers_the_created_object_without_links);
	tcase_add_test(tc, test_get_of_an_unknown_id_is_404);
	tcase_add_test(tc, test_get_without_the_token_is_401);
	tcase_add_test(tc, test_list_pages_newest_first_without_repeats_or_gaps);
	tcase_add_test(tc, test_list_filters_by_status_and_reference);
	tcase_add_loop_test(tc, test_a_bad_list_query_is_a_400_naming_the_parameter, 0, COUNT(bad_queries));
	tcase_add_test(tc, test_list_accepts_the_limits_bounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("reissue");
	tcase_add_checked_fixture(tc, test_server_setup, test_server_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_reissue_gives_fresh_links_and_kills_the_old_one);
	tcase_add_test(tc, test_reissue_of_a_granted_request_is_409);
	tcase_add_test(tc, test_reissue_of_an_unknown_id_is_404);
	tcase_add_test(tc, test_reissue_revives_an_expired_request);
	suite_add_tcase(s, tc);

	tc = tcase_create("connect");
	tcase_add_checked_fixture(tc, test_server_setup, test_server_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_connect_redirects_to_the_portal_url_and_records_the_first_open);
	tcase_add_test(tc, test_an_unknown_or_malformed_token_is_a_404_page);
	tcase_add_test(tc, test_a_token_with_a_slash_is_a_404);
	tcase_add_test(tc, test_an_expired_request_is_a_410_page_and_expired_in_the_api);
	tcase_add_test(tc, test_a_granted_request_is_a_200_page_without_redirect);
	tcase_add_test(tc, test_a_denied_request_leads_to_the_portal_until_it_expires);
	tcase_add_test(tc, test_reissue_keeps_the_lifetime_the_request_was_created_with);
	tcase_add_test(tc, test_reissue_takes_a_ttl_in_the_range_of_create);
	tcase_add_test(tc, test_create_refuses_a_ttl_at_the_ends_of_int64);
	tcase_add_test(tc, test_after_repeat_clicks_a_reissue_kills_the_old_link_at_once);
	tcase_add_test(tc, test_after_repeat_clicks_a_grant_shows_at_the_next_click);
	tcase_add_test(tc, test_after_repeat_clicks_an_outside_edit_shows_within_a_second);
	tcase_add_test(tc, test_the_token_never_reaches_the_database_file);
	tcase_add_test(tc, test_the_expiry_pass_stores_expired_and_appends_one_event);
	suite_add_tcase(s, tc);
	return s;
}
