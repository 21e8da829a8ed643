/*
 * sqlite_rate.c — the reference for durable callbacks: how many one-row
 * SQLite transactions a second this disk sustains with journal_mode=WAL and
 * synchronous=FULL, each committed (and fsynced) on its own.
 *
 *   sqlite_rate DATABASE SECONDS
 *
 * Creates a fresh table in DATABASE (which should live on the disk under
 * test), inserts one row a transaction for SECONDS seconds, and prints one
 * JSON object: {"rows": N, "seconds": S, "rate": N/S}. Exit status 0, or 1
 * with a message on standard error.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A row about the size of a recorded callback: a GUID, a reference and a
 * short JSON detail, so the rate is not flattered by empty rows. */
static const char row_detail[] =
	"{\"query\":\"success=true&installationId=0b6f8f2e-3d55-4c1a-9a7e-5d2b8c4f1a90\","
	"\"classification\":\"granted\"}";

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs one statement that returns no rows we need; reports failures. Returns 0 or -1. */
static int exec_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "sqlite_rate: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Inserts rows one autocommit transaction each until seconds have passed.
 * Returns the number of rows committed, or -1 on a database error. */
static long insert_for(sqlite3 *db, double seconds)
{
	sqlite3_stmt *stmt = NULL;
	double start, deadline;
	long rows = 0;

	if (sqlite3_prepare_v2(db, "INSERT INTO rate_rows (at, reference, detail) VALUES (?, ?, ?)",
			       -1, &stmt, NULL) != SQLITE_OK) {
		fprintf(stderr, "sqlite_rate: prepare: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	start = now_seconds();
	deadline = start + seconds;
	while (now_seconds() < deadline) {
		char reference[32];

		snprintf(reference, sizeof reference, "bench-%ld", rows);
		sqlite3_bind_int64(stmt, 1, (sqlite3_int64)time(NULL));
		sqlite3_bind_text(stmt, 2, reference, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(stmt, 3, row_detail, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			fprintf(stderr, "sqlite_rate: insert: %s\n", sqlite3_errmsg(db));
			sqlite3_finalize(stmt);
			return -1;
		}
		sqlite3_reset(stmt);
		rows++;
	}
	sqlite3_finalize(stmt);
	return rows;
}

int main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	double seconds, start, elapsed;
	char *end;
	long rows;
	int status = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: sqlite_rate DATABASE SECONDS\n");
		return 2;
	}
	seconds = strtod(argv[2], &end);
	if (*end != '\0' || seconds <= 0) {
		fprintf(stderr, "sqlite_rate: bad duration '%s'\n", argv[2]);
		return 2;
	}
	if (sqlite3_open(argv[1], &db) != SQLITE_OK) {
		fprintf(stderr, "sqlite_rate: %s: %s\n", argv[1], sqlite3_errmsg(db));
		goto out;
	}
	if (exec_sql(db, "PRAGMA journal_mode=WAL") < 0 ||
	    exec_sql(db, "PRAGMA synchronous=FULL") < 0 ||
	    exec_sql(db, "DROP TABLE IF EXISTS rate_rows") < 0 ||
	    exec_sql(db, "CREATE TABLE rate_rows (id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
			 " reference TEXT, detail TEXT NOT NULL)") < 0)
		goto out;

	start = now_seconds();
	rows = insert_for(db, seconds);
	elapsed = now_seconds() - start;
	if (rows < 0)
		goto out;
	printf("{\"rows\": %ld, \"seconds\": %.3f, \"rate\": %.1f}\n", rows, elapsed,
	       (double)rows / elapsed);
	status = 0;
out:
	sqlite3_close(db);
	return status;
}
