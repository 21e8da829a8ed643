/*
 * store.c — SQLite connections with the daemon's settings, the migrations, and
 * the per-connection cache of prepared statements.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store.h"

/* The SQL text of every statement, indexed by enum store_stmt (store_sql.c). */
extern const char *const store_sql[STMT_COUNT];

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmts[STMT_COUNT];
};

static char *reader_path;
static pthread_key_t reader_key;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;

static int exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

int store_global_init(void)
{
	return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK ? 0 : -1;
}

struct store *store_open(const char *path, int create, char *err, size_t errlen)
{
	struct store *st = calloc(1, sizeof *st);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);

	if (st == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : "out of memory");
		store_close(st);
		return NULL;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	char why[256];
	/* secure_delete: what a delete or an update frees is overwritten with
	 * zeros, in its page and on the free list, so that purged and erased data
	 * leaves the file instead of lingering in free space. */
	if (exec_sql(st->db,
		     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
		     "PRAGMA secure_delete=ON;",
		     why, sizeof why) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		store_close(st);
		return NULL;
	}
	return st;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(st->stmts[i]);
	sqlite3_close(st->db);
	free(st);
}

sqlite3 *store_db(struct store *st)
{
	return st->db;
}

int store_schema_version(struct store *st)
{
	sqlite3_stmt *stmt;
	int version = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return version;
}

int store_migrate(struct store *st, char *err, size_t errlen)
{
	int have = store_schema_version(st);
	int newest = store_migration_count ? store_migrations[store_migration_count - 1].version : 0;
	char why[512], sql[64];

	if (have < 0) {
		snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	if (have > newest) {
		snprintf(err, errlen,
			 "the database has schema version %d, newer than this binary's %d: "
			 "run a newer zaptec-accessd, or restore a backup",
			 have, newest);
		return -1;
	}
	for (unsigned i = 0; i < store_migration_count; i++) {
		const struct store_migration *m = &store_migrations[i];
		if (m->version <= have)
			continue;
		/* The migration and its version number commit together, or not at all. */
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d;", m->version);
		if (exec_sql(st->db, "BEGIN IMMEDIATE;", why, sizeof why) != 0 ||
		    exec_sql(st->db, m->sql, why, sizeof why) != 0 ||
		    exec_sql(st->db, sql, why, sizeof why) != 0 ||
		    exec_sql(st->db, "COMMIT;", why, sizeof why) != 0) {
			sqlite3_exec(st->db, "ROLLBACK;", NULL, NULL, NULL);
			snprintf(err, errlen, "migration %s failed: %s", m->name, why);
			return -1;
		}
		log_info("event=migrated version=%d name=%s", m->version, m->name);
	}
	return 0;
}

sqlite3_stmt *store_stmt(struct store *st, enum store_stmt id)
{
	sqlite3_stmt *stmt = st->stmts[id];

	if (stmt == NULL) {
		if (sqlite3_prepare_v3(st->db, store_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &stmt,
				       NULL) != SQLITE_OK) {
			log_error("event=db.prepare_failed sql=\"%.60s\" error=\"%s\"", store_sql[id],
				  sqlite3_errmsg(st->db));
			return NULL;
		}
		st->stmts[id] = stmt;
		return stmt;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return stmt;
}

int store_exec(struct store *st, enum store_stmt id)
{
	sqlite3_stmt *stmt = store_stmt(st, id);
	if (stmt == NULL)
		return SQLITE_ERROR;
	int rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		log_error("event=db.error sql=\"%.60s\" error=\"%s\"", store_sql[id], sqlite3_errmsg(st->db));
	return rc;
}

int store_transaction(struct store *st, int (*run)(struct store *st, void *arg), void *arg)
{
	if (store_exec(st, STMT_BEGIN) != SQLITE_DONE)
		return -1;
	if (run(st, arg) == 0 && store_exec(st, STMT_COMMIT) == SQLITE_DONE)
		return 0;
	store_exec(st, STMT_ROLLBACK);
	return -1;
}

int store_step_write(struct store *st, sqlite3_stmt *stmt, const char *op)
{
	int rc = stmt ? sqlite3_step(stmt) : SQLITE_ERROR;
	if (stmt)
		sqlite3_reset(stmt);
	if (rc == SQLITE_DONE)
		return 0;
	log_error("event=db.error op=%s error=\"%s\"", op, sqlite3_errmsg(st->db));
	return -1;
}

int store_bind_text(sqlite3_stmt *stmt, int index, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(stmt, index);
	return sqlite3_bind_text(stmt, index, s, -1, SQLITE_STATIC);
}

char *store_column_strdup(sqlite3_stmt *stmt, int col, int *oom)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);
	if (text == NULL)
		return NULL;
	char *copy = strdup((const char *)text);
	if (copy == NULL)
		*oom = 1;
	return copy;
}

int store_probe_write(struct store *st)
{
	sqlite3_stmt *stmt = store_stmt(st, STMT_READY_PROBE);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)time(NULL));
	int rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void reader_destroy(void *st)
{
	store_close(st);
}

static void reader_key_create(void)
{
	pthread_key_create(&reader_key, reader_destroy);
}

void store_set_path(const char *path)
{
	free(reader_path);
	reader_path = strdup(path);
}

struct store *store_reader(void)
{
	pthread_once(&reader_once, reader_key_create);
	struct store *st = pthread_getspecific(reader_key);
	if (st != NULL)
		return st;

	char err[512];
	st = store_open(reader_path, 0, err, sizeof err);
	if (st == NULL) {
		log_error("event=db.open_failed error=\"%s\"", err);
		return NULL;
	}
	/* Readers never write: every write goes through the writer thread. Their
	 * page caches are 1 MiB, half SQLite's default: there is one per thread,
	 * repeat clicks no longer read (redirect_cache.c), and what they read at
	 * random (tokens, references) would not stay cached in 2 MiB either. */
	sqlite3_exec(st->db, "PRAGMA query_only=1; PRAGMA cache_size=-1024;", NULL, NULL, NULL);
	pthread_setspecific(reader_key, st);
	return st;
}

void store_reader_release(void)
{
	pthread_once(&reader_once, reader_key_create);
	store_close(pthread_getspecific(reader_key));
	pthread_setspecific(reader_key, NULL);
}
