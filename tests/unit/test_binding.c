/*
 * test_binding.c — an installation stays with the customer who granted it,
 * through a real daemon without verification: a forged grant of another
 * customer's installation is contested and moves nothing; the same reference
 * re-binds; revoked installations are bound again; the partner's transfer; a
 * request made for one installation; a "yes" after a "no"; and the request's
 * own installationId once granted.
 */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

Suite *binding_suite(void);

#define GUID "6a0c1d2e-3f40-4152-8364-758697a8b9ca"
#define OTHER_GUID "7b1d2e3f-4051-4263-9475-8697a8b9cadb"

/* GETs /access-result/token?query on the public listener. */
static void hit(struct test_response *r, const char *token, const char *query)
{
	char path[1024];
	snprintf(path, sizeof path, "/access-result/%s?%s", token, query);
	test_http(r, "GET", test_public_url(path), NULL, NULL, 0);
}

/* Creates a request with body and sends Zaptec's granted callback for guid;
 * returns the status, with the request's id in id and the page in page (4 KiB,
 * may be NULL). */
static long grant_as(const char *body, const char *guid, char *id, char *page)
{
	struct test_response r;
	char token[64], query[128];
	snprintf(token, sizeof token, "%s", test_create_request(body, id));
	snprintf(query, sizeof query, "success=true&installationId=%s", guid);
	hit(&r, token, query);
	long status = r.status;
	if (page)
		snprintf(page, 4096, "%s", r.body);
	test_response_free(&r);
	return status;
}

static const char *row_text(const char *column, const char *guid)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT %s FROM installations WHERE installation_id = '%s'", column, guid);
	return test_db_text(sql);
}

static long long events_of(const char *type)
{
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE type = '%s'", type);
	return test_db_int(sql);
}

static json_t *api_get(const char *path, long want)
{
	struct test_response r;
	test_admin_get(&r, path);
	ck_assert_msg(r.status == want, "GET %s: %ld %s", path, r.status, r.body);
	json_t *j = test_json(&r);
	test_response_free(&r);
	return j;
}

static json_t *api_request(const char *id)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/access-requests/%s", id);
	return api_get(path, 200);
}

static const char *str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void assert_contains(const char *body, const char *needle)
{
	ck_assert_msg(strstr(body, needle) != NULL, "\"%s\" not in: %.600s", needle, body);
}

/* POSTs the transfer of guid to request_id; returns the answer's JSON. */
static json_t *transfer(const char *guid, const char *body, long want)
{
	char path[128];
	struct test_response r;
	snprintf(path, sizeof path, "/api/v1/installations/%s/transfer", guid);
	test_admin_post(&r, path, body);
	ck_assert_msg(r.status == want, "transfer: %ld %s", r.status, r.body);
	json_t *j = test_json(&r);
	test_response_free(&r);
	return j;
}

/* The sequence: Alice grants her installation; Mallory calls his own
 * returnUrl with Alice's installation id. The installation stays Alice's. */
START_TEST(test_a_forged_grant_of_another_customers_installation_is_contested)
{
	char alice[37], mallory[37], page[4096];
	ck_assert_int_eq(grant_as("{\"reference\":\"alice\"}", GUID, alice, NULL), 200);
	long long granted_at = test_db_int("SELECT updated_at FROM installations");

	ck_assert_int_eq(grant_as("{\"reference\":\"mallory\"}", GUID, mallory, page), 409);
	assert_contains(page, "already connected to another account");
	ck_assert_msg(strstr(page, "mallory") == NULL, "the page shows the reference: %s", page);

	ck_assert_str_eq(row_text("status", GUID), "granted");
	ck_assert_str_eq(row_text("reference", GUID), "alice");
	ck_assert_str_eq(row_text("request_id", GUID), alice);
	ck_assert_int_eq(test_db_int("SELECT updated_at FROM installations"), granted_at);
	ck_assert_int_eq(events_of("callback.contested"), 1);
	ck_assert_str_eq(test_db_text("SELECT request_id FROM events WHERE type = 'callback.contested'"), mallory);
	ck_assert_str_eq(test_db_text("SELECT reference FROM events WHERE type = 'callback.contested'"), "mallory");
	ck_assert_int_eq(events_of("callback.granted"), 1);

	json_t *j = api_request(mallory);
	ck_assert_str_eq(str(j, "status"), "contested");
	ck_assert_str_eq(str(json_object_get(j, "result"), "installationId"), GUID);
	json_decref(j);
	j = api_request(alice);
	ck_assert_str_eq(str(j, "status"), "granted");
	json_decref(j);
	j = api_get("/api/v1/installations/" GUID, 200);
	printf("takeover without verification: status=%s reference=%s requestId=%s\n", str(j, "status"),
	       str(j, "reference"), str(j, "requestId"));
	ck_assert_str_eq(str(j, "status"), "granted");
	ck_assert_str_eq(str(j, "reference"), "alice");
	json_decref(j);
}
END_TEST

START_TEST(test_a_grant_without_references_on_either_side_is_contested)
{
	char first[37], second[37];
	ck_assert_int_eq(grant_as("{}", GUID, first, NULL), 200);
	ck_assert_int_eq(grant_as("{}", GUID, second, NULL), 409);
	ck_assert_str_eq(row_text("request_id", GUID), first);
	/* A reference on one side only is no match either. */
	char third[37];
	ck_assert_int_eq(grant_as("{\"reference\":\"cust\"}", GUID, third, NULL), 409);
	ck_assert_str_eq(row_text("request_id", GUID), first);
	ck_assert_int_eq(events_of("callback.contested"), 2);
}
END_TEST

START_TEST(test_the_same_reference_re_binds_the_installation)
{
	char first[37], second[37];
	ck_assert_int_eq(grant_as("{\"reference\":\"cust-7\"}", GUID, first, NULL), 200);
	ck_assert_int_eq(grant_as("{\"reference\":\"cust-7\"}", GUID, second, NULL), 200);
	ck_assert_str_eq(row_text("request_id", GUID), second);
	ck_assert_str_eq(row_text("reference", GUID), "cust-7");
	ck_assert_int_eq(events_of("callback.granted"), 2);
	ck_assert_int_eq(events_of("callback.contested"), 0);
}
END_TEST

START_TEST(test_a_revoked_installation_is_bound_by_the_next_grant)
{
	char alice[37], bob[37];
	struct test_response r;
	ck_assert_int_eq(grant_as("{\"reference\":\"alice\"}", GUID, alice, NULL), 200);
	test_admin_post(&r, "/api/v1/installations/" GUID "/revoke", "{}");
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	ck_assert_int_eq(grant_as("{\"reference\":\"bob\"}", GUID, bob, NULL), 200);
	ck_assert_str_eq(row_text("status", GUID), "granted");
	ck_assert_str_eq(row_text("reference", GUID), "bob");
	ck_assert_str_eq(row_text("request_id", GUID), bob);
}
END_TEST

/* The contested customer clicks again: the same 409 page, no second contest;
 * the link says "connected"; the request cannot be reissued or answered
 * differently. */
START_TEST(test_a_contested_request_is_completed)
{
	char alice[37], mallory[37], token[64], path[128];
	struct test_response r;
	ck_assert_int_eq(grant_as("{\"reference\":\"alice\"}", GUID, alice, NULL), 200);
	snprintf(token, sizeof token, "%s", test_create_request("{\"reference\":\"mallory\"}", mallory));
	hit(&r, token, "success=true&installationId=" GUID);
	ck_assert_int_eq(r.status, 409);
	test_response_free(&r);

	hit(&r, token, "success=true&installationId=" GUID);
	ck_assert_int_eq(r.status, 409);
	assert_contains(r.body, "already connected to another account");
	test_response_free(&r);
	ck_assert_int_eq(events_of("callback.contested"), 1);
	ck_assert_int_eq(events_of("callback.repeated"), 1);

	hit(&r, token, "success=false");
	ck_assert_int_eq(r.status, 409);
	test_response_free(&r);
	ck_assert_int_eq(events_of("callback.conflict"), 1);

	snprintf(path, sizeof path, "/connect/%s", token);
	test_http(&r, "GET", test_public_url(path), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(test_header(&r, "Location"));
	test_response_free(&r);

	snprintf(path, sizeof path, "/api/v1/access-requests/%s/reissue", mallory);
	test_admin_post(&r, path, NULL);
	ck_assert_int_eq(r.status, 409);
	test_response_free(&r);
	json_t *j = api_request(mallory);
	ck_assert_str_eq(str(j, "status"), "contested");
	json_decref(j);
}
END_TEST

/* The value of the metric line that starts with name, from /metrics. */
static long long metric(const char *name)
{
	struct test_response r;
	test_admin_get(&r, "/metrics");
	ck_assert_int_eq(r.status, 200);
	const char *line = strstr(r.body, name);
	ck_assert_msg(line != NULL, "no %s in /metrics", name);
	long long value = strtoll(line + strlen(name), NULL, 10);
	test_response_free(&r);
	return value;
}

START_TEST(test_contested_is_a_status_of_lists_and_metrics)
{
	char alice[37], mallory[37];
	ck_assert_int_eq(grant_as("{\"reference\":\"alice\"}", GUID, alice, NULL), 200);
	/* Counters live as long as the process, which may run several tests. */
	long long contests = metric("accessd_callbacks_total{classification=\"contested\"} ");
	ck_assert_int_eq(grant_as("{\"reference\":\"mallory\"}", GUID, mallory, NULL), 409);

	json_t *j = api_get("/api/v1/access-requests?status=contested", 200);
	json_t *items = json_object_get(j, "items");
	ck_assert_int_eq(json_array_size(items), 1);
	ck_assert_str_eq(str(json_array_get(items, 0), "id"), mallory);
	json_decref(j);

	ck_assert_int_eq(metric("accessd_access_requests{status=\"contested\"} "), 1);
	ck_assert_int_eq(metric("accessd_callbacks_total{classification=\"contested\"} "), contests + 1);
}
END_TEST

START_TEST(test_the_partner_transfers_a_contested_installation)
{
	char alice[37], mallory[37], body[128];
	ck_assert_int_eq(grant_as("{\"reference\":\"alice\"}", GUID, alice, NULL), 200);
	ck_assert_int_eq(grant_as("{\"reference\":\"mallory\"}", GUID, mallory, NULL), 409);

	/* Alice's own request is not contested: no transfer to it. */
	snprintf(body, sizeof body, "{\"requestId\":\"%s\"}", alice);
	json_decref(transfer(GUID, body, 409));

	snprintf(body, sizeof body, "{\"requestId\":\"%s\"}", mallory);
	json_t *j = transfer(GUID, body, 200);
	ck_assert_str_eq(str(j, "status"), "granted");
	ck_assert_str_eq(str(j, "reference"), "mallory");
	ck_assert_str_eq(str(j, "requestId"), mallory);
	json_decref(j);
	ck_assert_str_eq(row_text("request_id", GUID), mallory);

	j = api_request(mallory);
	ck_assert_str_eq(str(j, "status"), "granted");
	ck_assert_str_eq(str(j, "installationId"), GUID);
	json_decref(j);

	ck_assert_int_eq(events_of("installation.transferred"), 1);
	json_t *detail = json_loads(test_db_text("SELECT detail FROM events WHERE type = 'installation.transferred'"),
				    0, NULL);
	ck_assert_ptr_nonnull(detail);
	ck_assert_str_eq(str(json_object_get(detail, "from"), "requestId"), alice);
	ck_assert_str_eq(str(json_object_get(detail, "from"), "reference"), "alice");
	ck_assert_str_eq(str(json_object_get(detail, "to"), "requestId"), mallory);
	ck_assert_str_eq(str(json_object_get(detail, "to"), "reference"), "mallory");
	json_decref(detail);
	ck_assert_str_eq(test_db_text("SELECT request_id FROM events WHERE type = 'installation.transferred'"), mallory);

	/* Done once: the request is no longer contested. */
	json_decref(transfer(GUID, body, 409));
	ck_assert_int_eq(events_of("installation.transferred"), 1);
}
END_TEST

START_TEST(test_transfer_rejects_bad_bodies_and_unknown_ids)
{
	json_decref(transfer(GUID, "{\"requestId\":\"6b0e7f0e-1f2a-4b3c-8d4e-5f60718293a4\"}", 404));
	char alice[37], mallory[37], body[128];
	ck_assert_int_eq(grant_as("{\"reference\":\"alice\"}", GUID, alice, NULL), 200);
	ck_assert_int_eq(grant_as("{\"reference\":\"mallory\"}", GUID, mallory, NULL), 409);
	json_decref(transfer(GUID, "{}", 400));
	json_decref(transfer(GUID, "{\"requestId\":42}", 400));
	snprintf(body, sizeof body, "{\"requestId\":\"%s\",\"force\":true}", mallory);
	json_decref(transfer(GUID, body, 400));
	json_decref(transfer(GUID, "{\"requestId\":\"6b0e7f0e-1f2a-4b3c-8d4e-5f60718293a4\"}", 404));
	json_decref(transfer("not-a-guid", "{\"requestId\":\"x\"}", 400));
	/* The contest was for GUID, not for another installation. */
	ck_assert_int_eq(grant_as("{\"reference\":\"carol\"}", OTHER_GUID, NULL, NULL), 200);
	snprintf(body, sizeof body, "{\"requestId\":\"%s\"}", mallory);
	json_decref(transfer(OTHER_GUID, body, 409));
	ck_assert_str_eq(row_text("request_id", GUID), alice);
	ck_assert_int_eq(events_of("installation.transferred"), 0);
}
END_TEST

/* Eight customers' grants of one installation at the same moment, on eight
 * connections: they reach the writer together and may share one transaction,
 * yet exactly one binds it and the seven others are contested. */
START_TEST(test_grants_at_once_bind_the_installation_once)
{
	enum { N = 8 };
	char ids[N][37], urls[N][512];
	CURL *easy[N];
	CURLM *multi = curl_multi_init();
	ck_assert_ptr_nonnull(multi);
	for (int i = 0; i < N; i++) {
		char body[64], path[256];
		snprintf(body, sizeof body, "{\"reference\":\"cust-%d\"}", i);
		const char *token = test_create_request(body, ids[i]);
		snprintf(path, sizeof path, "/access-result/%s?success=true&installationId=" GUID, token);
		snprintf(urls[i], sizeof urls[i], "%s", test_public_url(path));
		easy[i] = curl_easy_init();
		ck_assert_ptr_nonnull(easy[i]);
		curl_easy_setopt(easy[i], CURLOPT_URL, urls[i]);
		curl_easy_setopt(easy[i], CURLOPT_NOBODY, 1L);
		curl_easy_setopt(easy[i], CURLOPT_CUSTOMREQUEST, "GET");
		curl_easy_setopt(easy[i], CURLOPT_TIMEOUT, 20L);
		curl_multi_add_handle(multi, easy[i]);
	}
	int running = N;
	while (running > 0) {
		ck_assert_int_eq(curl_multi_perform(multi, &running), CURLM_OK);
		if (running > 0)
			ck_assert_int_eq(curl_multi_poll(multi, NULL, 0, 1000, NULL), CURLM_OK);
	}
	int granted = -1, contested = 0;
	for (int i = 0; i < N; i++) {
		long status = 0;
		curl_easy_getinfo(easy[i], CURLINFO_RESPONSE_CODE, &status);
		ck_assert_msg(status == 200 || status == 409, "grant %d answered %ld", i, status);
		if (status == 200) {
			ck_assert_msg(granted < 0, "grants %d and %d both bound the installation", granted, i);
			granted = i;
		} else {
			contested++;
		}
		curl_multi_remove_handle(multi, easy[i]);
		curl_easy_cleanup(easy[i]);
	}
	curl_multi_cleanup(multi);
	ck_assert_int_ge(granted, 0);
	ck_assert_int_eq(contested, N - 1);
	ck_assert_str_eq(row_text("request_id", GUID), ids[granted]);
	ck_assert_int_eq(events_of("callback.granted"), 1);
	ck_assert_int_eq(events_of("callback.contested"), N - 1);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM access_requests WHERE status = 'contested'"), N - 1);
}
END_TEST

/* Point 3: a request made for one installation accepts only that one. */
START_TEST(test_a_request_for_one_installation_refuses_another)
{
	char id[37], token[64];
	struct test_response r;
	snprintf(token, sizeof token, "%s",
		 test_create_request("{\"installationType\":\"pro\",\"installationId\":\"" GUID "\"}", id));
	hit(&r, token, "success=true&installationId=" OTHER_GUID);
	ck_assert_int_eq(r.status, 400);
	test_response_free(&r);
	ck_assert_int_eq(events_of("callback.invalid"), 1);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM installations"), 0);
	json_t *j = api_request(id);
	ck_assert_str_eq(str(j, "status"), "pending");
	ck_assert(json_is_null(json_object_get(j, "result")));
	json_decref(j);

	hit(&r, token, "success=true&installationId=" GUID);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	ck_assert_str_eq(row_text("request_id", GUID), id);
}
END_TEST

/* Point 4: a "no" followed by a "yes" is a yes; the reverse stays a conflict. */
START_TEST(test_a_grant_after_a_denial_is_accepted)
{
	char id[37], token[64], path[128];
	struct test_response r;
	snprintf(token, sizeof token, "%s", test_create_request("{\"reference\":\"cust-9\"}", id));
	hit(&r, token, "success=false");
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);

	/* The customer opens the link again: back to the portal. */
	snprintf(path, sizeof path, "/connect/%s", token);
	test_http(&r, "GET", test_public_url(path), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 303);
	ck_assert_ptr_nonnull(strstr(test_header(&r, "Location"), "/access/request/BSJG?"));
	test_response_free(&r);

	hit(&r, token, "success=true&installationId=" GUID);
	ck_assert_int_eq(r.status, 200);
	assert_contains(r.body, "Access granted");
	test_response_free(&r);
	json_t *j = api_request(id);
	ck_assert_str_eq(str(j, "status"), "granted");
	ck_assert(json_is_true(json_object_get(json_object_get(j, "result"), "success")));
	json_decref(j);
	ck_assert_str_eq(test_db_text("SELECT json_extract(detail, '$.previous') FROM events "
				      "WHERE type = 'callback.granted'"),
			 "denied");
	ck_assert_str_eq(row_text("request_id", GUID), id);

	/* Now granted: a denial is a conflict. */
	hit(&r, token, "success=false");
	ck_assert_int_eq(r.status, 409);
	test_response_free(&r);
	j = api_request(id);
	ck_assert_str_eq(str(j, "status"), "granted");
	json_decref(j);
}
END_TEST

START_TEST(test_a_denied_request_may_be_reissued)
{
	char id[37], token[64], path[128];
	struct test_response r;
	snprintf(token, sizeof token, "%s", test_create_request("{}", id));
	hit(&r, token, "success=false");
	test_response_free(&r);
	snprintf(path, sizeof path, "/api/v1/access-requests/%s/reissue", id);
	test_admin_post(&r, path, NULL);
	ck_assert_int_eq(r.status, 200);
	json_t *j = test_json(&r);
	test_response_free(&r);
	ck_assert_str_eq(str(j, "status"), "pending");
	ck_assert(json_is_null(json_object_get(j, "result")));
	json_decref(j);
}
END_TEST

/* Point 11: a Go request's installationId is the granted one. */
START_TEST(test_a_granted_go_request_names_its_installation)
{
	char id[37];
	ck_assert_int_eq(grant_as("{}", GUID, id, NULL), 200);
	json_t *j = api_request(id);
	ck_assert_str_eq(str(j, "installationId"), GUID);
	json_decref(j);
	j = api_get("/api/v1/access-requests?status=granted", 200);
	ck_assert_str_eq(str(json_array_get(json_object_get(j, "items"), 0), "installationId"), GUID);
	json_decref(j);
}
END_TEST

Suite *binding_suite(void)
{
	Suite *s = suite_create("binding");
	TCase *tc = tcase_create("binding");
	tcase_add_checked_fixture(tc, test_server_setup, test_server_teardown);
	tcase_add_test(tc, test_a_forged_grant_of_another_customers_installation_is_contested);
	tcase_add_test(tc, test_a_grant_without_references_on_either_side_is_contested);
	tcase_add_test(tc, test_the_same_reference_re_binds_the_installation);
	tcase_add_test(tc, test_a_revoked_installation_is_bound_by_the_next_grant);
	tcase_add_test(tc, test_a_contested_request_is_completed);
	tcase_add_test(tc, test_contested_is_a_status_of_lists_and_metrics);
	tcase_add_test(tc, test_the_partner_transfers_a_contested_installation);
	tcase_add_test(tc, test_transfer_rejects_bad_bodies_and_unknown_ids);
	tcase_add_test(tc, test_grants_at_once_bind_the_installation_once);
	tcase_add_test(tc, test_a_request_for_one_installation_refuses_another);
	tcase_add_test(tc, test_a_grant_after_a_denial_is_accepted);
	tcase_add_test(tc, test_a_denied_request_may_be_reissued);
	tcase_add_test(tc, test_a_granted_go_request_names_its_installation);
	suite_add_tcase(s, tc);
	return s;
}
