/*
 * test_callback.c — Zaptec's redirect back to /access-result/{token} through a
 * real daemon: every classification, the page the customer sees, the request
 * and installation rows and the event each hit leaves, idempotency, returnTo,
 * languages, escaping, and a database that cannot take the write.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "testutil.h"

Suite *callback_suite(void);

#define GUID "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define GUID_UPPER "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"
#define OTHER_GUID "11111111-2222-4333-8444-555555555555"
#define GRANT_QUERY "success=true&installationId=" GUID
#define UNKNOWN_TOKEN "AAAAAAAAAAAAAAAAAAAAAA"

/* GETs /access-result/token?query on the public listener; header may be NULL. */
static void hit(struct test_response *r, const char *token, const char *query, const char *header)
{
	const char *const headers[] = { header, NULL };
	char path[8192];
	snprintf(path, sizeof path, "/access-result/%s%s%s", token, query ? "?" : "", query ? query : "");
	test_http(r, "GET", test_public_url(path), header ? headers : NULL, NULL, 0);
}

/* Creates a request and copies its token into token (64 bytes). */
static void create(const char *json, char *token, char *id)
{
	snprintf(token, 64, "%s", test_create_request(json, id));
}

static long long events_total(void)
{
	return test_db_int("SELECT count(*) FROM events");
}

static long long events_of(const char *type)
{
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE type = '%s'", type);
	return test_db_int(sql);
}

static const char *last_event_type(void)
{
	return test_db_text("SELECT type FROM events ORDER BY id DESC LIMIT 1");
}

static const char *request_status(const char *id)
{
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT status FROM access_requests WHERE id = '%s'", id);
	return test_db_text(sql);
}

static long long installations_count(void)
{
	return test_db_int("SELECT count(*) FROM installations");
}

static void assert_contains(const char *body, const char *needle)
{
	ck_assert_msg(strstr(body, needle) != NULL, "\"%s\" not in the page: %.400s", needle, body);
}

/* What every public page carries. */
static void assert_page_headers(const struct test_response *r)
{
	ck_assert_str_eq(test_header(r, "Content-Type"), "text/html; charset=utf-8");
	ck_assert_str_eq(test_header(r, "Cache-Control"), "no-store");
	ck_assert_str_eq(test_header(r, "Referrer-Policy"), "no-referrer");
	ck_assert_str_eq(test_header(r, "X-Content-Type-Options"), "nosniff");
	ck_assert_str_eq(test_header(r, "X-Frame-Options"), "DENY");
	const char *csp = test_header(r, "Content-Security-Policy");
	ck_assert_ptr_nonnull(csp);
	ck_assert_msg(strncmp(csp, "default-src 'none'", 18) == 0, "CSP: %s", csp);
}

/* The access request as the API shows it. */
static json_t *api_request(const char *id)
{
	char path[128];
	struct test_response r;
	snprintf(path, sizeof path, "/api/v1/access-requests/%s", id);
	test_admin_get(&r, path);
	ck_assert_int_eq(r.status, 200);
	json_t *j = test_json(&r);
	test_response_free(&r);
	return j;
}

START_TEST(test_granted_callback_records_the_grant_and_shows_the_granted_page)
{
	char token[64], id[37];
	struct test_response r;
	create("{\"reference\":\"cust-1\"}", token, id);
	long long before = events_total();

	hit(&r, token, GRANT_QUERY, NULL);
	ck_assert_int_eq(r.status, 200);
	assert_page_headers(&r);
	assert_contains(r.body, "<html lang=\"en\">");
	assert_contains(r.body, "Access granted");
	assert_contains(r.body, "Acme Energy");
	assert_contains(r.body, GUID);
	test_response_free(&r);

	json_t *j = api_request(id);
	ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "granted");
	json_t *result = json_object_get(j, "result");
	ck_assert(json_is_true(json_object_get(result, "success")));
	ck_assert_str_eq(json_string_value(json_object_get(result, "installationId")), GUID);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(j, "completedAt")));
	json_decref(j);

	ck_assert_str_eq(test_db_text("SELECT status FROM installations WHERE installation_id = '" GUID "'"),
			 "granted");
	ck_assert_str_eq(test_db_text("SELECT reference FROM installations"), "cust-1");
	ck_assert_str_eq(test_db_text("SELECT request_id FROM installations"), id);
	ck_assert_int_eq(events_total(), before + 1);
	ck_assert_int_eq(events_of("callback.granted"), 1);
	ck_assert_str_eq(test_db_text("SELECT json_extract(detail, '$.query') FROM events "
				      "WHERE type = 'callback.granted'"),
			 GRANT_QUERY);
	ck_assert_str_eq(test_db_text("SELECT request_id FROM events WHERE type = 'callback.granted'"), id);
}
END_TEST

START_TEST(test_upper_case_installation_id_is_stored_lower_case)
{
	char token[64], id[37];
	struct test_response r;
	create("{}", token, id);
	hit(&r, token, "success=TRUE&installationId=" GUID_UPPER, NULL);
	ck_assert_int_eq(r.status, 200);
	assert_contains(r.body, GUID);
	test_response_free(&r);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM installations WHERE installation_id = '" GUID "'"), 1);
	ck_assert_str_eq(test_db_text("SELECT result_installation_id FROM access_requests"), GUID);
	ck_assert_str_eq(test_db_text("SELECT json_extract(detail, '$.query') FROM events "
				      "WHERE type = 'callback.granted'"),
			 "success=TRUE&installationId=" GUID_UPPER);
}
END_TEST

static const char *const denials[] = { "success=false", "success=FALSE" };

START_TEST(test_denied_callback_records_the_denial_and_no_installation)
{
	char token[64], id[37];
	struct test_response r;
	create("{}", token, id);
	hit(&r, token, denials[_i], NULL);
	ck_assert_int_eq(r.status, 200);
	assert_page_headers(&r);
	assert_contains(r.body, "Access not granted");
	assert_contains(r.body, "Acme Energy");
	test_response_free(&r);
	ck_assert_str_eq(request_status(id), "denied");
	json_t *j = api_request(id);
	ck_assert(json_is_false(json_object_get(json_object_get(j, "result"), "success")));
	json_decref(j);
	ck_assert_int_eq(installations_count(), 0);
	ck_assert_int_eq(events_of("callback.denied"), 1);
	ck_assert_str_eq(last_event_type(), "callback.denied");
}
END_TEST

START_TEST(test_the_same_grant_ten_times_grants_once)
{
	char token[64], id[37];
	struct test_response r;
	char *first = NULL;
	create("{}", token, id);
	for (int i = 0; i < 10; i++) {
		hit(&r, token, GRANT_QUERY, NULL);
		ck_assert_int_eq(r.status, 200);
		if (i == 0) {
			first = strdup(r.body);
			/* A second grant would overwrite this. */
			test_db_exec("UPDATE installations SET granted_at = 1000, updated_at = 1000");
		} else {
			ck_assert_str_eq(r.body, first);
		}
		test_response_free(&r);
	}
	free(first);
	ck_assert_int_eq(installations_count(), 1);
	ck_assert_int_eq(test_db_int("SELECT granted_at FROM installations"), 1000);
	ck_assert_int_eq(events_of("callback.granted"), 1);
	ck_assert_int_eq(events_of("callback.repeated"), 9);
	ck_assert_str_eq(request_status(id), "granted");
}
END_TEST

START_TEST(test_the_same_denial_ten_times_denies_once)
{
	char token[64], id[37];
	struct test_response r;
	char *first = NULL;
	create("{}", token, id);
	for (int i = 0; i < 10; i++) {
		hit(&r, token, "success=false", NULL);
		ck_assert_int_eq(r.status, 200);
		if (i == 0)
			first = strdup(r.body);
		else
			ck_assert_str_eq(r.body, first);
		test_response_free(&r);
	}
	free(first);
	ck_assert_int_eq(installations_count(), 0);
	ck_assert_int_eq(events_of("callback.denied"), 1);
	ck_assert_int_eq(events_of("callback.repeated"), 9);
	ck_assert_str_eq(request_status(id), "denied");
}
END_TEST

START_TEST(test_a_different_answer_after_a_grant_is_a_conflict)
{
	char token[64], id[37];
	struct test_response r;
	create("{}", token, id);
	hit(&r, token, GRANT_QUERY, NULL);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	long long completed = test_db_int("SELECT completed_at FROM access_requests");

	hit(&r, token, "success=false", NULL);
	ck_assert_int_eq(r.status, 409);
	assert_page_headers(&r);
	assert_contains(r.body, "Request already completed");
	test_response_free(&r);
	hit(&r, token, "success=true&installationId=" OTHER_GUID, NULL);
	ck_assert_int_eq(r.status, 409);
	test_response_free(&r);

	ck_assert_str_eq(request_status(id), "granted");
	ck_assert_int_eq(test_db_int("SELECT result_success FROM access_requests"), 1);
	ck_assert_str_eq(test_db_text("SELECT result_installation_id FROM access_requests"), GUID);
	ck_assert_int_eq(test_db_int("SELECT completed_at FROM access_requests"), completed);
	ck_assert_int_eq(installations_count(), 1);
	ck_assert_int_eq(events_of("callback.conflict"), 2);
	ck_assert_int_eq(events_of("callback.granted"), 1);
}
END_TEST

START_TEST(test_a_callback_after_expiry_and_grace_is_late)
{
	char token[64], id[37];
	struct test_response r;
	test_server_start("callback_grace = 0s\n");
	create("{}", token, id);
	test_db_exec("UPDATE access_requests SET expires_at = unixepoch() - 10");
	long long before = events_total();
	hit(&r, token, GRANT_QUERY, NULL);
	ck_assert_int_eq(r.status, 410);
	assert_page_headers(&r);
	assert_contains(r.body, "Answer arrived too late");
	test_response_free(&r);
	ck_assert_str_eq(request_status(id), "pending");
	ck_assert_int_eq(test_db_int("SELECT completed_at IS NULL FROM access_requests"), 1);
	ck_assert_int_eq(installations_count(), 0);
	ck_assert_int_eq(events_total(), before + 1);
	ck_assert_str_eq(last_event_type(), "callback.late");
}
END_TEST

START_TEST(test_a_callback_two_hours_late_is_late_with_the_default_grace)
{
	char token[64], id[37];
	struct test_response r;
	create("{}", token, id);
	test_db_exec("UPDATE access_requests SET expires_at = unixepoch() - 7200, status = 'expired'");
	hit(&r, token, "success=false", NULL);
	ck_assert_int_eq(r.status, 410);
	test_response_free(&r);
	ck_assert_str_eq(request_status(id), "expired");
	ck_assert_str_eq(last_event_type(), "callback.late");
}
END_TEST

START_TEST(test_a_callback_within_the_grace_still_grants)
{
	char token[64], id[37];
	struct test_response r;
	create("{}", token, id);
	/* Expired ten seconds ago, and already marked so by the expiry pass. */
	test_db_exec("UPDATE access_requests SET expires_at = unixepoch() - 10, status = 'expired'");
	hit(&r, token, GRANT_QUERY, NULL);
	ck_assert_int_eq(r.status, 200);
	assert_contains(r.body, "Access granted");
	test_response_free(&r);
	ck_assert_str_eq(request_status(id), "granted");
	ck_assert_int_eq(installations_count(), 1);
	ck_assert_str_eq(last_event_type(), "callback.granted");
}
END_TEST

static const char *const invalid_queries[] = {
	"installationId=" GUID,
	"success=maybe&installationId=" GUID,
	"success=true",
	"success=true&installationId=not-a-guid",
	"success=true&success=true&installationId=" GUID,
	"success=true&installationId=" GUID "&installationId=" GUID,
	"success=&installationId=" GUID,
	"success=tr%zzue&installationId=" GUID,
	"success=true%00&installationId=" GUID,
	"success=true&installationId=" GUID "%00",
	NULL, /* the overlong query, built in the test */
};
#define INVALID_COUNT (sizeof invalid_queries / sizeof invalid_queries[0])

START_TEST(test_an_invalid_callback_is_a_400_and_the_request_stays_open)
{
	char token[64], id[37], query[3000];
	struct test_response r;
	if (invalid_queries[_i])
		snprintf(query, sizeof query, "%s", invalid_queries[_i]);
	else {
		/* Valid parameters, but the whole query is over 2 KiB. */
		int n = snprintf(query, sizeof query, "%s&pad=", GRANT_QUERY);
		memset(query + n, 'a', 2100);
		query[n + 2100] = '\0';
	}
	create("{}", token, id);
	long long before = events_total();

	hit(&r, token, query, NULL);
	ck_assert_msg(r.status == 400, "%s: %ld", query, r.status);
	assert_page_headers(&r);
	assert_contains(r.body, "Something went wrong");
	test_response_free(&r);
	ck_assert_str_eq(request_status(id), "pending");
	ck_assert_int_eq(installations_count(), 0);
	ck_assert_int_eq(events_total(), before + 1);
	ck_assert_str_eq(last_event_type(), "callback.invalid");
	ck_assert_str_eq(test_db_text("SELECT request_id FROM events ORDER BY id DESC LIMIT 1"), id);
	const char *reason = test_db_text("SELECT json_extract(detail, '$.reason') FROM events "
					  "ORDER BY id DESC LIMIT 1");
	ck_assert_msg(reason != NULL && reason[0], "no reason for %s", query);
	long long logged = test_db_int("SELECT length(json_extract(detail, '$.query')) FROM events "
				       "ORDER BY id DESC LIMIT 1");
	ck_assert_int_eq(logged, strlen(query) > 2048 ? 2048 : (long long)strlen(query));

	/* The customer tries again and Zaptec answers properly this time. */
	hit(&r, token, GRANT_QUERY, NULL);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	ck_assert_str_eq(request_status(id), "granted");
	ck_assert_int_eq(installations_count(), 1);
}
END_TEST

static const char *const unknown_tokens[] = { UNKNOWN_TOKEN, "not-a-token", "AAAAAAAAAAAAAAAAAAAAAB" };

START_TEST(test_an_unknown_or_malformed_token_is_a_404)
{
	struct test_response r;
	long long before = events_total();
	hit(&r, unknown_tokens[_i], GRANT_QUERY, NULL);
	ck_assert_int_eq(r.status, 404);
	assert_page_headers(&r);
	assert_contains(r.body, "Link not valid");
	test_response_free(&r);
	ck_assert_int_eq(events_total(), before + 1);
	ck_assert_str_eq(last_event_type(), "callback.unknown");
	ck_assert_int_eq(test_db_int("SELECT request_id IS NULL FROM events ORDER BY id DESC LIMIT 1"), 1);
	ck_assert_str_eq(test_db_text("SELECT json_extract(detail, '$.query') FROM events "
				      "ORDER BY id DESC LIMIT 1"),
			 GRANT_QUERY);
	ck_assert_int_eq(installations_count(), 0);
}
END_TEST

START_TEST(test_every_hit_appends_exactly_one_event)
{
	char token[64], id[37];
	struct test_response r;
	static const struct {
		const char *query;
		long status;
		const char *type;
	} hits[] = {
		{ "success=maybe", 400, "callback.invalid" },
		{ "", 400, "callback.invalid" },
		{ GRANT_QUERY, 200, "callback.granted" },
		{ GRANT_QUERY, 200, "callback.repeated" },
		{ "success=false", 409, "callback.conflict" },
		{ "success=true", 400, "callback.invalid" },
	};
	create("{}", token, id);
	for (size_t i = 0; i < sizeof hits / sizeof hits[0]; i++) {
		long long before = events_total();
		hit(&r, token, hits[i].query, NULL);
		ck_assert_msg(r.status == hits[i].status, "%s: %ld", hits[i].query, r.status);
		test_response_free(&r);
		ck_assert_int_eq(events_total(), before + 1);
		ck_assert_str_eq(last_event_type(), hits[i].type);
	}
	long long before = events_total();
	hit(&r, "x", NULL, NULL);
	ck_assert_int_eq(r.status, 404);
	test_response_free(&r);
	ck_assert_int_eq(events_total(), before + 1);
	ck_assert_str_eq(last_event_type(), "callback.unknown");
}
END_TEST

START_TEST(test_return_to_gets_a_303_with_the_outcome)
{
	char token[64], id[37], want[512];
	struct test_response r;
	test_server_start("redirect_allow = https://app.example\n");
	create("{\"returnTo\":\"https://app.example/done?x=1\"}", token, id);
	hit(&r, token, GRANT_QUERY, NULL);
	ck_assert_int_eq(r.status, 303);
	snprintf(want, sizeof want, "https://app.example/done?x=1&status=granted&requestId=%s&installationId=%s",
		 id, GUID);
	ck_assert_str_eq(test_header(&r, "Location"), want);
	ck_assert_str_eq(test_header(&r, "Cache-Control"), "no-store");
	test_response_free(&r);
	ck_assert_str_eq(request_status(id), "granted");

	/* The same callback again takes the customer back the same way. */
	hit(&r, token, GRANT_QUERY, NULL);
	ck_assert_int_eq(r.status, 303);
	ck_assert_str_eq(test_header(&r, "Location"), want);
	test_response_free(&r);

	create("{\"returnTo\":\"https://app.example/done?x=1\"}", token, id);
	hit(&r, token, "success=false", NULL);
	ck_assert_int_eq(r.status, 303);
	snprintf(want, sizeof want, "https://app.example/done?x=1&status=denied&requestId=%s", id);
	ck_assert_str_eq(test_header(&r, "Location"), want);
	test_response_free(&r);
}
END_TEST

START_TEST(test_a_conflict_page_links_back_to_return_to)
{
	char token[64], id[37];
	struct test_response r;
	test_server_start("redirect_allow = https://app.example\n");
	create("{\"returnTo\":\"https://app.example/done?x=1&y=2\"}", token, id);
	hit(&r, token, GRANT_QUERY, NULL);
	ck_assert_int_eq(r.status, 303);
	test_response_free(&r);
	hit(&r, token, "success=false", NULL);
	ck_assert_int_eq(r.status, 409);
	assert_contains(r.body, "href=\"https://app.example/done?x=1&amp;y=2\"");
	ck_assert_ptr_null(strstr(r.body, "x=1&y=2"));
	test_response_free(&r);
}
END_TEST

START_TEST(test_the_request_language_chooses_the_page)
{
	char token[64], id[37];
	struct test_response r;
	create("{\"lang\":\"nb\"}", token, id);
	hit(&r, token, GRANT_QUERY, "Accept-Language: de-DE,de;q=0.9");
	ck_assert_int_eq(r.status, 200);
	assert_contains(r.body, "<html lang=\"nb\">");
	assert_contains(r.body, "Tilgang gitt");
	assert_contains(r.body, "Acme Energy har nå tilgang til Zaptec-installasjonen din.");
	test_response_free(&r);
}
END_TEST

START_TEST(test_without_a_request_language_accept_language_chooses)
{
	char token[64], id[37];
	struct test_response r;
	create("{}", token, id);
	hit(&r, token, GRANT_QUERY, "Accept-Language: de-DE,de;q=0.9");
	ck_assert_int_eq(r.status, 200);
	assert_contains(r.body, "<html lang=\"de\">");
	assert_contains(r.body, "Zugriff erteilt");
	test_response_free(&r);
}
END_TEST

START_TEST(test_the_default_language_is_the_last_resort)
{
	char token[64], id[37];
	struct test_response r;
	test_server_start("default_lang = fi\n");
	create("{}", token, id);
	hit(&r, token, GRANT_QUERY, "Accept-Language: tlh, xx;q=0.5");
	ck_assert_int_eq(r.status, 200);
	assert_contains(r.body, "<html lang=\"fi\">");
	assert_contains(r.body, "Käyttöoikeus myönnetty");
	test_response_free(&r);
	/* An unknown token has no request: the default language still applies. */
	hit(&r, UNKNOWN_TOKEN, GRANT_QUERY, NULL);
	ck_assert_int_eq(r.status, 404);
	assert_contains(r.body, "<html lang=\"fi\">");
	test_response_free(&r);
}
END_TEST

static const struct {
	const char *lang;
	const char *granted;
} languages[] = {
	{ "en", "Access granted" },       { "nb", "Tilgang gitt" },
	{ "sv", "Åtkomst beviljad" },     { "da", "Adgang givet" },
	{ "de", "Zugriff erteilt" },      { "nl", "Toegang verleend" },
	{ "fr", "Accès accordé" },        { "fi", "Käyttöoikeus myönnetty" },
};

START_TEST(test_each_language_has_its_granted_page)
{
	char token[64], id[37], json[64], html_lang[32];
	struct test_response r;
	snprintf(json, sizeof json, "{\"lang\":\"%s\"}", languages[_i].lang);
	create(json, token, id);
	hit(&r, token, GRANT_QUERY, NULL);
	ck_assert_int_eq(r.status, 200);
	snprintf(html_lang, sizeof html_lang, "<html lang=\"%s\">", languages[_i].lang);
	assert_contains(r.body, html_lang);
	assert_contains(r.body, languages[_i].granted);
	test_response_free(&r);
}
END_TEST

/* The partner name is escaped; the reference, the partner's own id for the
 * customer, is not on the page at all. */
START_TEST(test_partner_name_is_escaped_and_the_reference_never_shown)
{
	char token[64], id[37];
	struct test_response r;
	create("{\"partnerName\":\"<script>alert(1)</script>\","
	       "\"reference\":\"crm-4711-\\\"><img src=x onerror=alert(1)>\"}",
	       token, id);
	hit(&r, token, GRANT_QUERY, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, "<script>"));
	ck_assert_ptr_null(strstr(r.body, "<img"));
	assert_contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;");
	ck_assert_ptr_null(strstr(r.body, "crm-4711"));
	test_response_free(&r);
	hit(&r, token, "success=true", NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_null(strstr(r.body, "crm-4711"));
	test_response_free(&r);
}
END_TEST

/*
 * A full disk: the test process gets a mount namespace of its own with a small
 * tmpfs over /tmp, so the daemon's database (under /tmp) lives on it and the
 * host sees nothing. Must run before the daemon starts any thread.
 */
static void tiny_tmp(void)
{
	if (unshare(CLONE_NEWNS) != 0)
		ck_abort_msg("unshare(CLONE_NEWNS): %s (the test needs root)", strerror(errno));
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	if (mount("tmpfs", "/tmp", "tmpfs", 0, "size=4m") != 0)
		ck_abort_msg("mount tmpfs: %s", strerror(errno));
}

/* Writes a file until the filesystem is full. */
static void fill(const char *path)
{
	static char block[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	while (write(fd, block, sizeof block) > 0)
		;
	ck_assert_int_eq(errno, ENOSPC);
	close(fd);
}

static void tiny_tmp_teardown(void)
{
	test_server_teardown();
	umount2("/tmp", MNT_DETACH);
}

START_TEST(test_a_full_disk_gives_a_503_and_records_no_grant)
{
	char token[64], id[37], filler[512];
	struct test_response r;
	tiny_tmp();
	test_server_start(NULL);
	create("{}", token, id);
	snprintf(filler, sizeof filler, "%s/filler", test_dir());
	fill(filler);

	hit(&r, token, GRANT_QUERY, NULL);
	ck_assert_int_eq(r.status, 503);
	assert_page_headers(&r);
	assert_contains(r.body, "Temporary problem");
	ck_assert_ptr_null(strstr(r.body, "Access granted"));
	test_response_free(&r);
	test_http(&r, "GET", test_admin_url("/readyz"), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 503);
	test_response_free(&r);
	ck_assert_str_eq(request_status(id), "pending");
	ck_assert_int_eq(installations_count(), 0);
	ck_assert_int_eq(events_of("callback.granted"), 0);

	/* Space again: the same callback now grants, with no restart. */
	ck_assert_int_eq(unlink(filler), 0);
	test_http(&r, "GET", test_admin_url("/readyz"), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	hit(&r, token, GRANT_QUERY, NULL);
	ck_assert_int_eq(r.status, 200);
	assert_contains(r.body, "Access granted");
	test_response_free(&r);
	ck_assert_str_eq(request_status(id), "granted");
	ck_assert_int_eq(installations_count(), 1);
	ck_assert_int_eq(events_of("callback.granted"), 1);
}
END_TEST

Suite *callback_suite(void)
{
	Suite *s = suite_create("callback");
	TCase *tc = tcase_create("outcomes");
	tcase_add_checked_fixture(tc, test_server_setup, test_server_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_granted_callback_records_the_grant_and_shows_the_granted_page);
	tcase_add_test(tc, test_upper_case_installation_id_is_stored_lower_case);
	tcase_add_loop_test(tc, test_denied_callback_records_the_denial_and_no_installation, 0, 2);
	tcase_add_test(tc, test_the_same_grant_ten_times_grants_once);
	tcase_add_test(tc, test_the_same_denial_ten_times_denies_once);
	tcase_add_test(tc, test_a_different_answer_after_a_grant_is_a_conflict);
	tcase_add_test(tc, test_a_callback_two_hours_late_is_late_with_the_default_grace);
	tcase_add_test(tc, test_a_callback_within_the_grace_still_grants);
	tcase_add_loop_test(tc, test_an_invalid_callback_is_a_400_and_the_request_stays_open, 0,
			    (int)INVALID_COUNT);
	tcase_add_loop_test(tc, test_an_unknown_or_malformed_token_is_a_404, 0,
			    (int)(sizeof unknown_tokens / sizeof unknown_tokens[0]));
	tcase_add_test(tc, test_every_hit_appends_exactly_one_event);
	tcase_add_test(tc, test_the_request_language_chooses_the_page);
	tcase_add_test(tc, test_without_a_request_language_accept_language_chooses);
	tcase_add_loop_test(tc, test_each_language_has_its_granted_page, 0,
			    (int)(sizeof languages / sizeof languages[0]));
	tcase_add_test(tc, test_partner_name_is_escaped_and_the_reference_never_shown);
	suite_add_tcase(s, tc);

	/* These start the daemon with a configuration of their own. */
	tc = tcase_create("configured");
	tcase_add_checked_fixture(tc, NULL, test_server_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_a_callback_after_expiry_and_grace_is_late);
	tcase_add_test(tc, test_return_to_gets_a_303_with_the_outcome);
	tcase_add_test(tc, test_a_conflict_page_links_back_to_return_to);
	tcase_add_test(tc, test_the_default_language_is_the_last_resort);
	suite_add_tcase(s, tc);

	/* A full disk under SQLite's file; PostgreSQL's disk is its server's, whose
	 * failing writes the read-only tests (test_pg) stand for. */
	if (!test_on_postgresql()) {
		tc = tcase_create("full_disk");
		tcase_add_checked_fixture(tc, NULL, tiny_tmp_teardown);
		tcase_set_timeout(tc, 60);
		tcase_add_test(tc, test_a_full_disk_gives_a_503_and_records_no_grant);
		suite_add_tcase(s, tc);
	}
	return s;
}
