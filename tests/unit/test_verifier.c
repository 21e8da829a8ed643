/*
 * test_verifier.c — grants confirmed with the Zaptec API, and reconciliation,
 * with the whole daemon in-process and the Zaptec stand-in as its API: a
 * verified grant, an API that lags, a forged callback, token expiry, 429s and
 * the rate limit under many grants at once, an API that is down, a restart
 * with verifications pending, a revocation and a discovery at the stand-in.
 * Every wait polls with a deadline.
 */
#include <check.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "standin_util.h"
#include "testutil.h"

#define LOOKUP STANDIN_LOOKUP_KEY
#define ID_A "a1a1a1a1-0000-4000-8000-00000000000a"
#define ID_B "b2b2b2b2-0000-4000-8000-00000000000b"
#define DEADLINE 30.0
/* After an outage the verifier's pause and the grant's own backoff may each
 * have grown to some 16 s. */
#define RECOVERY_DEADLINE 60.0

static char secret_dir[] = "/tmp/test-verifier-XXXXXX";
static char password_file[sizeof secret_dir + 32];
static char api_url[64];

/* Starts the stand-in with args (NULL-ended, may be NULL), then the daemon
 * pointed at it with the service account's password in a file of our own,
 * plus extra configuration lines. */
static void start(const char *const *args, const char *extra)
{
	char config[1024];

	strcpy(secret_dir, "/tmp/test-verifier-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(secret_dir));
	snprintf(password_file, sizeof password_file, "%s/zaptec-password", secret_dir);
	FILE *f = fopen(password_file, "w");
	ck_assert_ptr_nonnull(f);
	fputs(STANDIN_PASSWORD "\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(password_file, 0600), 0);
	snprintf(api_url, sizeof api_url, "%s", standin_start(args));
	snprintf(config, sizeof config,
		 "zaptec_username = " STANDIN_USERNAME "\n"
		 "zaptec_password_file = %s\n"
		 "zaptec_api_url = %s\n"
		 "%s",
		 password_file, api_url, extra);
	test_server_start(config);
}

static void teardown(void)
{
	test_server_teardown();
	standin_stop();
	unlink(password_file);
	rmdir(secret_dir);
}

/* Grants id to the partner's group at the stand-in, as its portal would. */
static void grant_at_standin(const char *id, const char *name)
{
	char body[2048];

	snprintf(body, sizeof body, "{\"lookupKey\":\"" LOOKUP "\",\"installationId\":\"%s\",\"name\":\"%s\"}", id,
		 name);
	json_decref(standin_control("grant", body));
}

/* Creates an access request and sends Zaptec's granted callback for id. */
static void callback(const char *id)
{
	char path[256];
	struct test_response r;

	const char *token = test_create_request("{}", NULL);
	snprintf(path, sizeof path, "/access-result/%s?success=true&installationId=%s", token, id);
	test_http(&r, "GET", test_public_url(path), NULL, NULL, 0);
	ck_assert_msg(r.status == 200, "callback: %ld", r.status);
	test_response_free(&r);
}

/* The installation object, or NULL when the API answers 404. */
static json_t *installation(const char *id)
{
	char path[128];
	struct test_response r;

	snprintf(path, sizeof path, "/api/v1/installations/%s", id);
	test_admin_get(&r, path);
	ck_assert_msg(r.status == 200 || r.status == 404, "GET %s: %ld %s", path, r.status, r.body);
	json_t *j = r.status == 200 ? test_json(&r) : NULL;
	test_response_free(&r);
	return j;
}

static const char *status_of(json_t *inst)
{
	return json_string_value(json_object_get(inst, "status"));
}

/* Polls the installation until its status is want, for at most seconds;
 * returns the object then (new reference). */
static json_t *wait_for_status(const char *id, const char *want, double seconds)
{
	char last[32] = "(none)";

	for (double deadline = standin_now() + seconds; standin_now() < deadline; standin_pause()) {
		json_t *inst = installation(id);
		if (inst && strcmp(status_of(inst), want) == 0)
			return inst;
		if (inst)
			snprintf(last, sizeof last, "%s", status_of(inst));
		json_decref(inst);
	}
	ck_abort_msg("%s did not become %s within %.0f s (still %s)", id, want, seconds, last);
	return NULL;
}

/* The events of type about id. */
static long count_events(const char *id, const char *type)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE installation_id = '%s' AND type = '%s'", id,
		 type);
	return test_db_int(sql);
}

/* The detail of the one event of type about id, parsed (new reference). */
static json_t *event_detail(const char *id, const char *type)
{
	char sql[256];

	ck_assert_int_eq(count_events(id, type), 1);
	snprintf(sql, sizeof sql, "SELECT detail FROM events WHERE installation_id = '%s' AND type = '%s'", id,
		 type);
	json_t *detail = json_loads(test_db_text(sql), 0, NULL);
	ck_assert_ptr_nonnull(detail);
	return detail;
}

static long long queue_attempts(const char *id)
{
	char sql[160];

	snprintf(sql, sizeof sql, "SELECT coalesce(max(attempts), -1) FROM verifications WHERE installation_id = '%s'",
		 id);
	return test_db_int(sql);
}

/* Polls until the queued verification of id has failed at least attempts
 * times and was queued more than seconds ago. */
static void wait_for_attempts(const char *id, long long attempts, long long seconds)
{
	char sql[200];

	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM verifications WHERE installation_id = '%s' AND attempts >= %lld "
		 "AND unixepoch() - queued_at > %lld",
		 id, attempts, seconds);
	for (double deadline = standin_now() + DEADLINE; test_db_int(sql) == 0; standin_pause())
		ck_assert_msg(standin_now() < deadline, "%s: no %lld failed attempts over %lld s (attempts %lld)", id,
			      attempts, seconds, queue_attempts(id));
}

static char *metrics(void)
{
	struct test_response r;

	test_admin_get(&r, "/metrics");
	ck_assert_int_eq(r.status, 200);
	char *body = strdup(r.body);
	test_response_free(&r);
	return body;
}

static void assert_metric(const char *text, const char *line)
{
	ck_assert_msg(strstr(text, line) != NULL, "/metrics lacks \"%s\":\n%s", line, text);
}

START_TEST(test_a_granted_installation_is_verified_with_its_name_and_roles)
{
	start(NULL, "verify_window = 20s\nreconcile_interval = 0\n");
	grant_at_standin(ID_A, "Garage");
	callback(ID_A);
	json_t *inst = wait_for_status(ID_A, "granted", DEADLINE);
	json_t *verification = json_object_get(inst, "verification");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(verification, "verifiedAt")));
	ck_assert_str_eq(json_string_value(json_object_get(verification, "name")), "Garage");
	ck_assert_int_eq(json_integer_value(json_object_get(verification, "roles")), 2);
	ck_assert(json_is_null(json_object_get(verification, "lastError")));
	json_decref(inst);

	json_t *detail = event_detail(ID_A, "installation.verified");
	ck_assert_str_eq(json_string_value(json_object_get(detail, "name")), "Garage");
	ck_assert_int_eq(json_integer_value(json_object_get(detail, "roles")), 2);
	json_decref(detail);
	ck_assert_int_eq(count_events(ID_A, "callback.granted"), 1);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM verifications"), 0);

	char *text = metrics();
	assert_metric(text, "accessd_zaptec_api_requests_total{endpoint=\"installation\",outcome=\"2xx\"} 1\n");
	assert_metric(text, "accessd_zaptec_api_requests_total{endpoint=\"token\",outcome=\"2xx\"} 1\n");
	assert_metric(text, "accessd_zaptec_api_throttled_total 0\n");
	assert_metric(text, "accessd_verification_queue_length 0\n");
	assert_metric(text, "accessd_verification_oldest_age_seconds 0\n");
	assert_metric(text, "accessd_zaptec_api_up 1\n");
	free(text);
}
END_TEST

/* The stand-in hides a grant for 2 s: the first lookups are 403, the grant is
 * "verifying" meanwhile, and it ends granted well inside the window. */
START_TEST(test_an_api_lagging_less_than_the_window_ends_granted)
{
	static const char *const lag[] = { "--api-lag", "2", NULL };

	start(lag, "verify_window = 20s\nreconcile_interval = 0\n");
	grant_at_standin(ID_A, "Garage");
	callback(ID_A);
	json_t *inst = installation(ID_A);
	ck_assert_str_eq(status_of(inst), "verifying");
	ck_assert(json_is_null(json_object_get(json_object_get(inst, "verification"), "verifiedAt")));
	json_decref(inst);
	inst = wait_for_status(ID_A, "granted", DEADLINE);
	ck_assert(json_is_null(json_object_get(json_object_get(inst, "verification"), "lastError")));
	json_decref(inst);
	ck_assert_int_ge(standin_requests_with_status(403), 1);
	ck_assert_int_eq(count_events(ID_A, "installation.verified"), 1);
	ck_assert_int_eq(count_events(ID_A, "installation.unconfirmed"), 0);
}
END_TEST

/* Anyone can call /access-result with an installation that was never shared:
 * after the window it is unconfirmed, never granted. */
START_TEST(test_a_forged_callback_ends_unconfirmed_after_the_window)
{
	start(NULL, "verify_window = 3s\nreconcile_interval = 0\n");
	double began = standin_now();
	callback(STANDIN_UNSHARED_ID);
	json_t *inst = wait_for_status(STANDIN_UNSHARED_ID, "unconfirmed", DEADLINE);
	/* The queue keeps whole seconds: the window may close up to 1 s early. */
	ck_assert_double_ge(standin_now() - began, 2.0);
	json_t *verification = json_object_get(inst, "verification");
	const char *error = json_string_value(json_object_get(verification, "lastError"));
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, "403") != NULL, "lastError: %s", error);
	ck_assert(json_is_null(json_object_get(verification, "verifiedAt")));
	json_decref(inst);

	json_t *detail = event_detail(STANDIN_UNSHARED_ID, "installation.unconfirmed");
	ck_assert_int_eq(json_integer_value(json_object_get(detail, "lastStatus")), 403);
	ck_assert_int_ge(json_integer_value(json_object_get(detail, "attempts")), 2);
	json_decref(detail);
	ck_assert_int_eq(count_events(STANDIN_UNSHARED_ID, "installation.verified"), 0);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM verifications"), 0);
}
END_TEST

/* Tokens live 2 s at the stand-in: a verification after the first token ran
 * out costs exactly one more login, and never a refused call. */
START_TEST(test_an_expired_token_costs_one_login)
{
	static const char *const lifetime[] = { "--token-lifetime", "2", NULL };

	start(lifetime, "verify_window = 20s\nreconcile_interval = 0\n");
	grant_at_standin(ID_A, "Garage");
	grant_at_standin(ID_B, "Barn");
	callback(ID_A);
	json_decref(wait_for_status(ID_A, "granted", DEADLINE));
	ck_assert_int_eq(standin_logins(), 1);
	for (double deadline = standin_now() + DEADLINE;; standin_pause()) {
		json_t *state = standin_control("state", NULL);
		long live = (long)json_integer_value(json_object_get(state, "liveTokens"));
		json_decref(state);
		if (live == 0)
			break;
		ck_assert_msg(standin_now() < deadline, "the token did not expire");
	}
	callback(ID_B);
	json_decref(wait_for_status(ID_B, "granted", DEADLINE));
	ck_assert_int_eq(standin_logins(), 2);
	ck_assert_int_eq(standin_requests_with_status(401), 0);
}
END_TEST

/* Most requests the daemon (known by its User-Agent) sent in any one-second
 * window [t, t+1), as the stand-in recorded them; *throttled receives how many
 * of them were answered 429. */
static long daemon_max_rate(long *throttled)
{
	json_t *state = standin_control("state", NULL), *request;
	double at[2048];
	size_t i, n = 0;
	long best = 0;

	*throttled = 0;
	json_array_foreach(json_object_get(state, "apiRequests"), i, request) {
		const char *agent = json_string_value(json_object_get(request, "userAgent"));
		if (agent == NULL || strncmp(agent, "zaptec-accessd/", 15) != 0)
			continue;
		ck_assert_uint_lt(n, sizeof at / sizeof at[0]);
		at[n++] = json_number_value(json_object_get(request, "at"));
		*throttled += json_integer_value(json_object_get(request, "status")) == 429;
	}
	json_decref(state);
	for (size_t a = 0; a < n; a++) {
		long in_window = 0;
		for (size_t b = 0; b < n; b++)
			in_window += at[b] >= at[a] && at[b] < at[a] + 1.0;
		if (in_window > best)
			best = in_window;
	}
	return best;
}

/* Sends one API request as the service account from outside the daemon;
 * returns the status. */
static long foreign_request(const char *url, const char *form, const char *bearer, char *body, size_t cap)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *headers = NULL;
	FILE *out = fmemopen(body, cap, "w");
	long status = 0;
	char auth[256];

	ck_assert_ptr_nonnull(out);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	if (form)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
	if (bearer) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
		headers = curl_slist_append(headers, auth);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	}
	ck_assert_int_eq(curl_easy_perform(curl), CURLE_OK);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	fclose(out);
	return status;
}

/* Thirty grants at once, while another client of the same account drains its
 * request budget: the daemon is answered 429, waits, and still confirms every
 * grant without ever sending more than 10 requests in a second. */
START_TEST(test_many_grants_at_once_honour_429s_and_ten_a_second)
{
	char ids[30][37], url[128], body[4096], token[1024] = "";
	json_error_t error;

	start(NULL, "verify_window = 60s\nreconcile_interval = 0\n");
	/* The other client logs in first; a login the daemon made within the
	 * second would refuse it. */
	snprintf(url, sizeof url, "%s/oauth/token", api_url);
	for (double deadline = standin_now() + DEADLINE; token[0] == '\0'; standin_pause()) {
		ck_assert_msg(standin_now() < deadline, "the other client could not log in");
		if (foreign_request(url, "grant_type=password&username=" STANDIN_USERNAME
				    "&password=" STANDIN_PASSWORD "&scope=openid", NULL, body, sizeof body) != 200)
			continue;
		json_t *j = json_loads(body, 0, &error);
		ck_assert_ptr_nonnull(j);
		snprintf(token, sizeof token, "%s", json_string_value(json_object_get(j, "access_token")));
		json_decref(j);
	}
	for (int i = 0; i < 30; i++) {
		snprintf(ids[i], sizeof ids[i], "c3c3c3c3-0000-4000-8000-0000000000%02d", i);
		grant_at_standin(ids[i], "Many");
	}
	for (int i = 0; i < 30; i++)
		callback(ids[i]);
	/* Drain the account's bucket until the daemon has been refused once. */
	snprintf(url, sizeof url, "%s/api/installation/" STANDIN_GRANTED_ID, api_url);
	long throttled = 0;
	for (double deadline = standin_now() + DEADLINE; throttled == 0; daemon_max_rate(&throttled)) {
		ck_assert_msg(standin_now() < deadline, "the daemon was never answered 429");
		for (int i = 0; i < 20; i++)
			foreign_request(url, NULL, token, body, sizeof body);
	}
	for (int i = 0; i < 30; i++)
		json_decref(wait_for_status(ids[i], "granted", 60.0));
	ck_assert_int_le(daemon_max_rate(&throttled), 10);
	ck_assert_int_ge(throttled, 1);
	char *text = metrics();
	ck_assert_msg(strstr(text, "accessd_zaptec_api_throttled_total 0\n") == NULL, "%s", text);
	free(text);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM installations WHERE status = 'unconfirmed'"), 0);
}
END_TEST

/* While the API answers 503 the grant stays verifying, even well past the
 * window, and /readyz stays 200; once it is back, the grant is confirmed. */
START_TEST(test_an_api_that_is_down_delays_verification_but_loses_nothing)
{
	struct test_response r;

	start(NULL, "verify_window = 3s\nreconcile_interval = 0\n");
	grant_at_standin(ID_A, "Garage");
	json_decref(standin_control("config", "{\"down\": true}"));
	callback(ID_A);
	wait_for_attempts(ID_A, 2, 4);
	json_t *inst = installation(ID_A);
	ck_assert_str_eq(status_of(inst), "verifying");
	const char *error = json_string_value(json_object_get(json_object_get(inst, "verification"), "lastError"));
	ck_assert_msg(error && strstr(error, "503"), "lastError: %s", error ? error : "null");
	json_decref(inst);
	test_http(&r, "GET", test_admin_url("/readyz"), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	char *text = metrics();
	assert_metric(text, "accessd_zaptec_api_up 0\n");
	assert_metric(text, "accessd_verification_queue_length 1\n");
	ck_assert_msg(strstr(text, "accessd_verification_oldest_age_seconds 0\n") == NULL, "%s", text);
	free(text);

	json_decref(standin_control("config", "{\"down\": false}"));
	json_decref(wait_for_status(ID_A, "granted", RECOVERY_DEADLINE));
	ck_assert_int_eq(count_events(ID_A, "installation.unconfirmed"), 0);
	text = metrics();
	assert_metric(text, "accessd_zaptec_api_up 1\n");
	free(text);
}
END_TEST

/* A verification pending when the daemon stops is taken up after it starts
 * again. */
START_TEST(test_a_restart_resumes_pending_verifications)
{
	start(NULL, "verify_window = 3s\nreconcile_interval = 0\n");
	grant_at_standin(ID_A, "Garage");
	json_decref(standin_control("config", "{\"down\": true}"));
	callback(ID_A);
	wait_for_attempts(ID_A, 1, 0);
	test_server_restart();
	ck_assert_int_eq(queue_attempts(ID_A) >= 1, 1);
	json_decref(standin_control("config", "{\"down\": false}"));
	json_decref(wait_for_status(ID_A, "granted", RECOVERY_DEADLINE));
	ck_assert_int_eq(count_events(ID_A, "installation.verified"), 1);
}
END_TEST

START_TEST(test_a_revocation_at_zaptec_is_found_by_reconciliation)
{
	start(NULL, "verify_window = 20s\nreconcile_interval = 2s\n");
	grant_at_standin(ID_A, "Garage");
	callback(ID_A);
	json_decref(wait_for_status(ID_A, "granted", DEADLINE));
	json_decref(standin_control("revoke", "{\"lookupKey\":\"" LOOKUP "\",\"installationId\":\"" ID_A "\"}"));
	json_t *inst = wait_for_status(ID_A, "revoked", DEADLINE);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(inst, "revokedAt")));
	json_decref(inst);
	json_t *detail = event_detail(ID_A, "installation.revoked");
	ck_assert_str_eq(json_string_value(json_object_get(detail, "source")), "zaptec");
	json_decref(detail);
	/* The fixture's own grant is still listed: it stays granted. */
	inst = installation(STANDIN_GRANTED_ID);
	ck_assert_str_eq(status_of(inst), "granted");
	json_decref(inst);
}
END_TEST

START_TEST(test_an_installation_granted_without_a_callback_is_discovered)
{
	start(NULL, "verify_window = 20s\nreconcile_interval = 2s\n");
	grant_at_standin(ID_B, "Barn");
	json_t *inst = NULL;
	for (double deadline = standin_now() + DEADLINE; (inst = installation(ID_B)) == NULL; standin_pause())
		ck_assert_msg(standin_now() < deadline, "%s was not discovered", ID_B);
	ck_assert_str_eq(status_of(inst), "granted");
	ck_assert(json_is_null(json_object_get(inst, "requestId")));
	json_t *verification = json_object_get(inst, "verification");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(verification, "verifiedAt")));
	ck_assert_str_eq(json_string_value(json_object_get(verification, "name")), "Barn");
	ck_assert_int_eq(json_integer_value(json_object_get(verification, "roles")), 2);
	json_decref(inst);
	json_t *detail = event_detail(ID_B, "installation.discovered");
	ck_assert_str_eq(json_string_value(json_object_get(detail, "name")), "Barn");
	json_decref(detail);
	/* Discovered once, however many passes ran. */
	json_decref(wait_for_status(STANDIN_GRANTED_ID, "granted", DEADLINE));
	ck_assert_int_eq(count_events(STANDIN_GRANTED_ID, "installation.discovered"), 1);
}
END_TEST

/* Sends Zaptec's granted callback for id on a new request of body; returns
 * the status, with the page in page (8 KiB, may be NULL) and the request id in
 * request (37 bytes, may be NULL). */
static long callback_as(const char *body, const char *id, char *page, char *request)
{
	char path[256];
	struct test_response r;

	const char *token = test_create_request(body, request);
	snprintf(path, sizeof path, "/access-result/%s?success=true&installationId=%s", token, id);
	test_http(&r, "GET", test_public_url(path), NULL, NULL, 0);
	long status = r.status;
	if (page)
		snprintf(page, 8192, "%s", r.body);
	test_response_free(&r);
	return status;
}

/* Prints and checks the installation's final state: still Alice's. */
static void assert_still_alices(const char *label, const char *id, const char *alice)
{
	json_t *inst = installation(id);
	json_t *verification = json_object_get(inst, "verification");
	printf("%s: status=%s reference=%s requestId=%s name=%s\n", label, status_of(inst),
	       json_string_value(json_object_get(inst, "reference")),
	       json_string_value(json_object_get(inst, "requestId")),
	       json_string_value(json_object_get(verification, "name")));
	ck_assert_str_eq(status_of(inst), "granted");
	ck_assert_str_eq(json_string_value(json_object_get(inst, "reference")), "alice");
	ck_assert_str_eq(json_string_value(json_object_get(inst, "requestId")), alice);
	ck_assert_str_eq(json_string_value(json_object_get(verification, "name")), "Alice Cabin");
	json_decref(inst);
}

/* The sequence with verification on: Alice grants her cabin and it
 * is verified; Mallory's forged callback names it; the verifier runs. The
 * partner's service account can see the cabin through Alice's grant, so only
 * the binding rule keeps it hers. */
START_TEST(test_a_forged_grant_of_a_verified_installation_stays_with_its_owner)
{
	char alice[37], mallory[37], page[8192];

	start(NULL, "verify_window = 20s\nreconcile_interval = 0\n");
	ck_assert_int_eq(callback_as("{\"reference\":\"alice\"}", STANDIN_GRANTED_ID, NULL, alice), 200);
	json_decref(wait_for_status(STANDIN_GRANTED_ID, "granted", DEADLINE));

	ck_assert_int_eq(callback_as("{\"reference\":\"mallory\"}", STANDIN_GRANTED_ID, page, mallory), 409);
	ck_assert_msg(strstr(page, "already connected to another account") != NULL, "%s", page);
	/* Mallory learns nothing of Alice's installation, not even its name. */
	ck_assert_msg(strstr(page, "Alice Cabin") == NULL, "%s", page);
	/* Nothing was queued for the verifier: it has nothing to confirm. */
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM verifications"), 0);
	assert_still_alices("takeover with verification (verified first)", STANDIN_GRANTED_ID, alice);
	ck_assert_int_eq(count_events(STANDIN_GRANTED_ID, "callback.contested"), 1);
	ck_assert_int_eq(count_events(STANDIN_GRANTED_ID, "installation.verified"), 1);
}
END_TEST

/* The same while Alice's grant is still being verified (the API lags 2 s):
 * the forged grant is contested, and the verifier, which runs after it,
 * confirms Alice's binding. */
START_TEST(test_a_forged_grant_during_verification_stays_with_its_owner)
{
	static const char *const lag[] = { "--api-lag", "2", NULL };
	char alice[37], mallory[37], page[8192];

	start(lag, "verify_window = 20s\nreconcile_interval = 0\n");
	/* A grant made just now at Zaptec, so the API shows it only after the lag. */
	grant_at_standin(ID_A, "Alice Cabin");
	ck_assert_int_eq(callback_as("{\"reference\":\"alice\"}", ID_A, page, alice), 200);
	ck_assert_msg(strstr(page, "Approval received") != NULL, "%s", page);
	ck_assert_int_eq(callback_as("{\"reference\":\"mallory\"}", ID_A, NULL, mallory), 409);
	json_t *inst = installation(ID_A);
	ck_assert_str_eq(status_of(inst), "verifying");
	ck_assert_str_eq(json_string_value(json_object_get(inst, "reference")), "alice");
	json_decref(inst);

	json_decref(wait_for_status(ID_A, "granted", DEADLINE));
	assert_still_alices("takeover with verification (during verification)", ID_A, alice);
	ck_assert_int_ge(standin_requests_with_status(403), 1);
}
END_TEST

/* Point 7: while verifying, the page says the approval is being confirmed;
 * afterwards the same callback shows "granted" with the installation's name.
 * A re-bound row shows nothing of its previous owner while it is verified. */
START_TEST(test_the_page_says_being_confirmed_until_verified)
{
	static const char *const lag[] = { "--api-lag", "2", NULL };
	char path[256], token[64], request[37];
	struct test_response r;

	start(lag, "verify_window = 20s\nreconcile_interval = 0\n");
	grant_at_standin(ID_A, "Garage");
	snprintf(token, sizeof token, "%s", test_create_request("{\"reference\":\"cust-1\"}", request));
	snprintf(path, sizeof path, "/access-result/%s?success=true&installationId=" ID_A, token);
	test_http(&r, "GET", test_public_url(path), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "Approval received") != NULL, "%s", r.body);
	ck_assert_msg(strstr(r.body, "Access granted") == NULL, "%s", r.body);
	test_response_free(&r);
	json_decref(wait_for_status(ID_A, "granted", DEADLINE));
	test_http(&r, "GET", test_public_url(path), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "Access granted") != NULL, "%s", r.body);
	ck_assert_msg(strstr(r.body, "<dd>Garage</dd>") != NULL, "%s", r.body);
	test_response_free(&r);

	/* Revoked at Zaptec and here, then granted by another customer: verifying
	 * again (the API no longer shows it), with none of the previous owner's
	 * name and roles. */
	json_decref(standin_control("revoke", "{\"lookupKey\":\"" LOOKUP "\",\"installationId\":\"" ID_A "\"}"));
	snprintf(path, sizeof path, "/api/v1/installations/%s/revoke", ID_A);
	test_admin_post(&r, path, "{}");
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	ck_assert_int_eq(callback_as("{\"reference\":\"cust-2\"}", ID_A, NULL, NULL), 200);
	json_t *inst = installation(ID_A);
	ck_assert_str_eq(status_of(inst), "verifying");
	ck_assert_str_eq(json_string_value(json_object_get(inst, "reference")), "cust-2");
	json_t *verification = json_object_get(inst, "verification");
	ck_assert(json_is_null(json_object_get(verification, "name")));
	ck_assert(json_is_null(json_object_get(verification, "roles")));
	ck_assert(json_is_null(json_object_get(verification, "verifiedAt")));
	json_decref(inst);
}
END_TEST

/* Point 5: a grant the API showed only after the window is promoted by the
 * next reconciliation. */
START_TEST(test_reconciliation_promotes_an_unconfirmed_installation_it_lists)
{
	start(NULL, "verify_window = 2s\nreconcile_interval = 3s\n");
	ck_assert_int_eq(callback_as("{\"reference\":\"late\"}", ID_B, NULL, NULL), 200);
	json_decref(wait_for_status(ID_B, "unconfirmed", DEADLINE));
	grant_at_standin(ID_B, "Barn");
	json_t *inst = wait_for_status(ID_B, "granted", DEADLINE);
	ck_assert_str_eq(json_string_value(json_object_get(inst, "reference")), "late");
	json_t *verification = json_object_get(inst, "verification");
	ck_assert_str_eq(json_string_value(json_object_get(verification, "name")), "Barn");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(verification, "verifiedAt")));
	ck_assert(json_is_null(json_object_get(verification, "lastError")));
	json_decref(inst);
	json_t *detail = event_detail(ID_B, "installation.verified");
	ck_assert_str_eq(json_string_value(json_object_get(detail, "source")), "reconcile");
	json_decref(detail);
	ck_assert_int_eq(count_events(ID_B, "installation.discovered"), 0);
}
END_TEST

/* Point 6: the daemon asks for at most 100 rows a page (the stand-in answers
 * 400 to more, as Zaptec may) and follows Pages whatever size comes back:
 * with one row a page, every installation is still discovered. */
START_TEST(test_reconciliation_follows_small_pages_to_the_last)
{
	start(NULL, "verify_window = 20s\nreconcile_interval = 2s\n");
	json_decref(standin_control("config", "{\"pageSizeCap\": 1}"));
	grant_at_standin(ID_A, "Garage");
	grant_at_standin(ID_B, "Barn");
	json_decref(wait_for_status(ID_A, "granted", DEADLINE));
	json_decref(wait_for_status(ID_B, "granted", DEADLINE));
	json_decref(wait_for_status(STANDIN_GRANTED_ID, "granted", DEADLINE));
	ck_assert_int_eq(standin_requests_with_status(400), 0);
	json_t *state = standin_control("state", NULL);
	json_t *requests = json_object_get(state, "apiRequests");
	size_t i;
	json_t *request;
	int lists = 0;
	json_array_foreach(requests, i, request) {
		const char *path = json_string_value(json_object_get(request, "path"));
		if (strncmp(path, "/api/installation?", 18) == 0) {
			lists++;
			ck_assert_msg(strstr(path, "PageSize=100&") != NULL, "asked for %s", path);
		}
	}
	ck_assert_int_ge(lists, 3);
	json_decref(state);
}
END_TEST

Suite *verifier_suite(void);

Suite *verifier_suite(void)
{
	Suite *s = suite_create("verifier");
	TCase *tc = tcase_create("verifier");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_a_granted_installation_is_verified_with_its_name_and_roles);
	tcase_add_test(tc, test_an_api_lagging_less_than_the_window_ends_granted);
	tcase_add_test(tc, test_a_forged_callback_ends_unconfirmed_after_the_window);
	tcase_add_test(tc, test_an_expired_token_costs_one_login);
	tcase_add_test(tc, test_many_grants_at_once_honour_429s_and_ten_a_second);
	tcase_add_test(tc, test_an_api_that_is_down_delays_verification_but_loses_nothing);
	tcase_add_test(tc, test_a_restart_resumes_pending_verifications);
	tcase_add_test(tc, test_a_revocation_at_zaptec_is_found_by_reconciliation);
	tcase_add_test(tc, test_an_installation_granted_without_a_callback_is_discovered);
	tcase_add_test(tc, test_a_forged_grant_of_a_verified_installation_stays_with_its_owner);
	tcase_add_test(tc, test_a_forged_grant_during_verification_stays_with_its_owner);
	tcase_add_test(tc, test_the_page_says_being_confirmed_until_verified);
	tcase_add_test(tc, test_reconciliation_promotes_an_unconfirmed_installation_it_lists);
	tcase_add_test(tc, test_reconciliation_follows_small_pages_to_the_last);
	suite_add_tcase(s, tc);
	return s;
}
