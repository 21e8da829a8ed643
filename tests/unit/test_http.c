/*
 * test_http.c — the HTTP plumbing through a real daemon and real requests:
 * routing, 404 and 405, HEAD, authentication, body limits, JSON errors,
 * keep-alive, /healthz and /readyz.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

Suite *http_suite(void);

static const char *const json_content[] = { "Content-Type: application/json", NULL };

START_TEST(test_healthz_answers_on_both_listeners)
{
	struct test_response r;
	test_http(&r, "GET", test_public_url("/healthz"), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "{\"status\":\"ok\"}");
	ck_assert_str_eq(test_header(&r, "Content-Type"), "application/json");
	test_response_free(&r);
	test_http(&r, "GET", test_admin_url("/healthz"), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
}
END_TEST

START_TEST(test_readyz_is_ready_when_the_database_takes_writes)
{
	struct test_response r;
	test_http(&r, "GET", test_admin_url("/readyz"), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	ck_assert_int_gt(test_db_int("SELECT checked_at FROM health WHERE id = 1"), 0);
}
END_TEST

START_TEST(test_unknown_path_is_a_404_problem)
{
	struct test_response r;
	test_http(&r, "GET", test_admin_url("/nope"), NULL, NULL, 1);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(test_header(&r, "Content-Type"), "application/problem+json");
	json_t *j = test_json(&r);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), 404);
	ck_assert_str_eq(json_string_value(json_object_get(j, "title")), "Not Found");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(j, "detail")));
	ck_assert_ptr_nonnull(json_string_value(json_object_get(j, "type")));
	json_decref(j);
	test_response_free(&r);
}
END_TEST

START_TEST(test_wrong_method_is_a_405_with_allow)
{
	struct test_response r;
	test_http(&r, "DELETE", test_admin_url("/api/v1/access-requests"), NULL, NULL, 1);
	ck_assert_int_eq(r.status, 405);
	ck_assert_str_eq(test_header(&r, "Allow"), "POST, GET, HEAD");
	test_response_free(&r);
	test_http(&r, "POST", test_public_url("/healthz"), NULL, "", 0);
	ck_assert_int_eq(r.status, 405);
	ck_assert_str_eq(test_header(&r, "Allow"), "GET, HEAD");
	test_response_free(&r);
}
END_TEST

START_TEST(test_head_works_wherever_get_does)
{
	struct test_response r;
	test_http(&r, "HEAD", test_public_url("/healthz"), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 0);
	test_response_free(&r);
}
END_TEST

START_TEST(test_public_listener_never_serves_the_api)
{
	struct test_response r;
	test_http(&r, "GET", test_public_url("/api/v1/access-requests"), NULL, NULL, 1);
	ck_assert_int_eq(r.status, 404);
	test_response_free(&r);
	test_http(&r, "GET", test_public_url("/metrics"), NULL, NULL, 1);
	ck_assert_int_eq(r.status, 404);
	test_response_free(&r);
}
END_TEST

START_TEST(test_api_without_a_token_is_401_with_www_authenticate)
{
	struct test_response r;
	test_http(&r, "GET", test_admin_url("/api/v1/access-requests"), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(test_header(&r, "WWW-Authenticate"), "Bearer");
	test_response_free(&r);
}
END_TEST

START_TEST(test_wrong_or_partial_tokens_are_refused)
{
	static const char *const bad[] = {
		"Authorization: Bearer wrong",
		"Authorization: Bearer " TEST_TOKEN "x",
		"Authorization: Bearer test-admin-token",
		"Authorization: Basic dGVzdDp0ZXN0",
		"Authorization: Bearer",
		"Authorization: " TEST_TOKEN,
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *headers[] = { bad[i], NULL };
		struct test_response r;
		test_http(&r, "GET", test_admin_url("/metrics"), headers, NULL, 0);
		ck_assert_msg(r.status == 401, "%s gave %ld", bad[i], r.status);
		ck_assert_ptr_null(strstr(r.body, TEST_TOKEN));
		test_response_free(&r);
	}
}
END_TEST

/* The admin listener's count of 2xx answers to /healthz, 0 before the first.
 * Counters live as long as the process, which runs every test when Check does
 * not fork, so tests compare counts rather than expect fresh ones. */
static long healthz_count(void)
{
	static const char line[] = "accessd_http_requests_total{listener=\"admin\",route=\"healthz\",code=\"2xx\"} ";
	struct test_response r;
	test_http(&r, "GET", test_admin_url("/metrics"), NULL, NULL, 1);
	ck_assert_int_eq(r.status, 200);
	const char *at = strstr(r.body, line);
	long n = at ? strtol(at + sizeof line - 1, NULL, 10) : 0;
	test_response_free(&r);
	return n;
}

START_TEST(test_metrics_with_the_token_is_prometheus_text)
{
	struct test_response r;
	long before = healthz_count();
	test_http(&r, "GET", test_admin_url("/healthz"), NULL, NULL, 0);
	test_response_free(&r);
	ck_assert_int_eq(healthz_count(), before + 1);
	test_http(&r, "GET", test_admin_url("/metrics"), NULL, NULL, 1);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(test_header(&r, "Content-Type"), "text/plain"));
	ck_assert_ptr_nonnull(strstr(r.body, "accessd_http_request_duration_seconds_bucket{listener=\"admin\",le=\"+Inf\"}"));
	ck_assert_ptr_nonnull(strstr(r.body, "accessd_access_requests{status=\"pending\"} 0\n"));
	test_response_free(&r);
}
END_TEST

START_TEST(test_body_over_64_kib_is_413)
{
	size_t n = 70 * 1024;
	char *body = malloc(n + 1);
	memset(body, ' ', n);
	body[0] = '{';
	body[n - 1] = '}';
	body[n] = '\0';
	struct test_response r;
	test_http(&r, "POST", test_admin_url("/api/v1/access-requests"), json_content, body, 1);
	ck_assert_int_eq(r.status, 413);
	ck_assert_str_eq(test_header(&r, "Content-Type"), "application/problem+json");
	test_response_free(&r);
	free(body);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM access_requests"), 0);
}
END_TEST

START_TEST(test_wrong_content_type_is_415)
{
	static const char *const form[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
	struct test_response r;
	test_http(&r, "POST", test_admin_url("/api/v1/access-requests"), form, "{}", 1);
	ck_assert_int_eq(r.status, 415);
	test_response_free(&r);
}
END_TEST

START_TEST(test_bad_json_is_400_with_the_parser_message)
{
	struct test_response r;
	test_http(&r, "POST", test_admin_url("/api/v1/access-requests"), json_content, "{\"reference\": ", 1);
	ck_assert_int_eq(r.status, 400);
	json_t *j = test_json(&r);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(j, "detail")), "invalid JSON"));
	json_decref(j);
	test_response_free(&r);
}
END_TEST

START_TEST(test_duplicate_json_keys_are_400)
{
	struct test_response r;
	test_http(&r, "POST", test_admin_url("/api/v1/access-requests"), json_content,
		  "{\"reference\":\"a\",\"reference\":\"b\"}", 1);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "duplicate"));
	test_response_free(&r);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM access_requests"), 0);
}
END_TEST

START_TEST(test_a_json_array_body_is_400)
{
	struct test_response r;
	test_http(&r, "POST", test_admin_url("/api/v1/access-requests"), json_content, "[]", 1);
	ck_assert_int_eq(r.status, 400);
	test_response_free(&r);
}
END_TEST

START_TEST(test_a_stray_public_path_gets_the_unknown_page)
{
	static const char *const paths[] = { "/", "/connect/", "/connect/a/b", "/connect/a%2Fb", "/robots.txt" };
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct test_response r;
		test_http(&r, "GET", test_public_url(paths[i]), NULL, NULL, 0);
		ck_assert_msg(r.status == 404, "%s gave %ld", paths[i], r.status);
		ck_assert_str_eq(test_header(&r, "Content-Type"), "text/html; charset=utf-8");
		ck_assert_ptr_nonnull(strstr(test_header(&r, "Content-Security-Policy"), "default-src 'none'"));
		ck_assert_str_eq(test_header(&r, "X-Frame-Options"), "DENY");
		test_response_free(&r);
	}
}
END_TEST

START_TEST(test_every_hit_under_access_result_is_logged)
{
	static const char *const paths[] = {
		"/access-result/?success=true",
		"/access-result/a/b?success=true",
		"/access-result/a%2Fb?success=false",
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct test_response r;
		test_http(&r, "GET", test_public_url(paths[i]), NULL, NULL, 0);
		ck_assert_msg(r.status == 404, "%s gave %ld", paths[i], r.status);
		ck_assert_str_eq(test_header(&r, "Content-Type"), "text/html; charset=utf-8");
		test_response_free(&r);
	}
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events WHERE type = 'callback.unknown'"), 3);
}
END_TEST

START_TEST(test_two_requests_share_one_connection)
{
	struct test_response r;
	test_http(&r, "GET", test_admin_url("/healthz"), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.connects, 1);
	ck_assert_ptr_null(test_header(&r, "Connection"));
	test_response_free(&r);
	test_http(&r, "GET", test_admin_url("/healthz"), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.connects, 0); /* no new connection: the first one was kept */
	ck_assert_ptr_null(test_header(&r, "Connection"));
	test_response_free(&r);
	/* A deferred (written) request keeps the connection too. */
	test_http(&r, "GET", test_admin_url("/readyz"), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.connects, 0);
	test_response_free(&r);
}
END_TEST

/* ---- behind a reverse proxy: trusted_proxies = 127.0.0.1 ---- */

static void start_behind_proxy(void)
{
	test_server_start("trusted_proxies = 127.0.0.1\n");
}

/* GETs /api/v1/events on the admin listener with token (NULL: none) and
 * X-Forwarded-For forwarded; returns the status. */
static long admin_as(const char *token, const char *forwarded)
{
	char auth[128], xff[128];
	const char *headers[3] = { NULL, NULL, NULL };
	size_t n = 0;
	struct test_response r;

	if (token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		headers[n++] = auth;
	}
	if (forwarded) {
		snprintf(xff, sizeof xff, "X-Forwarded-For: %s", forwarded);
		headers[n++] = xff;
	}
	test_http(&r, "GET", test_admin_url("/api/v1/events"), headers, NULL, 0);
	long status = r.status;
	test_response_free(&r);
	return status;
}

/* A local process cannot pick its address on the admin listener: ten wrong
 * tokens, each "from" another address, throttle the real one. */
START_TEST(test_forwarded_for_is_ignored_on_the_admin_listener)
{
	char forwarded[32];
	start_behind_proxy();
	for (int i = 0; i < 10; i++) {
		snprintf(forwarded, sizeof forwarded, "198.51.100.%d", i + 1);
		ck_assert_int_eq(admin_as("wrong-token", forwarded), 401);
	}
	ck_assert_int_eq(admin_as("wrong-token", "198.51.100.99"), 429);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events"), 0);
}
END_TEST

/* Wrong tokens from any local process must not lock the partner's backend
 * out: the right token is accepted while the address is throttled. */
START_TEST(test_the_right_token_is_accepted_while_throttled)
{
	start_behind_proxy();
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(admin_as("wrong-token", NULL), 401);
	ck_assert_int_eq(admin_as("wrong-token", NULL), 429);
	ck_assert_int_eq(admin_as(NULL, NULL), 429);
	ck_assert_int_eq(admin_as(TEST_TOKEN, NULL), 200);
	ck_assert_int_eq(admin_as("wrong-token", NULL), 429);
}
END_TEST

/* On the public listener a trusted proxy's X-Forwarded-For is the client. */
START_TEST(test_forwarded_for_is_honoured_on_the_public_listener)
{
	const char *const headers[] = { "X-Forwarded-For: 203.0.113.9", NULL };
	struct test_response r;
	start_behind_proxy();
	test_http(&r, "GET", test_public_url("/access-result/AAAAAAAAAAAAAAAAAAAAAA?success=false"), headers, NULL,
		  0);
	ck_assert_int_eq(r.status, 404);
	test_response_free(&r);
	ck_assert_str_eq(test_db_text("SELECT json_extract(detail, '$.client') FROM events"), "203.0.113.9");
}
END_TEST

Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("plumbing");
	tcase_add_checked_fixture(tc, test_server_setup, test_server_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_healthz_answers_on_both_listeners);
	tcase_add_test(tc, test_readyz_is_ready_when_the_database_takes_writes);
	tcase_add_test(tc, test_unknown_path_is_a_404_problem);
	tcase_add_test(tc, test_wrong_method_is_a_405_with_allow);
	tcase_add_test(tc, test_head_works_wherever_get_does);
	tcase_add_test(tc, test_public_listener_never_serves_the_api);
	tcase_add_test(tc, test_api_without_a_token_is_401_with_www_authenticate);
	tcase_add_test(tc, test_wrong_or_partial_tokens_are_refused);
	tcase_add_test(tc, test_metrics_with_the_token_is_prometheus_text);
	tcase_add_test(tc, test_body_over_64_kib_is_413);
	tcase_add_test(tc, test_wrong_content_type_is_415);
	tcase_add_test(tc, test_bad_json_is_400_with_the_parser_message);
	tcase_add_test(tc, test_duplicate_json_keys_are_400);
	tcase_add_test(tc, test_a_json_array_body_is_400);
	tcase_add_test(tc, test_a_stray_public_path_gets_the_unknown_page);
	tcase_add_test(tc, test_every_hit_under_access_result_is_logged);
	tcase_add_test(tc, test_two_requests_share_one_connection);
	suite_add_tcase(s, tc);

	tc = tcase_create("proxy");
	tcase_add_checked_fixture(tc, NULL, test_server_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_forwarded_for_is_ignored_on_the_admin_listener);
	tcase_add_test(tc, test_the_right_token_is_accepted_while_throttled);
	tcase_add_test(tc, test_forwarded_for_is_honoured_on_the_public_listener);
	suite_add_tcase(s, tc);
	return s;
}
