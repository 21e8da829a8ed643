/*
 * test_installations_api.c — the admin API's installations and event feed
 * through a real daemon: listing with filters and cursor paging, one
 * installation with its history, revoke and re-grant, and the event feed read
 * page by page.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

Suite *installations_api_suite(void);

static const char *const guids[] = {
	"00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002",
	"00000000-0000-4000-8000-000000000003", "00000000-0000-4000-8000-000000000004",
	"00000000-0000-4000-8000-000000000005",
};
#define GUID_COUNT (sizeof guids / sizeof guids[0])

/* Creates a request with reference (may be NULL) and sends Zaptec's granted
 * callback for guid to it; the request's id goes to id (37 bytes). */
static void grant(const char *guid, const char *reference, char *id)
{
	char json[256], path[256];
	struct test_response r;
	if (reference)
		snprintf(json, sizeof json, "{\"reference\":\"%s\"}", reference);
	else
		snprintf(json, sizeof json, "{}");
	const char *token = test_create_request(json, id);
	snprintf(path, sizeof path, "/access-result/%s?success=true&installationId=%s", token, guid);
	test_http(&r, "GET", test_public_url(path), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
}

/* GETs path on the admin API, expecting status; returns the body as JSON. */
static json_t *get_json(const char *path, long status)
{
	struct test_response r;
	test_admin_get(&r, path);
	ck_assert_msg(r.status == status, "GET %s: %ld %s", path, r.status, r.body);
	if (status >= 400)
		ck_assert_str_eq(test_header(&r, "Content-Type"), "application/problem+json");
	json_t *j = test_json(&r);
	test_response_free(&r);
	return j;
}

static void expect_status(const char *path, long status)
{
	json_decref(get_json(path, status));
}

static json_t *revoke(const char *guid, const char *body, long status)
{
	char path[128];
	struct test_response r;
	snprintf(path, sizeof path, "/api/v1/installations/%s/revoke", guid);
	test_admin_post(&r, path, body);
	ck_assert_msg(r.status == status, "revoke: %ld %s", r.status, r.body);
	json_t *j = test_json(&r);
	test_response_free(&r);
	return j;
}

static const char *str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The installation ids of a list answer, joined by spaces, in a static buffer. */
static const char *ids_of(json_t *list)
{
	static char out[1024];
	size_t i;
	json_t *item;
	out[0] = '\0';
	json_array_foreach(json_object_get(list, "items"), i, item) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, str(item, "installationId"));
	}
	return out;
}

/* Grants every guid, then gives them update times out of their creation order
 * (two equal, so the tie-break shows): 3 newest, then 5 and 1 at the same time
 * (5 created later, so first), then 4, then 2. */
static void grant_all(void)
{
	char id[37];
	static const char *const refs[] = { "cust-a", "cust-b", "cust-a", "cust-c", "cust-b" };
	for (size_t i = 0; i < GUID_COUNT; i++)
		grant(guids[i], refs[i], id);
	test_db_exec("UPDATE installations SET updated_at = CASE substr(installation_id, -1) "
		"WHEN '1' THEN 4000 WHEN '2' THEN 2000 WHEN '3' THEN 5000 WHEN '4' THEN 3000 "
		"WHEN '5' THEN 4000 END");
}

#define G(n) "00000000-0000-4000-8000-00000000000" #n

START_TEST(test_list_is_most_recently_updated_first)
{
	grant_all();
	json_t *j = get_json("/api/v1/installations", 200);
	ck_assert_str_eq(ids_of(j), G(3) " " G(5) " " G(1) " " G(4) " " G(2));
	ck_assert(json_is_null(json_object_get(j, "nextCursor")));
	json_t *first = json_array_get(json_object_get(j, "items"), 0);
	ck_assert_str_eq(str(first, "updatedAt"), "1970-01-01T01:23:20Z");
	json_decref(j);
}
END_TEST

START_TEST(test_paging_one_at_a_time_has_no_gaps_or_repeats)
{
	char path[256], seen[1024] = "";
	const char *cursor = NULL;
	char cursor_copy[128];
	int pages = 0;
	grant_all();
	for (;;) {
		if (cursor)
			snprintf(path, sizeof path, "/api/v1/installations?limit=1&cursor=%s", cursor);
		else
			snprintf(path, sizeof path, "/api/v1/installations?limit=1");
		json_t *j = get_json(path, 200);
		ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
		if (pages > 0)
			strcat(seen, " ");
		strcat(seen, ids_of(j));
		pages++;
		ck_assert_int_le(pages, (int)GUID_COUNT);
		json_t *next = json_object_get(j, "nextCursor");
		if (json_is_null(next)) {
			json_decref(j);
			break;
		}
		snprintf(cursor_copy, sizeof cursor_copy, "%s", json_string_value(next));
		cursor = cursor_copy;
		json_decref(j);
	}
	ck_assert_int_eq(pages, (int)GUID_COUNT);
	ck_assert_str_eq(seen, G(3) " " G(5) " " G(1) " " G(4) " " G(2));
}
END_TEST

START_TEST(test_list_filters_by_status_reference_and_updated_since)
{
	grant_all();
	json_decref(revoke(guids[3], "{}", 200));
	test_db_exec("UPDATE installations SET updated_at = 3000 WHERE installation_id = '" G(4) "'");

	json_t *j = get_json("/api/v1/installations?status=revoked", 200);
	ck_assert_str_eq(ids_of(j), G(4));
	json_decref(j);
	j = get_json("/api/v1/installations?status=granted", 200);
	ck_assert_str_eq(ids_of(j), G(3) " " G(5) " " G(1) " " G(2));
	json_decref(j);
	j = get_json("/api/v1/installations?reference=cust-b", 200);
	ck_assert_str_eq(ids_of(j), G(5) " " G(2));
	json_decref(j);
	j = get_json("/api/v1/installations?reference=cust-a&status=granted", 200);
	ck_assert_str_eq(ids_of(j), G(3) " " G(1));
	json_decref(j);
	/* 3000 seconds after the epoch: 3 and the equal ones included. */
	j = get_json("/api/v1/installations?updatedSince=1970-01-01T00:50:00Z", 200);
	ck_assert_str_eq(ids_of(j), G(3) " " G(5) " " G(1) " " G(4));
	json_decref(j);
	j = get_json("/api/v1/installations?reference=nobody", 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
}
END_TEST

START_TEST(test_list_rejects_bad_queries)
{
	expect_status("/api/v1/installations?limit=0", 400);
	expect_status("/api/v1/installations?limit=1001", 400);
	expect_status("/api/v1/installations?limit=ten", 400);
	expect_status("/api/v1/installations?limit=1000", 200);
	expect_status("/api/v1/installations?colour=red", 400);
	expect_status("/api/v1/installations?status=happy", 400);
	expect_status("/api/v1/installations?updatedSince=yesterday", 400);
	expect_status("/api/v1/installations?cursor=garbage", 400);
	json_t *j = get_json("/api/v1/installations?colour=red", 400);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), 400);
	json_t *err = json_array_get(json_object_get(j, "errors"), 0);
	ck_assert_str_eq(str(err, "field"), "colour");
	json_decref(j);
}
END_TEST

START_TEST(test_get_one_shows_the_object_and_its_history)
{
	char id[37], path[128];
	grant(guids[0], "cust-a", id);
	snprintf(path, sizeof path, "/api/v1/installations/%s", guids[0]);
	json_t *j = get_json(path, 200);
	ck_assert_str_eq(str(j, "installationId"), guids[0]);
	ck_assert_str_eq(str(j, "status"), "granted");
	ck_assert_str_eq(str(j, "installationType"), "go");
	ck_assert_str_eq(str(j, "reference"), "cust-a");
	ck_assert_str_eq(str(j, "requestId"), id);
	ck_assert_ptr_nonnull(str(j, "grantedAt"));
	ck_assert_ptr_nonnull(str(j, "updatedAt"));
	ck_assert_int_eq(strlen(str(j, "grantedAt")), 20);
	ck_assert(json_is_null(json_object_get(j, "revokedAt")));
	ck_assert(json_is_null(json_object_get(j, "verification")));
	json_t *history = json_object_get(j, "history");
	ck_assert_int_eq(json_array_size(history), 1);
	json_t *e = json_array_get(history, 0);
	ck_assert_str_eq(str(e, "type"), "callback.granted");
	ck_assert_str_eq(str(e, "requestId"), id);
	ck_assert_str_eq(str(e, "installationId"), guids[0]);
	ck_assert_str_eq(str(e, "reference"), "cust-a");
	json_decref(j);

	expect_status("/api/v1/installations/00000000-0000-4000-8000-00000000000a", 404);
	expect_status("/api/v1/installations/not-a-guid", 400);
}
END_TEST

START_TEST(test_revoke_is_idempotent_and_a_new_grant_restores_access)
{
	char first[37], second[37], path[128];
	grant(guids[0], "cust-a", first);

	json_t *j = revoke(guids[0], "{\"reason\":\"customer left\"}", 200);
	ck_assert_str_eq(str(j, "status"), "revoked");
	ck_assert_ptr_nonnull(str(j, "revokedAt"));
	ck_assert_str_eq(str(j, "requestId"), first);
	json_decref(j);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events WHERE type = 'installation.revoked'"), 1);
	ck_assert_str_eq(test_db_text("SELECT json_extract(detail, '$.source') FROM events "
				      "WHERE type = 'installation.revoked'"),
			 "api");
	ck_assert_str_eq(test_db_text("SELECT json_extract(detail, '$.reason') FROM events "
				      "WHERE type = 'installation.revoked'"),
			 "customer left");

	/* Again, with no body at all: the same answer and no second event. */
	snprintf(path, sizeof path, "/api/v1/installations/%s/revoke", guids[0]);
	struct test_response r;
	test_http(&r, "POST", test_admin_url(path), NULL, NULL, 1);
	ck_assert_int_eq(r.status, 200);
	j = test_json(&r);
	test_response_free(&r);
	ck_assert_str_eq(str(j, "status"), "revoked");
	json_decref(j);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events WHERE type = 'installation.revoked'"), 1);

	/* The customer grants access again through a new request. */
	grant(guids[0], "cust-z", second);
	snprintf(path, sizeof path, "/api/v1/installations/%s", guids[0]);
	j = get_json(path, 200);
	ck_assert_str_eq(str(j, "status"), "granted");
	ck_assert_str_eq(str(j, "reference"), "cust-z");
	ck_assert_str_eq(str(j, "requestId"), second);
	ck_assert(json_is_null(json_object_get(j, "revokedAt")));
	json_t *history = json_object_get(j, "history");
	ck_assert_int_eq(json_array_size(history), 3);
	ck_assert_str_eq(str(json_array_get(history, 0), "type"), "callback.granted");
	ck_assert_str_eq(str(json_array_get(history, 0), "requestId"), first);
	ck_assert_str_eq(str(json_array_get(history, 1), "type"), "installation.revoked");
	ck_assert_str_eq(str(json_array_get(history, 2), "type"), "callback.granted");
	ck_assert_str_eq(str(json_array_get(history, 2), "requestId"), second);
	json_int_t previous = 0;
	for (size_t i = 0; i < 3; i++) {
		json_int_t eid = json_integer_value(json_object_get(json_array_get(history, i), "id"));
		ck_assert_int_gt(eid, previous);
		previous = eid;
	}
	json_decref(j);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM installations"), 1);
}
END_TEST

START_TEST(test_revoke_rejects_unknown_fields_and_ids)
{
	char id[37];
	grant(guids[0], NULL, id);
	json_decref(revoke(guids[0], "{\"why\":\"x\"}", 400));
	json_decref(revoke(guids[0], "{\"reason\":7}", 400));
	ck_assert_str_eq(test_db_text("SELECT status FROM installations"), "granted");
	json_decref(revoke(guids[1], "{}", 404));
	json_decref(revoke("not-a-guid", "{}", 400));
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events WHERE type = 'installation.revoked'"), 0);
}
END_TEST

START_TEST(test_event_feed_pages_through_every_event_in_order)
{
	char id[37], path[128];
	struct test_response r;
	for (size_t i = 0; i < 3; i++)
		grant(guids[i], "cust-a", id);
	json_decref(revoke(guids[0], "{}", 200));
	test_http(&r, "GET", test_public_url("/access-result/x?success=maybe"), NULL, NULL, 0);
	test_response_free(&r);
	long long total = test_db_int("SELECT count(*) FROM events");
	ck_assert_int_ge(total, 8);

	json_int_t after = 0, seen = 0;
	const char *first_type = NULL;
	for (int pages = 0;; pages++) {
		ck_assert_int_le(pages, total);
		snprintf(path, sizeof path, "/api/v1/events?after=%lld&limit=3", (long long)after);
		json_t *j = get_json(path, 200);
		json_t *items = json_object_get(j, "items");
		size_t i;
		json_t *e;
		ck_assert_int_le(json_array_size(items), 3);
		json_array_foreach(items, i, e) {
			json_int_t eid = json_integer_value(json_object_get(e, "id"));
			char sql[128];
			/* The next event in the log, none skipped and none twice. */
			snprintf(sql, sizeof sql, "SELECT min(id) FROM events WHERE id > %lld", (long long)after);
			ck_assert_int_eq(eid, test_db_int(sql));
			ck_assert_ptr_nonnull(str(e, "at"));
			ck_assert_ptr_nonnull(str(e, "type"));
			ck_assert(json_is_object(json_object_get(e, "detail")));
			if (seen == 0)
				first_type = strdup(str(e, "type"));
			after = eid;
			seen++;
		}
		ck_assert_int_eq(json_integer_value(json_object_get(j, "nextAfter")), after);
		size_t n = json_array_size(items);
		json_decref(j);
		if (n == 0)
			break;
	}
	ck_assert_int_eq(seen, total);
	ck_assert_str_eq(first_type, "request.created");
	free((char *)first_type);
}
END_TEST

START_TEST(test_event_feed_rejects_bad_queries)
{
	expect_status("/api/v1/events?after=0&limit=0", 400);
	expect_status("/api/v1/events?after=0&limit=1001", 400);
	expect_status("/api/v1/events?after=abc", 400);
	expect_status("/api/v1/events?after=-1", 400);
	expect_status("/api/v1/events?since=0", 400);
	json_t *j = get_json("/api/v1/events", 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "nextAfter")), 0);
	json_decref(j);
}
END_TEST

Suite *installations_api_suite(void)
{
	Suite *s = suite_create("installations_api");
	TCase *tc = tcase_create("installations");
	tcase_add_checked_fixture(tc, test_server_setup, test_server_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_list_is_most_recently_updated_first);
	tcase_add_test(tc, test_paging_one_at_a_time_has_no_gaps_or_repeats);
	tcase_add_test(tc, test_list_filters_by_status_reference_and_updated_since);
	tcase_add_test(tc, test_list_rejects_bad_queries);
	tcase_add_test(tc, test_get_one_shows_the_object_and_its_history);
	tcase_add_test(tc, test_revoke_is_idempotent_and_a_new_grant_restores_access);
	tcase_add_test(tc, test_revoke_rejects_unknown_fields_and_ids);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_add_checked_fixture(tc, test_server_setup, test_server_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_event_feed_pages_through_every_event_in_order);
	tcase_add_test(tc, test_event_feed_rejects_bad_queries);
	suite_add_tcase(s, tc);
	return s;
}
