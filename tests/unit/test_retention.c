/*
 * test_retention.c — retention and erasure through a real daemon: rows
 * disappear when their retention has passed and not before, the feed answers
 * 410 behind the purge horizon, the installations list carries the feed
 * position, and an erasure removes one customer from every answer and from
 * the bytes of the database files while the other customers stay.
 *
 * Retentions here are seconds long; every wait polls against a deadline.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "retention_store.h"
#include "store_sqlite.h"
#include "testutil.h"


Suite *retention_suite(void);

#define G1 "6f3c8f0e-1a2b-4c3d-8e4f-000000000001"
#define G2 "6f3c8f0e-1a2b-4c3d-8e4f-000000000002"
#define G3 "6f3c8f0e-1a2b-4c3d-8e4f-000000000003"
#define G1_UPPER "6F3C8F0E-1A2B-4C3D-8E4F-000000000001"
#define DEADLINE_SECONDS 20

/* Sends Zaptec's callback for token with query; expects status. */
static void callback(const char *token, const char *query, long status)
{
	char path[512];
	struct test_response r;
	snprintf(path, sizeof path, "/access-result/%s?%s", token, query);
	test_http(&r, "GET", test_public_url(path), NULL, NULL, 0);
	ck_assert_msg(r.status == status, "callback %s: %ld", query, r.status);
	test_response_free(&r);
}

/* Creates a request for reference and grants guid to it; id (37 bytes) gets
 * the request's id. */
static void grant(const char *reference, const char *guid, char *id)
{
	char json[256], query[128];
	snprintf(json, sizeof json, "{\"reference\":\"%s\"}", reference);
	const char *token = test_create_request(json, id);
	snprintf(query, sizeof query, "success=true&installationId=%s", guid);
	callback(token, query, 200);
}

static json_t *admin_json(const char *method, const char *path, const char *body, long status)
{
	struct test_response r;
	if (strcmp(method, "GET") == 0)
		test_admin_get(&r, path);
	else
		test_admin_post(&r, path, body);
	ck_assert_msg(r.status == status, "%s %s: %ld %s", method, path, r.status, r.body);
	json_t *j = test_json(&r);
	test_response_free(&r);
	return j;
}

static long long member_int(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
	return json_integer_value(v);
}

/* Polls the query until it returns want, failing after DEADLINE_SECONDS. */
static void wait_for(const char *sql, long long want)
{
	time_t deadline = time(NULL) + DEADLINE_SECONDS;
	long long got;
	while ((got = test_db_int(sql)) != want) {
		ck_assert_msg(time(NULL) < deadline, "%s: still %lld, not %lld", sql, got, want);
		usleep(100 * 1000);
	}
}

START_TEST(test_rejected_callbacks_go_first_and_the_feed_answers_410_behind_them)
{
	char id[37];
	test_server_start("event_retention = 1h\nrejected_callback_retention = 1s\npurge_interval = 1s\n");
	const char *token = test_create_request("{\"reference\":\"cust-r\"}", id);
	char kept_token[64];
	snprintf(kept_token, sizeof kept_token, "%s", token);
	callback(kept_token, "success=maybe", 400);
	callback("AAAAAAAAAAAAAAAAAAAAAA", "success=true&installationId=" G1, 404);
	long long newest_rejected = test_db_int("SELECT max(id) FROM events WHERE type = 'callback.unknown'");
	/* Within the second they were made, they are still there. */
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events WHERE type IN ('callback.invalid', 'callback.unknown')"), 2);

	wait_for("SELECT count(*) FROM events WHERE type IN ('callback.invalid', 'callback.unknown')", 0);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events WHERE type = 'request.created'"), 1);

	json_t *j = admin_json("GET", "/api/v1/events?after=0", NULL, 410);
	ck_assert_int_eq(member_int(j, "status"), 410);
	ck_assert_int_eq(member_int(j, "oldestAvailable"), newest_rejected + 1);
	json_decref(j);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/events?after=%lld", newest_rejected);
	j = admin_json("GET", path, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	/* The request itself has not ended: it stays. */
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM access_requests"), 1);
}
END_TEST

START_TEST(test_events_ended_requests_and_revoked_installations_go_on_time)
{
	char granted[37], revoked[37], open_id[37], denied[37];
	test_server_start("event_retention = 2s\nrequest_retention = 2s\npurge_interval = 1s\n");
	grant("cust-a", G1, granted);
	grant("cust-b", G2, revoked);
	json_decref(admin_json("POST", "/api/v1/installations/" G2 "/revoke", NULL, 200));
	test_create_request("{\"reference\":\"cust-c\",\"ttl\":3600}", open_id);
	const char *token = test_create_request("{\"reference\":\"cust-d\"}", denied);
	callback(token, "success=false", 200);
	char cancelled[37], path[128];
	test_create_request("{\"reference\":\"cust-e\",\"ttl\":3600}", cancelled);
	snprintf(path, sizeof path, "/api/v1/access-requests/%s/cancel", cancelled);
	json_decref(admin_json("POST", path, NULL, 200));
	long long last = test_db_int("SELECT max(id) FROM events");

	/* Nothing is older than two seconds yet. */
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM access_requests"), 5);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM installations"), 2);
	ck_assert_int_ge(test_db_int("SELECT count(*) FROM events"), 8);

	wait_for("SELECT count(*) FROM events", 0);
	wait_for("SELECT count(*) FROM access_requests", 1);
	wait_for("SELECT count(*) FROM installations", 1);

	snprintf(path, sizeof path, "SELECT count(*) FROM access_requests WHERE id = '%s'", open_id);
	ck_assert_int_eq(test_db_int(path), 1);
	/* The granted installation stays granted, without its deleted request. */
	json_t *in = admin_json("GET", "/api/v1/installations/" G1, NULL, 200);
	ck_assert_str_eq(json_string_value(json_object_get(in, "status")), "granted");
	ck_assert_str_eq(json_string_value(json_object_get(in, "reference")), "cust-a");
	ck_assert(json_is_null(json_object_get(in, "requestId")));
	json_decref(in);
	json_decref(admin_json("GET", "/api/v1/installations/" G2, NULL, 404));
	snprintf(path, sizeof path, "/api/v1/access-requests/%s", granted);
	json_decref(admin_json("GET", path, NULL, 404));

	/* The feed: behind the horizon 410; from feedPosition, nothing missed. */
	json_t *list = admin_json("GET", "/api/v1/installations", NULL, 200);
	long long position = member_int(list, "feedPosition");
	json_decref(list);
	ck_assert_int_ge(position, last);
	json_t *gone = admin_json("GET", "/api/v1/events?after=0", NULL, 410);
	ck_assert_int_eq(member_int(gone, "oldestAvailable"), position + 1);
	json_decref(gone);
	snprintf(path, sizeof path, "/api/v1/events?after=%lld", position);
	json_t *feed = admin_json("GET", path, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(feed, "items")), 0);
	ck_assert_int_eq(member_int(feed, "nextAfter"), position);
	json_decref(feed);

	/* What went is counted by kind in /metrics. */
	struct test_response r;
	test_http(&r, "GET", test_admin_url("/metrics"), NULL, NULL, 1);
	ck_assert_int_eq(r.status, 200);
	char line[96];
	snprintf(line, sizeof line, "accessd_purged_total{kind=\"events\"} %lld\n", last);
	ck_assert_msg(strstr(r.body, line) != NULL, "no %s in %s", line, r.body);
	ck_assert(strstr(r.body, "accessd_purged_total{kind=\"access_requests\"} 4\n") != NULL);
	ck_assert(strstr(r.body, "accessd_purged_total{kind=\"installations\"} 1\n") != NULL);
	ck_assert(strstr(r.body, "accessd_purge_passes_total{outcome=\"failed\"} 0\n") != NULL);
	test_response_free(&r);
}
END_TEST

START_TEST(test_a_purged_installations_history_is_not_inherited)
{
	char id[37];
	test_server_start("event_retention = 0\nrequest_retention = 1s\npurge_interval = 1s\n");
	grant("cust-a", G1, id);
	grant("cust-b", G2, id);
	json_decref(admin_json("POST", "/api/v1/installations/" G2 "/revoke", "{\"reason\":\"moved\"}", 200));
	wait_for("SELECT count(*) FROM installations WHERE installation_id = '" G2 "'", 0);
	/* Kept events (event_retention = 0) still name G2, but belong to no row. */
	ck_assert_int_ge(test_db_int("SELECT count(*) FROM events WHERE installation_id = '" G2 "'"), 2);

	grant("cust-c", G3, id);
	json_t *in = admin_json("GET", "/api/v1/installations/" G3, NULL, 200);
	json_t *history = json_object_get(in, "history");
	ck_assert_int_eq(json_array_size(history), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(history, 0), "type")), "callback.granted");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(history, 0), "installationId")), G3);
	json_decref(in);
}
END_TEST

/* The retention passes that completed so far, from /metrics. */
static long long passes_done(void)
{
	struct test_response r;
	long long n = -1;
	test_http(&r, "GET", test_admin_url("/metrics"), NULL, NULL, 1);
	ck_assert_int_eq(r.status, 200);
	const char *line = strstr(r.body, "accessd_purge_passes_total{outcome=\"ok\"} ");
	ck_assert_ptr_nonnull(line);
	n = strtoll(line + strlen("accessd_purge_passes_total{outcome=\"ok\"} "), NULL, 10);
	test_response_free(&r);
	return n;
}

START_TEST(test_an_enabled_webhooks_undelivered_events_stay_until_it_is_disabled)
{
	char id[37], path[128];
	test_server_start("event_retention = 1s\npurge_interval = 1s\n");
	/* Nothing listens on the discard port: every delivery fails and waits. */
	json_t *hook = admin_json("POST", "/api/v1/webhook-endpoints", "{\"url\":\"http://127.0.0.1:9/hook\"}", 201);
	snprintf(path, sizeof path, "/api/v1/webhook-endpoints/%s", json_string_value(json_object_get(hook, "id")));
	json_decref(hook);
	test_create_request("{\"reference\":\"cust-w\"}", id);
	long long last = test_db_int("SELECT max(id) FROM events");
	long long made = test_db_int("SELECT max(at) FROM events");

	/* Once the events are past their retention, a whole pass more. */
	time_t deadline = time(NULL) + DEADLINE_SECONDS;
	while (test_db_int("SELECT unixepoch()") <= made + 1) {
		ck_assert_msg(time(NULL) < deadline, "the clock did not move");
		usleep(100 * 1000);
	}
	long long before = passes_done();
	while (passes_done() < before + 2) {
		ck_assert_msg(time(NULL) < deadline, "no purge pass ran");
		usleep(100 * 1000);
	}
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events"), last);
	json_decref(admin_json("GET", "/api/v1/events?after=0", NULL, 200));

	/* Disabled, the endpoint holds nothing back. */
	struct test_response r;
	static const char *const json[] = { "Content-Type: application/json", NULL };
	test_http(&r, "PATCH", test_admin_url(path), json, "{\"enabled\":false}", 1);
	ck_assert_msg(r.status == 200, "PATCH: %ld %s", r.status, r.body);
	test_response_free(&r);
	wait_for("SELECT count(*) FROM events", 0);

	/* A replay behind the horizon is refused as the feed is. */
	char replay[160];
	snprintf(replay, sizeof replay, "%s/replay", path);
	json_t *gone = admin_json("POST", replay, "{\"after\":0}", 410);
	ck_assert_int_eq(member_int(gone, "oldestAvailable"), last + 1);
	json_decref(gone);
	json_decref(admin_json("GET", "/api/v1/events?after=0", NULL, 410));
}
END_TEST

START_TEST(test_feed_position_is_the_newest_event_of_the_lists_snapshot)
{
	char id[37];
	test_server_start(NULL);
	json_t *list = admin_json("GET", "/api/v1/installations", NULL, 200);
	ck_assert_int_eq(member_int(list, "feedPosition"), 0);
	json_decref(list);
	grant("cust-a", G1, id);
	grant("cust-b", G2, id);
	list = admin_json("GET", "/api/v1/installations?reference=cust-a", NULL, 200);
	ck_assert_int_eq(member_int(list, "feedPosition"), test_db_int("SELECT max(id) FROM events"));
	ck_assert_int_eq(json_array_size(json_object_get(list, "items")), 1);
	json_decref(list);
	/* With the defaults (90 days) nothing is purged: the feed reads from 0. */
	json_t *feed = admin_json("GET", "/api/v1/events?after=0", NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(feed, "items")), test_db_int("SELECT count(*) FROM events"));
	json_decref(feed);
}
END_TEST

/* Whether the file holds needle, ignoring ASCII case (a missing file holds nothing). */
static int file_holds(const char *name, const char *needle)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", test_dir(), name);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *bytes = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(bytes);
	/* The WAL may shrink while it is read (the writer truncates it): what
	 * was read is searched. */
	long got = (long)fread(bytes, 1, (size_t)size, f);
	fclose(f);
	size_t n = strlen(needle);
	int found = 0;
	for (long i = 0; !found && i + (long)n <= got; i++)
		found = strncasecmp(bytes + i, needle, n) == 0;
	free(bytes);
	return found;
}

static int files_hold(const char *needle)
{
	return file_holds("accessd.db", needle) || file_holds("accessd.db-wal", needle) ||
	       file_holds("accessd.db-shm", needle);
}

/* The whole feed and every list as one text, to search for what must be gone. */
static char *every_answer(void)
{
	static const char *const paths[] = { "/api/v1/events?after=0&limit=1000", "/api/v1/installations",
					     "/api/v1/access-requests", NULL };
	size_t len = 0;
	char *all = calloc(1, 1);
	for (int i = 0; paths[i]; i++) {
		struct test_response r;
		test_admin_get(&r, paths[i]);
		ck_assert_int_eq(r.status, 200);
		all = realloc(all, len + r.body_len + 1);
		memcpy(all + len, r.body, r.body_len);
		len += r.body_len;
		all[len] = '\0';
		test_response_free(&r);
	}
	return all;
}

/* Two customers, the first with a granted installation (granted with an
 * upper-case id, as a browser may send it), a denied request and a rejected
 * callback naming its installation; the second with one grant. */
static void two_customers(char *erased_request, char *kept_request)
{
	char id[37];
	test_server_start("redirect_allow = https://app.example\n");
	const char *token = test_create_request(
		"{\"reference\":\"cust-erase-7731\",\"returnTo\":\"https://app.example/done?c=cust-erase-7731\"}",
		erased_request);
	callback(token, "success=true&installationId=" G1_UPPER, 303);
	token = test_create_request("{\"reference\":\"cust-erase-7731\"}", id);
	callback(token, "success=false", 200);
	callback("AAAAAAAAAAAAAAAAAAAAAA", "success=true&installationId=" G1, 404);
	grant("cust-keep-4410", G2, kept_request);
}

START_TEST(test_erasure_by_reference_leaves_no_trace_and_keeps_the_others)
{
	char erased[37], kept[37], path[128];
	two_customers(erased, kept);
	long long events_before = test_db_int("SELECT count(*) FROM events");
	json_t *kept_before = admin_json("GET", "/api/v1/installations/" G2, NULL, 200);

	json_t *counts = admin_json("POST", "/api/v1/erasures", "{\"reference\":\"cust-erase-7731\"}", 200);
	ck_assert_int_eq(member_int(counts, "accessRequests"), 2);
	ck_assert_int_eq(member_int(counts, "installations"), 1);
	/* created, granted, created, denied for the customer; the unknown hit names G1. */
	ck_assert_int_eq(member_int(counts, "events"), 5);
	ck_assert_int_eq(json_object_size(counts), 3);
	json_decref(counts);

	/* The writer empties the WAL once the erasure's answer is out, while the
	 * daemon runs. */
	time_t deadline = time(NULL) + DEADLINE_SECONDS;
	while (file_holds("accessd.db-wal", "cust-erase-7731")) {
		ck_assert_msg(time(NULL) < deadline, "the WAL still holds the erased reference");
		usleep(50 * 1000);
	}
	char *all = every_answer();
	ck_assert_msg(strstr(all, "cust-erase-7731") == NULL, "%s", all);
	ck_assert_msg(strcasestr(all, G1) == NULL, "%s", all);
	ck_assert(strstr(all, "cust-keep-4410") != NULL);
	free(all);
	json_decref(admin_json("GET", "/api/v1/installations/" G1, NULL, 404));
	snprintf(path, sizeof path, "/api/v1/access-requests/%s", erased);
	json_decref(admin_json("GET", path, NULL, 404));

	/* The events stay in the feed, stripped; one more says what was done. */
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events"), events_before + 1);
	ck_assert_str_eq(test_db_text("SELECT detail FROM events WHERE type = 'erasure.completed'"),
			 "{\"accessRequests\":2,\"installations\":1,\"events\":5}");
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events WHERE type = 'erasure.completed' "
				     "AND reference IS NULL AND installation_id IS NULL AND request_id IS NULL"), 1);

	/* The other customer is untouched. */
	json_t *kept_after = admin_json("GET", "/api/v1/installations/" G2, NULL, 200);
	ck_assert(json_equal(kept_before, kept_after));
	json_decref(kept_before);
	json_decref(kept_after);
	snprintf(path, sizeof path, "/api/v1/access-requests/%s", kept);
	json_decref(admin_json("GET", path, NULL, 200));

	/* Idempotent. */
	counts = admin_json("POST", "/api/v1/erasures", "{\"reference\":\"cust-erase-7731\"}", 200);
	ck_assert_int_eq(member_int(counts, "accessRequests"), 0);
	ck_assert_int_eq(member_int(counts, "installations"), 0);
	ck_assert_int_eq(member_int(counts, "events"), 0);
	json_decref(counts);

	test_server_stop();
	ck_assert(!files_hold("cust-erase-7731"));
	ck_assert(!files_hold(G1));
	ck_assert(!files_hold("app.example/done"));
	/* The search can find what is still there. */
	ck_assert(files_hold("cust-keep-4410"));
	ck_assert(files_hold(G2));
}
END_TEST

START_TEST(test_erasure_by_installation_strips_only_that_installation)
{
	char erased[37], kept[37], other[37];
	two_customers(erased, kept);
	grant("cust-erase-7731", G3, other);

	json_t *counts = admin_json("POST", "/api/v1/erasures", "{\"installationId\":\"" G1_UPPER "\"}", 200);
	ck_assert_int_eq(member_int(counts, "accessRequests"), 1);
	ck_assert_int_eq(member_int(counts, "installations"), 1);
	/* created and granted of its request, and the unknown hit that names it. */
	ck_assert_int_eq(member_int(counts, "events"), 3);
	json_decref(counts);

	char *all = every_answer();
	ck_assert_msg(strcasestr(all, G1) == NULL, "%s", all);
	ck_assert(strstr(all, G3) != NULL);
	free(all);
	/* The same customer's other installation and its denied request stay. */
	json_t *in = admin_json("GET", "/api/v1/installations/" G3, NULL, 200);
	ck_assert_str_eq(json_string_value(json_object_get(in, "reference")), "cust-erase-7731");
	json_decref(in);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM access_requests WHERE reference = 'cust-erase-7731'"), 2);

	counts = admin_json("POST", "/api/v1/erasures", "{\"installationId\":\"" G1 "\"}", 200);
	ck_assert_int_eq(member_int(counts, "accessRequests") + member_int(counts, "installations") +
				 member_int(counts, "events"), 0);
	json_decref(counts);

	test_server_stop();
	ck_assert(!files_hold(G1));
	ck_assert(files_hold(G3));
}
END_TEST

START_TEST(test_erasure_rejects_bad_input_naming_the_field)
{
	static const struct {
		const char *body, *field;
	} cases[] = {
		{ "", "reference" },
		{ "{}", "reference" },
		{ "{\"reference\":\"a\",\"installationId\":\"" G1 "\"}", "installationId" },
		{ "{\"installationId\":\"not-a-guid\"}", "installationId" },
		{ "{\"installationId\":\"{" G1 "}\"}", "installationId" },
		{ "{\"installationId\":7}", "installationId" },
		{ "{\"reference\":\"\"}", "reference" },
		{ "{\"reference\":null}", "reference" },
		{ "{\"reference\":\"a\\u0007b\"}", "reference" },
		{ "{\"reference\":\"a\",\"everything\":true}", "everything" },
	};
	char id[37];
	test_server_start(NULL);
	grant("a", G1, id);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct test_response r;
		test_admin_post(&r, "/api/v1/erasures", cases[i].body);
		ck_assert_msg(r.status == 400, "%s: %ld", cases[i].body, r.status);
		json_t *j = test_json(&r);
		json_t *first = json_array_get(json_object_get(j, "errors"), 0);
		ck_assert_msg(first && strcmp(json_string_value(json_object_get(first, "field")), cases[i].field) == 0,
			      "%s: %s", cases[i].body, r.body);
		json_decref(j);
		test_response_free(&r);
	}
	/* Nothing was erased, and no erasure was recorded. */
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM installations"), 1);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events WHERE type = 'erasure.completed'"), 0);
}
END_TEST


/* The erasure's two halves straight on a database, with changes made between
 * them as a concurrent callback would. */
static struct store *erasure_store;
static char erasure_dir[64];

static void erasure_store_setup(void)
{
	char path[128], err[256];
	log_set_level(getenv("TEST_LOG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR);
	snprintf(erasure_dir, sizeof erasure_dir, "/tmp/accessd-erase-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(erasure_dir));
	snprintf(path, sizeof path, "%s/e.db", erasure_dir);
	erasure_store = store_open(path, 1, err, sizeof err);
	ck_assert_msg(erasure_store && store_migrate(erasure_store, err, sizeof err) == 0, "%s", err);
}

static void erasure_store_teardown(void)
{
	char cmd[128];
	store_close(erasure_store);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", erasure_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void exec_sql(const char *sql)
{
	char *err = NULL;
	ck_assert_msg(sqlite3_exec(store_sqlite_db(erasure_store), sql, NULL, NULL, &err) == SQLITE_OK, "%s", err);
}

static long long int_sql(const char *sql)
{
	sqlite3_stmt *stmt;
	ck_assert_int_eq(sqlite3_prepare_v2(store_sqlite_db(erasure_store), sql, -1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	long long v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

struct erase_args {
	const char *reference, *installation_id;
	const struct erasure_scan *scan;
	struct erasure_counts counts;
};

static int erase_run(struct store *st, void *arg)
{
	struct erase_args *a = arg;
	return retention_store_erase(st, a->reference, a->installation_id, a->scan, &a->counts);
}

#define REQ_A "'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'"

START_TEST(test_an_erasure_reads_every_event_again_when_its_targets_changed)
{
	struct erasure_scan scan;
	/* An open Go request of the customer; its creation names no installation. */
	exec_sql("INSERT INTO access_requests (id, token_hash, reference, installation_type, partner_name, lang, "
		 "created_at, expires_at) VALUES (" REQ_A ", x'01', 'cust-x', 1, 'P', 'en', 1, 9999999999);"
		 "INSERT INTO events (at, type, request_id, reference) VALUES (1, 'request.created', " REQ_A ", 'cust-x');");
	ck_assert_int_eq(retention_store_erase_scan(erasure_store, NULL, G1, &scan), 0);
	ck_assert_int_eq(scan.event_count, 0);
	/* Between the scan and the write, the request is granted G1. */
	exec_sql("UPDATE access_requests SET status = 'granted', completed_at = 2, result_success = 1, "
		 "result_installation_id = '" G1 "' WHERE id = " REQ_A ";"
		 "INSERT INTO installations (installation_id, status, installation_type, reference, request_id, "
		 "granted_at, updated_at) VALUES ('" G1 "', 'granted', 1, 'cust-x', " REQ_A ", 2, 2);"
		 "INSERT INTO events (at, type, request_id, installation_id, reference, detail) VALUES "
		 "(2, 'callback.granted', " REQ_A ", '" G1 "', 'cust-x', '{\"query\":\"installationId=" G1 "\"}');");
	struct erase_args a = { .installation_id = G1, .scan = &scan };
	ck_assert_int_eq(store_transaction(erasure_store, erase_run, &a), 0);
	ck_assert_int_eq(a.counts.access_requests, 1);
	ck_assert_int_eq(a.counts.installations, 1);
	/* The request's creation, older than the scan, is stripped too. */
	ck_assert_int_eq(a.counts.events, 2);
	ck_assert_int_eq(int_sql("SELECT count(*) FROM events WHERE reference IS NOT NULL OR installation_id IS NOT NULL "
				 "OR detail <> '{}'"), 0);
	retention_store_erase_scan_free(&scan);
}
END_TEST

START_TEST(test_an_erasure_strips_what_was_written_after_its_scan)
{
	struct erasure_scan scan;
	exec_sql("INSERT INTO installations (installation_id, status, installation_type, reference, granted_at, "
		 "updated_at) VALUES ('" G1 "', 'granted', 1, 'cust-x', 1, 1);"
		 "INSERT INTO events (at, type, installation_id, reference) VALUES (1, 'callback.granted', '" G1 "', 'cust-x');"
		 "INSERT INTO events (at, type, installation_id) VALUES (1, 'installation.verified', '" G2 "');");
	ck_assert_int_eq(retention_store_erase_scan(erasure_store, "cust-x", NULL, &scan), 0);
	ck_assert_int_eq(scan.event_count, 1);
	/* A hit on an unknown link naming G1, after the scan. */
	exec_sql("INSERT INTO events (at, type, detail) VALUES (2, 'callback.unknown', "
		 "'{\"query\":\"success=true&installationId=" G1 "\",\"client\":\"192.0.2.7\"}');");
	struct erase_args a = { .reference = "cust-x", .scan = &scan };
	ck_assert_int_eq(store_transaction(erasure_store, erase_run, &a), 0);
	ck_assert_int_eq(a.counts.installations, 1);
	ck_assert_int_eq(a.counts.events, 2);
	ck_assert_int_eq(int_sql("SELECT count(*) FROM events WHERE detail LIKE '%" G1 "%' OR detail LIKE '%192.0.2.7%'"), 0);
	/* Another installation's event is untouched. */
	ck_assert_int_eq(int_sql("SELECT count(*) FROM events WHERE installation_id = '" G2 "'"), 1);
	retention_store_erase_scan_free(&scan);
}
END_TEST

Suite *retention_suite(void)
{
	Suite *s = suite_create("retention");
	TCase *tc = tcase_create("erasure-input");
	tcase_add_checked_fixture(tc, NULL, test_server_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_erasure_rejects_bad_input_naming_the_field);
	suite_add_tcase(s, tc);
	/* The retention store is the SQLite engine's only, for now. */
	if (test_on_postgresql())
		return s;

	tc = tcase_create("purge");
	tcase_add_checked_fixture(tc, NULL, test_server_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_rejected_callbacks_go_first_and_the_feed_answers_410_behind_them);
	tcase_add_test(tc, test_events_ended_requests_and_revoked_installations_go_on_time);
	tcase_add_test(tc, test_a_purged_installations_history_is_not_inherited);
	tcase_add_test(tc, test_feed_position_is_the_newest_event_of_the_lists_snapshot);
	tcase_add_test(tc, test_an_enabled_webhooks_undelivered_events_stay_until_it_is_disabled);
	suite_add_tcase(s, tc);

	tc = tcase_create("erasure");
	tcase_add_checked_fixture(tc, NULL, test_server_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_erasure_by_reference_leaves_no_trace_and_keeps_the_others);
	tcase_add_test(tc, test_erasure_by_installation_strips_only_that_installation);
	suite_add_tcase(s, tc);

	tc = tcase_create("erasure_store");
	tcase_add_checked_fixture(tc, erasure_store_setup, erasure_store_teardown);
	tcase_add_test(tc, test_an_erasure_reads_every_event_again_when_its_targets_changed);
	tcase_add_test(tc, test_an_erasure_strips_what_was_written_after_its_scan);
	suite_add_tcase(s, tc);
	return s;
}
