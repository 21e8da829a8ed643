/*
 * store_sqlite_backup.c — the SQLite engine's side of the backup command: an
 * online, consistent copy through SQLite's backup API, and its check.
 */
#include <stdio.h>
#include <string.h>

#include "store_sqlite.h"

/* How long to wait out a source that is locked (the daemon recovering its
 * WAL, say) before giving up. */
#define BUSY_SLEEP_MS 100
#define BUSY_TRIES 300

int sqlite_backup_supported(const char *database, char *err, size_t errlen)
{
	(void)database;
	(void)err;
	(void)errlen;
	return 1;
}

/*
 * Copies the whole of src into the database file at path in one step: a single
 * step reads one snapshot of a WAL database without blocking its writer, where
 * a copy in pieces would restart whenever the daemon commits. Returns 0, or -1
 * with err.
 */
int sqlite_backup_copy(struct store *src, const char *path, char *err, size_t errlen)
{
	sqlite3 *dst = NULL;
	int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return -1;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", store_sqlite_db(src), "main");
	if (b == NULL) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	for (int tries = 0;; tries++) {
		rc = sqlite3_backup_step(b, -1);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || tries == BUSY_TRIES)
			break;
		sqlite3_sleep(BUSY_SLEEP_MS);
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "copying: %s", sqlite3_errstr(rc));
		sqlite3_close(dst);
		return -1;
	}
	rc = sqlite3_errcode(dst);
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(dst));
	if (sqlite3_close(dst) != SQLITE_OK && rc == SQLITE_OK) {
		snprintf(err, errlen, "%s: closing failed", path);
		rc = SQLITE_ERROR;
	}
	return rc == SQLITE_OK ? 0 : -1;
}

/*
 * Runs PRAGMA integrity_check on the copy at path and reads its schema version
 * into *version. Returns 0 when the check says "ok", else -1 with err (the
 * first problem it reports).
 */
int sqlite_backup_check(const char *path, int *version, char *err, size_t errlen)
{
	struct store *st = store_sqlite_engine.open(path, 0, STORE_ROLE_PLAIN, err, errlen);
	sqlite3_stmt *stmt = NULL;
	int ok = 0;

	if (st == NULL)
		return -1;
	sqlite3 *db = store_sqlite_db(st);
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		goto done;
	}
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		snprintf(err, errlen, "%s: integrity check failed: %s", path, sqlite3_errmsg(db));
		goto done;
	}
	const char *result = (const char *)sqlite3_column_text(stmt, 0);
	ok = result && strcmp(result, "ok") == 0;
	if (!ok)
		snprintf(err, errlen, "%s: integrity check: %s", path, result ? result : "no answer");
	*version = store_sqlite_engine.schema_version(st);
done:
	sqlite3_finalize(stmt);
	store_sqlite_engine.close(st);
	return ok ? 0 : -1;
}
