/*
 * test_cancel.c — POST /api/v1/access-requests/{id}/cancel through a real
 * daemon: the answer, the row and the one request.cancelled event; the link
 * that then shows the 410 "no longer valid" page at once, even after repeat
 * clicks answered from memory; a later callback recorded as callback.late;
 * 409 for a granted request; and a reissue that opens a cancelled request again.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

Suite *cancel_suite(void);

#define GUID "3d5e7f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f"

static const char *str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	ck_assert_msg(json_is_string(v), "\"%s\" is not a string", key);
	return json_string_value(v);
}

/* POSTs to /api/v1/access-requests/{id}/{action} and returns the status; the
 * body parsed, when it is JSON, in *out (may be NULL). */
static long post_action(const char *id, const char *action, json_t **out)
{
	char path[128];
	struct test_response r;
	snprintf(path, sizeof path, "/api/v1/access-requests/%s/%s", id, action);
	test_admin_post(&r, path, NULL);
	long status = r.status;
	if (out != NULL)
		*out = test_json(&r);
	test_response_free(&r);
	return status;
}

static long long events_of(const char *type, const char *id)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE type = '%s' AND request_id = '%s'", type, id);
	return test_db_int(sql);
}

static const char *stored_status(const char *id)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT status FROM access_requests WHERE id = '%s'", id);
	return test_db_text(sql);
}

/* GET on the public listener; path relative to it. */
static void get_public(struct test_response *r, const char *path)
{
	test_http(r, "GET", test_public_url(path), NULL, NULL, 0);
}

static void click(struct test_response *r, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, "/connect/%s", token);
	get_public(r, path);
}

static void callback(struct test_response *r, const char *token, const char *query)
{
	char path[256];
	snprintf(path, sizeof path, "/access-result/%s?%s", token, query);
	get_public(r, path);
}

START_TEST(test_cancel_answers_the_cancelled_object_and_records_one_event)
{
	char id[37];
	json_t *j;
	test_create_request("{\"reference\":\"crm-9\"}", id);

	ck_assert_int_eq(post_action(id, "cancel", &j), 200);
	ck_assert_str_eq(str(j, "id"), id);
	ck_assert_str_eq(str(j, "status"), "cancelled");
	ck_assert_str_eq(str(j, "reference"), "crm-9");
	ck_assert_ptr_null(json_object_get(j, "connectUrl"));
	json_decref(j);
	ck_assert_str_eq(stored_status(id), "cancelled");
	ck_assert_int_eq(events_of("request.cancelled", id), 1);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT reference FROM events WHERE type = 'request.cancelled' AND request_id = '%s'", id);
	ck_assert_str_eq(test_db_text(sql), "crm-9");

	/* Idempotent: the same answer, no second event. */
	ck_assert_int_eq(post_action(id, "cancel", &j), 200);
	ck_assert_str_eq(str(j, "status"), "cancelled");
	json_decref(j);
	ck_assert_int_eq(events_of("request.cancelled", id), 1);

	struct test_response r;
	char path[128];
	snprintf(path, sizeof path, "/api/v1/access-requests/%s", id);
	test_admin_get(&r, path);
	j = test_json(&r);
	ck_assert_str_eq(str(j, "status"), "cancelled");
	json_decref(j);
	test_response_free(&r);
	test_admin_get(&r, "/api/v1/access-requests?status=cancelled");
	ck_assert_int_eq(r.status, 200);
	j = test_json(&r);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
	test_response_free(&r);
}
END_TEST

/* Repeat clicks are answered from memory: the cancel must reach the very next
 * click, as a reissue does. */
START_TEST(test_after_repeat_clicks_a_cancelled_link_is_the_410_page_at_once)
{
	char id[37], token[64];
	snprintf(token, sizeof token, "%s", test_create_request("{}", id));
	struct test_response r;
	for (int i = 0; i < 3; i++) {
		click(&r, token);
		ck_assert_int_eq(r.status, 303);
		test_response_free(&r);
	}
	ck_assert_int_eq(post_action(id, "cancel", NULL), 200);

	click(&r, token);
	ck_assert_int_eq(r.status, 410);
	ck_assert_ptr_null(test_header(&r, "Location"));
	ck_assert_ptr_nonnull(strstr(r.body, "<h1>Link no longer valid</h1>"));
	ck_assert_ptr_nonnull(strstr(r.body, "Please ask Acme Energy for a new one."));
	ck_assert_ptr_nonnull(strstr(r.body, "<p class=\"help\">Need help? Please contact Acme Energy.</p>"));
	test_response_free(&r);
}
END_TEST

START_TEST(test_a_callback_after_cancel_is_late_and_changes_nothing)
{
	char id[37], token[64];
	snprintf(token, sizeof token, "%s", test_create_request("{\"lang\":\"nb\"}", id));
	ck_assert_int_eq(post_action(id, "cancel", NULL), 200);

	struct test_response r;
	callback(&r, token, "success=true&installationId=" GUID);
	ck_assert_int_eq(r.status, 410);
	ck_assert_ptr_nonnull(strstr(r.body, "<h1>Lenken er ikke lenger gyldig</h1>"));
	test_response_free(&r);
	ck_assert_int_eq(events_of("callback.late", id), 1);
	ck_assert_int_eq(events_of("callback.granted", id), 0);
	ck_assert_str_eq(stored_status(id), "cancelled");
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM installations"), 0);
}
END_TEST

START_TEST(test_cancel_of_a_granted_request_is_409_and_changes_nothing)
{
	char id[37], token[64];
	snprintf(token, sizeof token, "%s", test_create_request("{}", id));
	struct test_response r;
	callback(&r, token, "success=true&installationId=" GUID);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);

	json_t *j;
	ck_assert_int_eq(post_action(id, "cancel", &j), 409);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), 409);
	json_decref(j);
	ck_assert_str_eq(stored_status(id), "granted");
	ck_assert_int_eq(events_of("request.cancelled", id), 0);
}
END_TEST

START_TEST(test_cancel_of_an_unknown_id_is_404_and_needs_the_token)
{
	struct test_response r;
	test_admin_post(&r, "/api/v1/access-requests/00000000-0000-4000-8000-000000000000/cancel", NULL);
	ck_assert_int_eq(r.status, 404);
	test_response_free(&r);
	test_admin_post(&r, "/api/v1/access-requests/nope/cancel", NULL);
	ck_assert_int_eq(r.status, 404);
	test_response_free(&r);

	char id[37], url[256];
	test_create_request("{}", id);
	snprintf(url, sizeof url, "/api/v1/access-requests/%s/cancel", id);
	test_http(&r, "POST", test_admin_url(url), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 401);
	test_response_free(&r);
	ck_assert_str_eq(stored_status(id), "pending");
}
END_TEST

/* A denied request may still be granted later; cancelling it stops that. An
 * expired one stays cancelled rather than reading as expired. */
START_TEST(test_denied_and_expired_requests_can_be_cancelled)
{
	char denied[37], expired[37], token[64], sql[256];
	snprintf(token, sizeof token, "%s", test_create_request("{}", denied));
	struct test_response r;
	callback(&r, token, "success=false");
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	ck_assert_int_eq(post_action(denied, "cancel", NULL), 200);
	callback(&r, token, "success=true&installationId=" GUID);
	ck_assert_int_eq(r.status, 410);
	test_response_free(&r);
	ck_assert_str_eq(stored_status(denied), "cancelled");

	test_create_request("{}", expired);
	snprintf(sql, sizeof sql, "UPDATE access_requests SET expires_at = expires_at - 8 * 86400 WHERE id = '%s'",
		 expired);
	test_db_exec(sql);
	json_t *j;
	ck_assert_int_eq(post_action(expired, "cancel", &j), 200);
	ck_assert_str_eq(str(j, "status"), "cancelled");
	json_decref(j);
	snprintf(sql, sizeof sql,
		 "SELECT json_extract(detail, '$.previous') FROM events WHERE type = 'request.cancelled' "
		 "AND request_id = '%s'", expired);
	ck_assert_str_eq(test_db_text(sql), "expired");
}
END_TEST

START_TEST(test_a_reissue_opens_a_cancelled_request_again)
{
	char id[37], old_token[64];
	snprintf(old_token, sizeof old_token, "%s", test_create_request("{}", id));
	ck_assert_int_eq(post_action(id, "cancel", NULL), 200);

	json_t *j;
	ck_assert_int_eq(post_action(id, "reissue", &j), 200);
	ck_assert_str_eq(str(j, "status"), "pending");
	const char *connect = str(j, "connectUrl");
	const char *token = strrchr(connect, '/') + 1;
	struct test_response r;
	click(&r, token);
	ck_assert_int_eq(r.status, 303);
	test_response_free(&r);
	click(&r, old_token);
	ck_assert_int_eq(r.status, 404);
	test_response_free(&r);
	json_decref(j);
	ck_assert_str_eq(stored_status(id), "opened");
}
END_TEST

Suite *cancel_suite(void)
{
	Suite *s = suite_create("cancel");
	TCase *tc = tcase_create("cancel");
	tcase_add_checked_fixture(tc, test_server_setup, test_server_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_cancel_answers_the_cancelled_object_and_records_one_event);
	tcase_add_test(tc, test_after_repeat_clicks_a_cancelled_link_is_the_410_page_at_once);
	tcase_add_test(tc, test_a_callback_after_cancel_is_late_and_changes_nothing);
	tcase_add_test(tc, test_cancel_of_a_granted_request_is_409_and_changes_nothing);
	tcase_add_test(tc, test_cancel_of_an_unknown_id_is_404_and_needs_the_token);
	tcase_add_test(tc, test_denied_and_expired_requests_can_be_cancelled);
	tcase_add_test(tc, test_a_reissue_opens_a_cancelled_request_again);
	suite_add_tcase(s, tc);
	return s;
}
