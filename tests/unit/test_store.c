/*
 * test_store.c — the store's SQLite engine and the writer: migrations on a fresh and on
 * an already migrated file, the refusal of a file newer than the binary, the
 * connection settings, and the writer's group commit with its per-job
 * savepoints. Each test works on a database of its own in a temporary directory.
 */
#include <check.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "log.h"
#include "store_sqlite.h"
#include "testutil.h"
#include "writer.h"

Suite *store_suite(void);

#define JOBS 64

static char dir[256];
static char db_path[512];
static char database[1024], schema[64]; /* the writer's: this file, or a PostgreSQL schema */

static void setup(void)
{
	log_init(getenv("TEST_LOG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR);
	snprintf(dir, sizeof dir, "/tmp/accessd-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db_path, sizeof db_path, "%s/accessd.db", dir);
	test_database_create(dir, database, sizeof database, schema, sizeof schema);
}

static void teardown(void)
{
	char cmd[300];
	writer_stop();
	test_database_drop(schema);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static int newest_version(void)
{
	ck_assert_uint_gt(store_sqlite_migrations_count, 0);
	return store_sqlite_migrations[store_sqlite_migrations_count - 1].version;
}

/* Opens the test database with the daemon's settings and migrates it. */
static struct store *open_migrated(void)
{
	char err[512];
	struct store *st = store_open(db_path, 1, err, sizeof err);
	ck_assert_msg(st != NULL, "open: %s", err);
	ck_assert_msg(store_migrate(st, err, sizeof err) == 0, "migrate: %s", err);
	return st;
}

/* One integer from sql on the store's own connection. */
static long long query_int(struct store *st, const char *sql)
{
	sqlite3_stmt *stmt;
	ck_assert_msg(sqlite3_prepare_v2(store_sqlite_db(st), sql, -1, &stmt, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(store_sqlite_db(st)));
	ck_assert_msg(sqlite3_step(stmt) == SQLITE_ROW, "%s: no row", sql);
	long long v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static const char *query_text(struct store *st, const char *sql)
{
	static char value[256];
	sqlite3_stmt *stmt;
	ck_assert_int_eq(sqlite3_prepare_v2(store_sqlite_db(st), sql, -1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	snprintf(value, sizeof value, "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return value;
}

static void exec(struct store *st, const char *sql)
{
	char *msg = NULL;
	ck_assert_msg(sqlite3_exec(store_sqlite_db(st), sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql, msg);
}

/* ---- migrations ---- */

START_TEST(test_a_fresh_file_gets_every_migration)
{
	struct store *st = open_migrated();
	ck_assert_int_eq(store_schema_version(st), newest_version());
	ck_assert_int_eq(query_int(st, "PRAGMA user_version"), newest_version());
	static const char *const tables[] = { "access_requests", "installations", "events", "verifications",
					      "health" };
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		char sql[160];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
			 tables[i]);
		ck_assert_msg(query_int(st, sql) == 1, "table %s is missing", tables[i]);
	}
	store_close(st);
}
END_TEST

START_TEST(test_migrating_a_migrated_file_changes_nothing_and_keeps_the_data)
{
	struct store *st = open_migrated();
	exec(st, "INSERT INTO events (at, type, reference) VALUES (1700000000, 'request.created', 'kept')");
	long long tables = query_int(st, "SELECT count(*) FROM sqlite_master");
	store_close(st);

	st = open_migrated();
	ck_assert_int_eq(store_schema_version(st), newest_version());
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM sqlite_master"), tables);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM events WHERE reference = 'kept'"), 1);
	/* And a third time on the same connection. */
	char err[512];
	ck_assert_msg(store_migrate(st, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM events"), 1);
	store_close(st);
}
END_TEST

/* The types of the events an installation's history visits. */
struct history {
	int n;
	char types[4][32];
};

static int note_event(void *arg, const struct event_record *e)
{
	struct history *h = arg;
	ck_assert_int_lt(h->n, 4);
	snprintf(h->types[h->n++], sizeof h->types[0], "%s", e->type);
	return 0;
}

/* Requests written under schema version 2 keep every column and their seq
 * (list cursors refer to it) when 003 rebuilds the table to allow cancelled;
 * the rebuilt table still refuses a status outside the contract. */
START_TEST(test_requests_written_under_version_2_survive_the_rebuild_for_cancelled)
{
	char err[512];
	struct store *st = store_open(db_path, 1, err, sizeof err);
	ck_assert_msg(st != NULL, "open: %s", err);
	ck_assert_int_eq(store_sqlite_migrations[1].version, 2);
	exec(st, store_sqlite_migrations[0].sql);
	exec(st, store_sqlite_migrations[1].sql);
	exec(st, "PRAGMA user_version = 2");
	exec(st, "INSERT INTO access_requests (seq, id, token_hash, reference, installation_type, partner_name, "
		 "lang, lang_given, status, created_at, expires_at, opened_at) VALUES "
		 "(7, 'r7', x'01', 'crm-7', 1, 'P', 'nb-NO', 1, 'opened', 10, 20, 15), "
		 "(9, 'r9', x'02', NULL, 0, 'P', 'en', 0, 'denied', 11, 21, NULL)");

	ck_assert_msg(store_migrate(st, err, sizeof err) == 0, "migrate: %s", err);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM access_requests"), 2);
	ck_assert_int_eq(query_int(st, "SELECT seq FROM access_requests WHERE id = 'r7' AND reference = 'crm-7' "
				       "AND lang = 'nb-NO' AND lang_given = 1 AND status = 'opened' AND opened_at = 15"), 7);
	ck_assert_int_eq(query_int(st, "SELECT seq FROM access_requests WHERE id = 'r9' AND status = 'denied'"), 9);
	exec(st, "UPDATE access_requests SET status = 'cancelled' WHERE seq = 7");
	ck_assert_int_ne(sqlite3_exec(store_sqlite_db(st), "UPDATE access_requests SET status = 'gone' WHERE seq = 9",
				      NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
				       "AND name IN ('access_requests_reference', 'access_requests_open_expiry')"), 2);
	store_close(st);
}
END_TEST

/* A file written under schema version 1 keeps every installation's history
 * when 002 moves the history index from the GUID to the installation's row. */
START_TEST(test_history_written_under_version_1_survives_the_move_to_version_2)
{
	char err[512];
	struct store *st = store_open(db_path, 1, err, sizeof err);
	ck_assert_msg(st != NULL, "open: %s", err);
	ck_assert_int_eq(store_sqlite_migrations[0].version, 1);
	exec(st, store_sqlite_migrations[0].sql);
	exec(st, "PRAGMA user_version = 1");
	exec(st, "INSERT INTO installations (installation_id, status, updated_at) "
		 "VALUES ('0b6f8f2e-3d55-4c1a-9a7e-5d2b8c4f1a90', 'granted', 1)");
	exec(st, "INSERT INTO events (at, type, installation_id) VALUES "
		 "(1, 'callback.granted', '0b6f8f2e-3d55-4c1a-9a7e-5d2b8c4f1a90'), "
		 "(2, 'callback.denied', '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f'), "
		 "(3, 'installation.revoked', '0b6f8f2e-3d55-4c1a-9a7e-5d2b8c4f1a90')");

	ck_assert_msg(store_migrate(st, err, sizeof err) == 0, "migrate: %s", err);
	ck_assert_int_eq(store_schema_version(st), newest_version());
	/* The operation the installation API reads the history with. */
	struct history h = { .n = 0 };
	ck_assert_int_eq(store_event_list_by_installation(st, "0b6f8f2e-3d55-4c1a-9a7e-5d2b8c4f1a90", 100,
							  note_event, &h), 0);
	ck_assert_int_eq(h.n, 2);
	ck_assert_str_eq(h.types[0], "callback.granted");
	ck_assert_str_eq(h.types[1], "installation.revoked");
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM events WHERE installation_seq IS NULL"), 1);
	store_close(st);
}
END_TEST

START_TEST(test_a_file_newer_than_the_binary_is_refused_naming_both_versions)
{
	struct store *st = open_migrated();
	exec(st, "PRAGMA user_version = 999");
	store_close(st);

	char err[512], expected_newest[32];
	st = store_open(db_path, 0, err, sizeof err);
	ck_assert_msg(st != NULL, "%s", err);
	err[0] = '\0';
	ck_assert_int_eq(store_migrate(st, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "999") != NULL, "the file's version is not named: %s", err);
	snprintf(expected_newest, sizeof expected_newest, "binary's %d", newest_version());
	ck_assert_msg(strstr(err, expected_newest) != NULL, "the binary's version is not named: %s", err);
	/* Nothing was changed: the version stays. */
	ck_assert_int_eq(store_schema_version(st), 999);
	store_close(st);
}
END_TEST

START_TEST(test_opening_a_missing_file_without_create_fails)
{
	char err[512] = "";
	struct store *st = store_open(db_path, 0, err, sizeof err);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, db_path) != NULL, "the path is not named: %s", err);
}
END_TEST

START_TEST(test_connections_use_wal_full_sync_and_foreign_keys)
{
	struct store *st = open_migrated();
	ck_assert_str_eq(query_text(st, "PRAGMA journal_mode"), "wal");
	ck_assert_int_eq(query_int(st, "PRAGMA synchronous"), 2); /* FULL */
	ck_assert_int_eq(query_int(st, "PRAGMA foreign_keys"), 1);
	ck_assert_int_gt(query_int(st, "PRAGMA busy_timeout"), 0);
	store_close(st);

	/* A reader connection has them too, and cannot write. */
	store_set_path(db_path);
	struct store *reader = store_reader();
	ck_assert_ptr_nonnull(reader);
	ck_assert_str_eq(query_text(reader, "PRAGMA journal_mode"), "wal");
	ck_assert_int_eq(query_int(reader, "PRAGMA synchronous"), 2);
	ck_assert_int_eq(query_int(reader, "PRAGMA query_only"), 1);
	ck_assert_int_ne(sqlite3_exec(store_sqlite_db(reader), "DELETE FROM events", NULL, NULL, NULL), SQLITE_OK);
	store_reader_release();
}
END_TEST

START_TEST(test_store_close_accepts_null)
{
	store_close(NULL);
	struct store *st = open_migrated();
	store_close(st);
}
END_TEST

/* ---- the writer ---- */

/* What the test knows of its jobs: each one's outcome as done() reported it. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int finished;
	int status[JOBS];
	sem_t gate_entered; /* the gate job has started */
	sem_t release_gate; /* the gate job waits on this */
} jobs = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

struct test_job {
	struct writer_job job;
	int index;
	int fail;          /* run returns -1 after writing */
	char reference[32];
};

/* Writes one event named by the job's reference; fails on request, after the
 * write, so that a rollback has something to undo. */
static int job_run(struct store *st, void *arg)
{
	struct test_job *t = arg;
	if (events_append(st, 1700000000, "test.job", NULL, NULL, t->reference, NULL) != 0)
		return -1;
	return t->fail ? -1 : 0;
}

static void job_done(void *arg, int status)
{
	struct test_job *t = arg;
	pthread_mutex_lock(&jobs.lock);
	jobs.status[t->index] = status;
	jobs.finished++;
	pthread_cond_broadcast(&jobs.cond);
	pthread_mutex_unlock(&jobs.lock);
}

/* Holds the writer inside its first transaction until the test has queued the
 * jobs it wants in one batch, so the batch does not depend on timing. */
static int gate_run(struct store *st, void *arg)
{
	(void)st;
	(void)arg;
	sem_post(&jobs.gate_entered);
	sem_wait(&jobs.release_gate);
	return 0;
}

static void gate_done(void *arg, int status)
{
	(void)arg;
	(void)status;
}

/* Waits, up to 20 seconds, until n jobs reported done. */
static void wait_for_jobs(int n)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 20;
	pthread_mutex_lock(&jobs.lock);
	while (jobs.finished < n) {
		if (pthread_cond_timedwait(&jobs.cond, &jobs.lock, &deadline) != 0)
			break;
	}
	int finished = jobs.finished;
	pthread_mutex_unlock(&jobs.lock);
	ck_assert_msg(finished == n, "only %d of %d jobs finished", finished, n);
}

static void start_writer(void)
{
	char err[512];
	struct store *st = store_open(database, 1, err, sizeof err);
	ck_assert_msg(st != NULL, "open: %s", err);
	ck_assert_msg(store_migrate(st, err, sizeof err) == 0, "migrate: %s", err);
	store_close(st);
	ck_assert_msg(writer_start(database, err, sizeof err) == 0, "%s", err);
	jobs.finished = 0; /* tests share this process when Check does not fork */
	ck_assert_int_eq(sem_init(&jobs.gate_entered, 0, 0), 0);
	ck_assert_int_eq(sem_init(&jobs.release_gate, 0, 0), 0);
}

/* Queues the gate job and waits (up to 20 seconds) until the writer runs it:
 * every job queued after this returns lands in the next transaction. */
static void close_gate(struct writer_job *gate)
{
	struct timespec deadline;
	*gate = (struct writer_job){ .run = gate_run, .done = gate_done };
	writer_submit(gate);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 20;
	ck_assert_msg(sem_timedwait(&jobs.gate_entered, &deadline) == 0, "the writer did not start the gate job");
}

/* What count_events counts: events of a type, or with a reference. */
struct count {
	const char *type, *reference;
	long long n;
};

static int count_one(void *arg, const struct event_record *e)
{
	struct count *c = arg;
	if ((c->type && e->type && strcmp(c->type, e->type) == 0) ||
	    (c->reference && e->reference && strcmp(c->reference, e->reference) == 0))
		c->n++;
	return 0;
}

/* The events of this type (or, type NULL, with this reference), read through
 * a reader connection of the store as the daemon's API would. */
static long long count_events(const char *type, const char *reference)
{
	struct count c = { .type = type, .reference = reference };
	store_set_path(database);
	struct store *reader = store_reader();
	ck_assert_ptr_nonnull(reader);
	ck_assert_int_eq(store_event_list_after(reader, 0, 1000, count_one, &c), 0);
	store_reader_release();
	return c.n;
}

START_TEST(test_jobs_queued_together_share_one_commit)
{
	static struct test_job list[JOBS];
	struct writer_job gate;
	struct writer_stats before, after;

	start_writer();
	writer_stats(&before);
	close_gate(&gate);
	for (int i = 0; i < JOBS; i++) {
		list[i] = (struct test_job){ .job = { .run = job_run, .done = job_done, .arg = &list[i] }, .index = i };
		snprintf(list[i].reference, sizeof list[i].reference, "job-%d", i);
		jobs.status[i] = 99;
		writer_submit(&list[i].job);
	}
	sem_post(&jobs.release_gate);
	wait_for_jobs(JOBS);

	for (int i = 0; i < JOBS; i++)
		ck_assert_msg(jobs.status[i] == 0, "job %d finished with %d", i, jobs.status[i]);
	writer_stats(&after);
	ck_assert_uint_eq(after.jobs - before.jobs, JOBS + 1);
	/* The gate's transaction, then one for all the jobs queued behind it. */
	ck_assert_uint_eq(after.commits - before.commits, 2);
	/* The jobs' commit appended at least the page they changed and page 1. */
	if (!test_on_postgresql())
		ck_assert_uint_ge(after.wal_frames - before.wal_frames, 2);
	ck_assert(after.busy_seconds > before.busy_seconds);
	ck_assert_int_eq(count_events("test.job", NULL), JOBS);
}
END_TEST

START_TEST(test_a_failing_job_is_rolled_back_alone)
{
	static struct test_job list[3];
	struct writer_job gate;
	static const char *const refs[] = { "before", "failing", "after" };

	start_writer();
	close_gate(&gate);
	for (int i = 0; i < 3; i++) {
		list[i] = (struct test_job){ .job = { .run = job_run, .done = job_done, .arg = &list[i] },
					     .index = i,
					     .fail = i == 1 };
		snprintf(list[i].reference, sizeof list[i].reference, "%s", refs[i]);
		jobs.status[i] = 99;
		writer_submit(&list[i].job);
	}
	sem_post(&jobs.release_gate);
	wait_for_jobs(3);

	ck_assert_int_eq(jobs.status[0], 0);
	ck_assert_int_eq(jobs.status[1], -1);
	ck_assert_int_eq(jobs.status[2], 0);
	ck_assert_int_eq(count_events(NULL, "before"), 1);
	ck_assert_int_eq(count_events(NULL, "failing"), 0);
	ck_assert_int_eq(count_events(NULL, "after"), 1);
}
END_TEST

static int run_ok(struct store *st, void *arg)
{
	return events_append(st, 1700000000, "test.run", NULL, NULL, arg, NULL);
}

static int run_fail(struct store *st, void *arg)
{
	events_append(st, 1700000000, "test.run", NULL, NULL, arg, NULL);
	return -1;
}

START_TEST(test_writer_run_returns_the_jobs_status)
{
	start_writer();
	ck_assert_int_eq(writer_run(run_ok, "kept"), 0);
	ck_assert_int_eq(writer_run(run_fail, "undone"), -1);
	ck_assert_int_eq(count_events(NULL, "kept"), 1);
	ck_assert_int_eq(count_events(NULL, "undone"), 0);
}
END_TEST

START_TEST(test_a_job_after_the_writer_stopped_fails_at_once)
{
	start_writer();
	writer_stop();
	ck_assert_int_eq(writer_run(run_ok, "late"), -1);
	ck_assert_int_eq(count_events(NULL, "late"), 0);
}
END_TEST

Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	/* The migrations and settings of the SQLite engine; PostgreSQL's are in
	 * test_pg.c. The writer's tests run on either. */
	TCase *tc = tcase_create("migrations");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a_fresh_file_gets_every_migration);
	tcase_add_test(tc, test_migrating_a_migrated_file_changes_nothing_and_keeps_the_data);
	tcase_add_test(tc, test_history_written_under_version_1_survives_the_move_to_version_2);
	tcase_add_test(tc, test_requests_written_under_version_2_survive_the_rebuild_for_cancelled);
	tcase_add_test(tc, test_a_file_newer_than_the_binary_is_refused_naming_both_versions);
	tcase_add_test(tc, test_opening_a_missing_file_without_create_fails);
	tcase_add_test(tc, test_connections_use_wal_full_sync_and_foreign_keys);
	tcase_add_test(tc, test_store_close_accepts_null);
	if (!test_on_postgresql())
		suite_add_tcase(s, tc);

	tc = tcase_create("writer");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_jobs_queued_together_share_one_commit);
	tcase_add_test(tc, test_a_failing_job_is_rolled_back_alone);
	tcase_add_test(tc, test_writer_run_returns_the_jobs_status);
	tcase_add_test(tc, test_a_job_after_the_writer_stopped_fails_at_once);
	suite_add_tcase(s, tc);
	return s;
}
