/*
 * test_zaptec.c — the Zaptec API client against the stand-in
 * (tests/zaptec-standin/standin.py), started afresh for every test on a
 * loopback port: logins, lookups, the paged list, token expiry and revocation,
 * the rate limits as the stand-in measured them, and an API that is down.
 * Also the retry backoff, which needs no server.
 */
#include <check.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "standin_util.h"
#include "zaptec.h"

#define USERNAME STANDIN_USERNAME
#define PASSWORD STANDIN_PASSWORD
#define LOOKUP_KEY STANDIN_LOOKUP_KEY
#define GRANTED_ID STANDIN_GRANTED_ID
#define UNSHARED_ID STANDIN_UNSHARED_ID
#define UNKNOWN_ID STANDIN_UNKNOWN_ID

static char api_url[64];
static struct zaptec_client *client;
static char err[512];

static void setup(void)
{
	ck_assert_int_eq(sodium_init() < 0, 0);
	ck_assert_int_eq(zaptec_global_init(), 0);
	snprintf(api_url, sizeof api_url, "%s", standin_start(NULL));
	client = zaptec_client_new(api_url, USERNAME, PASSWORD, NULL, err, sizeof err);
	ck_assert_msg(client != NULL, "%s", err);
}

static void teardown(void)
{
	zaptec_client_free(client);
	client = NULL;
	standin_stop();
	zaptec_global_cleanup();
}

static int get_status(const char *id)
{
	struct zaptec_installation inst;
	int status = zaptec_get_installation(client, id, &inst, err, sizeof err);

	zaptec_installation_clear(&inst);
	return status;
}

START_TEST(test_granted_installation_comes_back_with_its_name_roles_and_type)
{
	struct zaptec_installation inst;

	ck_assert_int_eq(zaptec_get_installation(client, GRANTED_ID, &inst, err, sizeof err), 200);
	ck_assert_str_eq(inst.id, GRANTED_ID);
	ck_assert_ptr_nonnull(inst.name);
	ck_assert_str_eq(inst.name, "Alice Cabin");
	ck_assert_int_eq(inst.roles, 2);
	ck_assert_int_eq(inst.type, 1);
	zaptec_installation_clear(&inst);
	ck_assert_ptr_null(inst.name);
}
END_TEST

START_TEST(test_an_upper_case_id_is_asked_for_and_answered_in_lower_case)
{
	struct zaptec_installation inst;

	ck_assert_int_eq(zaptec_get_installation(client, "C2FB90D7-E8DF-46D1-90F8-E54C9F57EE04", &inst,
						 err, sizeof err), 200);
	ck_assert_str_eq(inst.id, GRANTED_ID);
	zaptec_installation_clear(&inst);
}
END_TEST

START_TEST(test_login_uses_the_password_grant_with_openid_and_our_user_agent)
{
	ck_assert_int_eq(get_status(GRANTED_ID), 200);
	json_t *state = standin_control("state", NULL);
	json_t *attempt = json_array_get(json_object_get(state, "loginAttempts"), 0);
	json_t *request, *requests = json_object_get(state, "apiRequests");
	size_t i;

	ck_assert_str_eq(json_string_value(json_object_get(attempt, "grantType")), "password");
	ck_assert_str_eq(json_string_value(json_object_get(attempt, "scope")), "openid");
	ck_assert_str_eq(json_string_value(json_object_get(attempt, "username")), USERNAME);
	ck_assert_int_eq(json_array_size(requests), 2);
	json_array_foreach(requests, i, request)
		ck_assert_str_eq(json_string_value(json_object_get(request, "userAgent")),
				 "zaptec-accessd/" ACCESSD_VERSION);
	json_decref(state);
}
END_TEST

START_TEST(test_installation_never_granted_is_403_and_unknown_one_404)
{
	ck_assert_int_eq(get_status(UNSHARED_ID), 403);
	ck_assert_ptr_nonnull(strstr(err, "403"));
	ck_assert_int_eq(get_status(UNKNOWN_ID), 404);
	ck_assert_int_eq(standin_logins(), 1);
}
END_TEST

START_TEST(test_a_revoked_grant_is_403)
{
	ck_assert_int_eq(get_status(GRANTED_ID), 200);
	json_decref(standin_control("revoke", "{\"lookupKey\":\"" LOOKUP_KEY "\",\"installationId\":\"" GRANTED_ID "\"}"));
	ck_assert_int_eq(get_status(GRANTED_ID), 403);
}
END_TEST

START_TEST(test_an_id_that_is_not_a_guid_is_refused_without_asking)
{
	ck_assert_int_eq(get_status("../oauth/token"), ZAPTEC_ERROR);
	ck_assert_int_eq(get_status(""), ZAPTEC_ERROR);
	json_t *state = standin_control("state", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(state, "apiRequests")), 0);
	json_decref(state);
}
END_TEST

START_TEST(test_wrong_password_gives_zaptecs_reason_and_never_the_password)
{
	struct zaptec_client *wrong = zaptec_client_new(api_url, USERNAME, "not-the-secret-4711", NULL,
							 err, sizeof err);
	struct zaptec_installation inst;

	ck_assert_ptr_nonnull(wrong);
	ck_assert_int_eq(zaptec_get_installation(wrong, GRANTED_ID, &inst, err, sizeof err), ZAPTEC_LOGIN_REFUSED);
	ck_assert_msg(strstr(err, "The user name or password is incorrect.") != NULL, "err: %s", err);
	ck_assert_msg(strstr(err, "not-the-secret-4711") == NULL, "err: %s", err);
	ck_assert_int_eq(standin_logins(), 0);
	zaptec_client_free(wrong);
}
END_TEST

/* With a two-second token, calls keep succeeding across its expiry, because
 * the client renews it before the server would refuse it: exactly one more
 * login, and not one 401. */
START_TEST(test_an_expiring_token_is_renewed_with_exactly_one_login)
{
	struct zaptec_http_stats stats;

	json_decref(standin_control("config", "{\"tokenLifetime\": 2}"));
	ck_assert_int_eq(get_status(GRANTED_ID), 200);
	ck_assert_int_eq(standin_logins(), 1);
	for (double deadline = standin_now() + 10.0; standin_logins() < 2 && standin_now() < deadline;) {
		ck_assert_msg(get_status(GRANTED_ID) == 200, "%s", err);
		standin_pause();
	}
	ck_assert_int_eq(standin_logins(), 2);
	ck_assert_int_eq(get_status(GRANTED_ID), 200);
	zaptec_client_stats(client, &stats);
	ck_assert_uint_eq(stats.calls[ZAPTEC_HTTP_TOKEN][ZAPTEC_HTTP_2XX], 2);
	ck_assert_uint_eq(stats.calls[ZAPTEC_HTTP_INSTALLATION][ZAPTEC_HTTP_4XX], 0);
	ck_assert_int_eq(standin_requests_with_status(401), 0);
}
END_TEST

/* Zaptec may drop a token before it expires; the 401 costs one login and the
 * call is answered anyway. The login waits out the one-a-second limit. */
START_TEST(test_a_revoked_token_costs_one_login_and_the_call_succeeds)
{
	struct zaptec_http_stats stats;

	ck_assert_int_eq(get_status(GRANTED_ID), 200);
	json_decref(standin_control("config", "{\"revokeAllTokens\": true}"));
	ck_assert_msg(get_status(GRANTED_ID) == 200, "%s", err);
	ck_assert_int_eq(standin_logins(), 2);
	ck_assert_int_eq(standin_requests_with_status(401), 1);
	ck_assert_int_eq(standin_requests_with_status(429), 0);
	zaptec_client_stats(client, &stats);
	ck_assert_uint_eq(stats.calls[ZAPTEC_HTTP_TOKEN][ZAPTEC_HTTP_2XX], 2);
	ck_assert_uint_eq(stats.calls[ZAPTEC_HTTP_INSTALLATION][ZAPTEC_HTTP_2XX], 2);
	ck_assert_uint_eq(stats.calls[ZAPTEC_HTTP_INSTALLATION][ZAPTEC_HTTP_4XX], 1);
}
END_TEST

struct seen {
	char ids[16][ZAPTEC_ID_LEN + 1];
	int count;
	int stop_after; /* 0: never stop */
};

static int remember(const struct zaptec_installation *inst, void *arg)
{
	struct seen *seen = arg;

	ck_assert_int_lt(seen->count, 16);
	ck_assert_ptr_nonnull(inst->name);
	strcpy(seen->ids[seen->count++], inst->id);
	return seen->stop_after != 0 && seen->count >= seen->stop_after;
}

static const char *const extra_ids[] = {
	"11111111-1111-4111-8111-111111111111",
	"22222222-2222-4222-8222-222222222222",
	"33333333-3333-4333-8333-333333333333",
	"44444444-4444-4444-8444-444444444444",
};

START_TEST(test_the_list_pages_through_every_visible_installation)
{
	struct seen seen = { .count = 0 };
	char body[160];
	int pages = -1;

	for (size_t i = 0; i < sizeof extra_ids / sizeof extra_ids[0]; i++) {
		snprintf(body, sizeof body, "{\"lookupKey\":\"%s\",\"installationId\":\"%s\",\"grantedAt\":0}",
			 LOOKUP_KEY, extra_ids[i]);
		json_decref(standin_control("grant", body));
	}
	ck_assert_int_eq(zaptec_list_installations(client, 0, 2, remember, &seen, &pages, err, sizeof err), 200);
	ck_assert_int_eq(pages, 3);
	for (int page = 1; page < pages; page++)
		ck_assert_int_eq(zaptec_list_installations(client, page, 2, remember, &seen, &pages, err,
							   sizeof err), 200);
	/* The stand-in lists by id: the four new ones, then Alice Cabin's. */
	ck_assert_int_eq(seen.count, 5);
	for (int i = 0; i < 4; i++)
		ck_assert_str_eq(seen.ids[i], extra_ids[i]);
	ck_assert_str_eq(seen.ids[4], GRANTED_ID);
}
END_TEST

START_TEST(test_the_list_stops_when_the_callback_says_so)
{
	struct seen seen = { .count = 0, .stop_after = 1 };
	int pages = -1;

	json_decref(standin_control("grant", "{\"lookupKey\":\"" LOOKUP_KEY "\",\"installationId\":\"11111111-1111-4111-8111-111111111111\",\"grantedAt\":0}"));
	ck_assert_int_eq(zaptec_list_installations(client, 0, 100, remember, &seen, &pages, err, sizeof err),
			 ZAPTEC_STOPPED);
	ck_assert_int_eq(seen.count, 1);
}
END_TEST

START_TEST(test_forty_rapid_calls_stay_within_ten_a_second)
{
	struct zaptec_http_stats stats;

	for (int i = 0; i < 40; i++)
		ck_assert_msg(get_status(GRANTED_ID) == 200, "call %d: %s", i, err);
	json_t *rate = standin_control("max-rate", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(rate, "requests")), 41);
	ck_assert_int_le(json_integer_value(json_object_get(rate, "maxRequestsInAnyOneSecondWindow")), 10);
	json_decref(rate);
	ck_assert_int_eq(standin_requests_with_status(429), 0);
	zaptec_client_stats(client, &stats);
	ck_assert_uint_eq(stats.rate_limited, 0);
}
END_TEST

/* A second client of the same account logs in within the second: the stand-in
 * answers 429 with Retry-After: 1, and that client's next call waits it out. */
START_TEST(test_a_429_holds_the_next_call_for_its_retry_after)
{
	struct zaptec_client *other = zaptec_client_new(api_url, USERNAME, PASSWORD, NULL, err, sizeof err);
	struct zaptec_installation inst;
	struct zaptec_http_stats stats;

	ck_assert_ptr_nonnull(other);
	ck_assert_int_eq(get_status(GRANTED_ID), 200);
	ck_assert_int_eq(zaptec_get_installation(other, GRANTED_ID, &inst, err, sizeof err), 429);
	double refused = standin_now();
	ck_assert_int_eq(zaptec_get_installation(other, GRANTED_ID, &inst, err, sizeof err), 200);
	ck_assert_double_ge(standin_now() - refused, 1.0);
	zaptec_installation_clear(&inst);
	zaptec_client_stats(other, &stats);
	ck_assert_uint_eq(stats.rate_limited, 1);
	ck_assert_uint_eq(stats.calls[ZAPTEC_HTTP_TOKEN][ZAPTEC_HTTP_4XX], 1);
	zaptec_client_free(other);
}
END_TEST

START_TEST(test_an_api_that_is_down_answers_503_and_recovers)
{
	struct zaptec_http_stats stats;

	json_decref(standin_control("config", "{\"down\": true}"));
	ck_assert_int_eq(get_status(GRANTED_ID), 503);
	json_decref(standin_control("config", "{\"down\": false}"));
	ck_assert_int_eq(get_status(GRANTED_ID), 200);
	json_decref(standin_control("config", "{\"down\": true}"));
	ck_assert_int_eq(get_status(GRANTED_ID), 503);
	ck_assert_ptr_nonnull(strstr(err, "503"));
	zaptec_client_stats(client, &stats);
	ck_assert_uint_eq(stats.calls[ZAPTEC_HTTP_TOKEN][ZAPTEC_HTTP_5XX], 1);
	ck_assert_uint_eq(stats.calls[ZAPTEC_HTTP_INSTALLATION][ZAPTEC_HTTP_5XX], 1);
}
END_TEST

START_TEST(test_an_unreachable_api_is_an_error_not_a_status)
{
	struct zaptec_client *gone;

	standin_stop();
	gone = zaptec_client_new(api_url, USERNAME, PASSWORD, NULL, err, sizeof err);
	ck_assert_ptr_nonnull(gone);
	struct zaptec_installation inst;
	ck_assert_int_eq(zaptec_get_installation(gone, GRANTED_ID, &inst, err, sizeof err), ZAPTEC_ERROR);
	ck_assert_msg(strstr(err, PASSWORD) == NULL, "err: %s", err);
	zaptec_client_free(gone);
}
END_TEST

START_TEST(test_a_stopped_client_fails_at_once_without_sending)
{
	zaptec_client_stop(client);
	ck_assert_int_eq(get_status(GRANTED_ID), ZAPTEC_ERROR);
	ck_assert_str_eq(err, "stopping");
	json_t *state = standin_control("state", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(state, "apiRequests")), 0);
	json_decref(state);
}
END_TEST

START_TEST(test_backoff_doubles_stays_within_its_range_and_its_cap)
{
	int below_full = 0;

	ck_assert_int_eq(sodium_init() < 0, 0);
	for (int attempt = 0; attempt < 12; attempt++) {
		double full = 2.0 * (1 << attempt) < 30.0 ? 2.0 * (1 << attempt) : 30.0;
		for (int i = 0; i < 50; i++) {
			double d = zaptec_backoff_delay(attempt, 2.0, 30.0);
			ck_assert_double_ge(d, full / 2 - 1e-9);
			ck_assert_double_le(d, full + 1e-9);
			below_full += d < full - 0.01;
		}
	}
	/* Jitter: a fixed delay would never fall below the full one. */
	ck_assert_int_gt(below_full, 500);
	ck_assert_double_le(zaptec_backoff_delay(1000, 2.0, 30.0), 30.0);
}
END_TEST

Suite *zaptec_suite(void);

Suite *zaptec_suite(void)
{
	Suite *s = suite_create("zaptec");
	TCase *api = tcase_create("api");
	TCase *backoff = tcase_create("backoff");

	tcase_add_checked_fixture(api, setup, teardown);
	tcase_set_timeout(api, 60);
	tcase_add_test(api, test_granted_installation_comes_back_with_its_name_roles_and_type);
	tcase_add_test(api, test_an_upper_case_id_is_asked_for_and_answered_in_lower_case);
	tcase_add_test(api, test_login_uses_the_password_grant_with_openid_and_our_user_agent);
	tcase_add_test(api, test_installation_never_granted_is_403_and_unknown_one_404);
	tcase_add_test(api, test_a_revoked_grant_is_403);
	tcase_add_test(api, test_an_id_that_is_not_a_guid_is_refused_without_asking);
	tcase_add_test(api, test_wrong_password_gives_zaptecs_reason_and_never_the_password);
	tcase_add_test(api, test_an_expiring_token_is_renewed_with_exactly_one_login);
	tcase_add_test(api, test_a_revoked_token_costs_one_login_and_the_call_succeeds);
	tcase_add_test(api, test_the_list_pages_through_every_visible_installation);
	tcase_add_test(api, test_the_list_stops_when_the_callback_says_so);
	tcase_add_test(api, test_forty_rapid_calls_stay_within_ten_a_second);
	tcase_add_test(api, test_a_429_holds_the_next_call_for_its_retry_after);
	tcase_add_test(api, test_an_api_that_is_down_answers_503_and_recovers);
	tcase_add_test(api, test_an_unreachable_api_is_an_error_not_a_status);
	tcase_add_test(api, test_a_stopped_client_fails_at_once_without_sending);
	suite_add_tcase(s, api);
	tcase_add_test(backoff, test_backoff_doubles_stays_within_its_range_and_its_cap);
	suite_add_tcase(s, backoff);
	return s;
}
