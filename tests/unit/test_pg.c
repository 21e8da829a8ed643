/*
 * test_pg.c — what only the PostgreSQL engine does: refusing an unreachable,
 * read-only or password-carrying database, re-establishing a dropped
 * connection, /readyz while the primary takes no writes, event ids in commit
 * order across connections that append at once, and the leases of background
 * work. Its tests run only when ACCESSD_TEST_PG names a server
 * (tests/with-postgresql.sh); each works in a schema of its own.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "log.h"
#include "store.h"
#include "testutil.h"

Suite *pg_suite(void);

static char dir[256], database[1024], schema[64];

static void setup(void)
{
	log_init(getenv("TEST_LOG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR);
	snprintf(dir, sizeof dir, "/tmp/accessd-pg-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	test_database_create(dir, database, sizeof database, schema, sizeof schema);
}

static void teardown(void)
{
	test_database_drop(schema);
	rmdir(dir);
}

static struct store *open_migrated(const char *db)
{
	char err[512];
	struct store *st = store_open(db, 0, err, sizeof err);
	ck_assert_msg(st != NULL, "open: %s", err);
	ck_assert_msg(store_migrate(st, err, sizeof err) == 0, "migrate: %s", err);
	return st;
}

/* Runs sql as the test, on the server's own database (not the schema). */
static void admin_exec(const char *sql)
{
	PGconn *conn = PQconnectdb(getenv("ACCESSD_TEST_PG"));
	ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "%s", PQerrorMessage(conn));
	PGresult *res = PQexec(conn, sql);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK, "%s: %s",
		      sql, PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(conn);
}

/* Ends every connection of the daemon's (they name themselves). */
static void drop_daemon_connections(void)
{
	admin_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
		   "WHERE application_name = 'zaptec-accessd' AND pid <> pg_backend_pid()");
}

START_TEST(test_an_unreachable_server_is_a_clear_error)
{
	char err[512] = "";
	struct store *st = store_open("postgresql:///accessd?host=/nonexistent-socket-dir&connect_timeout=2", 0, err,
				      sizeof err);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, "cannot connect to PostgreSQL") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "/nonexistent-socket-dir") != NULL, "the place is not named: %s", err);
}
END_TEST

START_TEST(test_a_read_only_server_is_refused_at_start_naming_the_fix)
{
	char ro[1200], err[512] = "";
	/* What a standby looks like to a session: every transaction read-only. */
	snprintf(ro, sizeof ro, "%s%%20-cdefault_transaction_read_only%%3Don", database);
	struct store *st = store_open(ro, 0, err, sizeof err);
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_migrate(st, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "read-only standby") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "target_session_attrs=read-write") != NULL, "%s", err);
	store_close(st);
}
END_TEST

START_TEST(test_a_uri_with_a_password_is_refused)
{
	char err[256] = "";
	ck_assert_int_eq(store_check_database("postgresql://accessd:pw@db.example/accessd", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "database_password_file"));
	ck_assert_int_eq(store_check_database("postgresql://db.example/accessd?sslmode=require&password=pw", err,
					      sizeof err),
			 -1);
	ck_assert_int_eq(store_check_database("postgresql://accessd@db.example:5433/accessd?sslmode=require", err,
					      sizeof err),
			 0);
}
END_TEST

START_TEST(test_instances_migrating_at_once_end_with_one_schema)
{
	struct store *a = open_migrated(database);
	struct store *b = open_migrated(database);
	ck_assert_int_eq(store_schema_version(a), store_schema_version(b));
	ck_assert_int_gt(store_schema_version(a), 0);
	store_close(a);
	store_close(b);
}
END_TEST

/* The second appender of the commit-order test, on its own connection. */
struct appender {
	struct store *st;
	int done;
};

static void *append_later(void *arg)
{
	struct appender *a = arg;
	ck_assert_int_eq(store_begin(a->st), 0);
	ck_assert_int_eq(store_savepoint(a->st), 0);
	ck_assert_int_eq(store_event_append(a->st, 1, "test.second", NULL, NULL, "second", NULL), 0);
	ck_assert_int_eq(store_release(a->st), 0);
	ck_assert_int_eq(store_commit(a->st), 0);
	__atomic_store_n(&a->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

struct seen {
	int n;
	int64_t ids[4];
	char refs[4][16];
};

static int note(void *arg, const struct event_record *e)
{
	struct seen *s = arg;
	ck_assert_int_lt(s->n, 4);
	s->ids[s->n] = e->id;
	snprintf(s->refs[s->n++], sizeof s->refs[0], "%s", e->reference);
	return 0;
}

/* The feed holds two events, ids 1 and 2, with these references. */
static void expect_two_events(struct store *reader, const char *first, const char *second)
{
	struct seen seen = { 0 };
	ck_assert_int_eq(store_event_list_after(reader, 0, 10, note, &seen), 0);
	ck_assert_int_eq(seen.n, 2);
	ck_assert_int_eq(seen.ids[0], 1);
	ck_assert_int_eq(seen.ids[1], 2);
	ck_assert_str_eq(seen.refs[0], first);
	ck_assert_str_eq(seen.refs[1], second);
}

/* Two instances append at once: the one that took its id first holds the
 * counter until it commits, so the other's id is larger and commits later. A
 * reader never sees the larger id without the smaller. */
START_TEST(test_event_ids_follow_commit_order_across_connections)
{
	struct store *first = open_migrated(database);
	struct appender second = { .st = open_migrated(database) };
	struct store *reader = open_migrated(database);
	pthread_t thread;
	struct seen seen = { 0 };

	/* As the writer runs a job: in a savepoint, whose release settles the
	 * statements the job queued. */
	ck_assert_int_eq(store_begin(first), 0);
	ck_assert_int_eq(store_savepoint(first), 0);
	ck_assert_int_eq(store_event_append(first, 1, "test.first", NULL, NULL, "first", NULL), 0);
	ck_assert_int_eq(store_release(first), 0);
	ck_assert_int_eq(pthread_create(&thread, NULL, append_later, &second), 0);
	usleep(300 * 1000);
	ck_assert_msg(!__atomic_load_n(&second.done, __ATOMIC_SEQ_CST), "the second committed before the first");
	ck_assert_int_eq(store_event_list_after(reader, 0, 10, note, &seen), 0);
	ck_assert_int_eq(seen.n, 0);
	ck_assert_int_eq(store_commit(first), 0);
	pthread_join(thread, NULL);

	expect_two_events(reader, "first", "second");
	store_close(first);
	store_close(second.st);
	store_close(reader);
}
END_TEST

/* The writer's statements go out in a pipeline, a write only queued: one
 * that fails on the server fails its own job at the job's end, even when the
 * job's code went on, and the jobs before and after it in the transaction
 * are kept, their event ids without a gap. */
START_TEST(test_a_write_failing_on_the_server_fails_its_job_alone)
{
	struct store *writer = open_migrated(database);
	struct store *reader = open_migrated(database);

	ck_assert_int_eq(store_begin(writer), 0);
	ck_assert_int_eq(store_savepoint(writer), 0);
	ck_assert_int_eq(store_event_append(writer, 1, "test.before", NULL, NULL, "before", NULL), 0);
	ck_assert_int_eq(store_release(writer), 0);
	ck_assert_int_eq(store_savepoint(writer), 0);
	/* No type: the server refuses the row (events.type is NOT NULL). */
	store_event_append(writer, 1, NULL, NULL, NULL, "failing", NULL);
	ck_assert_int_eq(store_release(writer), -1);
	ck_assert_int_eq(store_savepoint(writer), 0);
	ck_assert_int_eq(store_event_append(writer, 1, "test.after", NULL, NULL, "after", NULL), 0);
	ck_assert_int_eq(store_release(writer), 0);
	ck_assert_int_eq(store_commit(writer), 0);

	expect_two_events(reader, "before", "after");
	store_close(writer);
	store_close(reader);
}
END_TEST

START_TEST(test_a_lease_is_held_by_one_holder_until_it_expires)
{
	struct store *st = open_migrated(database);
	int held = -1;
	ck_assert_int_eq(store_lease_take(st, "zaptec", "a", 1000, 1020, &held), 0);
	ck_assert_int_eq(held, 1);
	ck_assert_int_eq(store_lease_take(st, "zaptec", "b", 1010, 1030, &held), 0);
	ck_assert_int_eq(held, 0);
	ck_assert_int_eq(store_lease_take(st, "zaptec", "a", 1010, 1030, &held), 0); /* renewed */
	ck_assert_int_eq(held, 1);
	ck_assert_int_eq(store_lease_take(st, "zaptec", "b", 1029, 1049, &held), 0);
	ck_assert_int_eq(held, 0);
	ck_assert_int_eq(store_lease_take(st, "zaptec", "b", 1030, 1050, &held), 0); /* expired: taken over */
	ck_assert_int_eq(held, 1);
	ck_assert_int_eq(store_lease_release(st, "zaptec", "b"), 0);
	ck_assert_int_eq(store_lease_take(st, "zaptec", "a", 1031, 1051, &held), 0);
	ck_assert_int_eq(held, 1);
	store_close(st);
}
END_TEST

/* ---- the daemon ---- */

static void create_ok(void)
{
	struct test_response r;
	test_admin_post(&r, "/api/v1/access-requests", "{}");
	ck_assert_int_eq(r.status, 201);
	test_response_free(&r);
}

START_TEST(test_a_dropped_connection_is_reestablished)
{
	struct test_response r;
	test_server_start(NULL);
	create_ok();
	drop_daemon_connections();
	/* The writer's idle connection and the readers' reconnect on their next use. */
	create_ok();
	test_admin_get(&r, "/api/v1/events");
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events"), 2);
	ck_assert_int_eq(test_db_int("SELECT max(id) FROM events"), 2);
	test_server_teardown();
}
END_TEST

START_TEST(test_readyz_is_503_while_the_primary_takes_no_writes)
{
	struct test_response r;
	char sql[256];
	test_server_start(NULL);
	test_http(&r, "GET", test_admin_url("/readyz"), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);

	snprintf(sql, sizeof sql, "ALTER ROLE accessd IN DATABASE accessd SET default_transaction_read_only = on");
	admin_exec(sql);
	drop_daemon_connections();
	test_http(&r, "GET", test_admin_url("/readyz"), NULL, NULL, 0);
	admin_exec("BEGIN READ WRITE; ALTER ROLE accessd IN DATABASE accessd RESET default_transaction_read_only; "
		   "COMMIT");
	ck_assert_int_eq(r.status, 503);
	test_response_free(&r);

	drop_daemon_connections();
	test_http(&r, "GET", test_admin_url("/readyz"), NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	test_server_teardown();
}
END_TEST

Suite *pg_suite(void)
{
	Suite *s = suite_create("pg");
	if (!test_on_postgresql())
		return s;
	TCase *tc = tcase_create("engine");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_an_unreachable_server_is_a_clear_error);
	tcase_add_test(tc, test_a_read_only_server_is_refused_at_start_naming_the_fix);
	tcase_add_test(tc, test_a_uri_with_a_password_is_refused);
	tcase_add_test(tc, test_instances_migrating_at_once_end_with_one_schema);
	tcase_add_test(tc, test_event_ids_follow_commit_order_across_connections);
	tcase_add_test(tc, test_a_write_failing_on_the_server_fails_its_job_alone);
	tcase_add_test(tc, test_a_lease_is_held_by_one_holder_until_it_expires);
	suite_add_tcase(s, tc);

	tc = tcase_create("daemon");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_a_dropped_connection_is_reestablished);
	tcase_add_test(tc, test_readyz_is_503_while_the_primary_takes_no_writes);
	suite_add_tcase(s, tc);
	return s;
}
