/*
 * store_sqlite.c — the SQLite engine: connections with the daemon's settings,
 * the migrations, the per-connection cache of prepared statements,
 * transactions, and the report of changed requests to the commit hook.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store.h"
#include "store_sqlite.h"

static int exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

struct sqlite_store *sqlite_of(struct store *st)
{
	return (struct sqlite_store *)st;
}

sqlite3 *store_sqlite_db(struct store *st)
{
	return sqlite_of(st)->db;
}

/* SQLite's update hook: notes each access request the transaction changes,
 * and whether it added events. */
static void on_row_change(void *arg, int op, const char *db_name, const char *table, sqlite3_int64 rowid)
{
	struct sqlite_store *s = arg;
	(void)db_name;
	if (op == SQLITE_INSERT && strcmp(table, "events") == 0)
		s->changes.events_added = 1;
	if (strcmp(table, "access_requests") == 0)
		store_changes_note_request(&s->changes, rowid);
}

static void sqlite_close(struct store *st)
{
	struct sqlite_store *s = sqlite_of(st);
	if (s->wal)
		sqlite_wal_stop(s);
	for (int i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(s->stmts[i]);
	sqlite3_close(s->db);
	free(s);
}

/* Opens the file at path with the daemon's settings: WAL, synchronous=FULL,
 * foreign keys, a busy timeout; a reader is made read-only, the writer gets its
 * log's upkeep. */
static struct store *sqlite_open(const char *path, int create, int role, char *err, size_t errlen)
{
	struct sqlite_store *s = calloc(1, sizeof *s);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	char why[256];

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->base.engine = &store_sqlite_engine;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sqlite_close(&s->base);
		return NULL;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	/* secure_delete: what a delete or an update frees is overwritten with
	 * zeros, in its page and on the free list, so that purged and erased data
	 * leaves the file instead of lingering in free space. */
	if (exec_sql(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
			    "PRAGMA secure_delete=ON;", why,
		     sizeof why) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		sqlite_close(&s->base);
		return NULL;
	}
	sqlite3_update_hook(s->db, on_row_change, s);
	if (role == STORE_ROLE_READER) {
		/* Readers never write: every write goes through the writer thread.
		 * Their page caches are 1 MiB, half SQLite's default: there is one per
		 * thread, repeat clicks no longer read (redirect_cache.c), and what
		 * they read at random (tokens, references) would not stay cached in
		 * 2 MiB either. */
		sqlite3_exec(s->db, "PRAGMA query_only=1; PRAGMA cache_size=-1024;", NULL, NULL, NULL);
	} else if (role == STORE_ROLE_WRITER && sqlite_wal_start(s, path, err, errlen) != 0) {
		sqlite_close(&s->base);
		return NULL;
	}
	return &s->base;
}

static int sqlite_accepts(const char *database)
{
	(void)database;
	return 1;
}

static int sqlite_check_database(const char *database, char *err, size_t errlen)
{
	(void)database;
	(void)err;
	(void)errlen;
	return 0;
}

/* No global memory statistics: every allocation of every thread would take
 * their mutex. */
static int sqlite_global_init(void)
{
	return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK ? 0 : -1;
}

static const char *sqlite_errmsg(struct store *st)
{
	return sqlite3_errmsg(sqlite_of(st)->db);
}

static int sqlite_schema_version(struct store *st)
{
	sqlite3_stmt *stmt;
	int version = -1;

	if (sqlite3_prepare_v2(sqlite_of(st)->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return version;
}

/* Applies each migration the file lacks in its own transaction, with its
 * version number (PRAGMA user_version). */
static int sqlite_migrate(struct store *st, char *err, size_t errlen)
{
	sqlite3 *db = sqlite_of(st)->db;
	int have = sqlite_schema_version(st);
	unsigned count = store_sqlite_migrations_count;
	int newest = count ? store_sqlite_migrations[count - 1].version : 0;
	char why[512], sql[64];

	if (have < 0) {
		snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (have > newest) {
		snprintf(err, errlen,
			 "the database has schema version %d, newer than this binary's %d: "
			 "run a newer zaptec-accessd, or restore a backup",
			 have, newest);
		return -1;
	}
	for (unsigned i = 0; i < count; i++) {
		const struct store_migration *m = &store_sqlite_migrations[i];
		if (m->version <= have)
			continue;
		/* The migration and its version number commit together, or not at all. */
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d;", m->version);
		if (exec_sql(db, "BEGIN IMMEDIATE;", why, sizeof why) != 0 ||
		    exec_sql(db, m->sql, why, sizeof why) != 0 || exec_sql(db, sql, why, sizeof why) != 0 ||
		    exec_sql(db, "COMMIT;", why, sizeof why) != 0) {
			sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
			snprintf(err, errlen, "migration %s failed: %s", m->name, why);
			return -1;
		}
		log_info("event=migrated version=%d name=%s", m->version, m->name);
	}
	return 0;
}

/* The prepared statement id, reset and unbound, ready to bind. The connection
 * owns it. NULL only when preparing failed (logged). */
static sqlite3_stmt *sqlite_stmt(struct sqlite_store *s, enum sqlite_stmt id)
{
	sqlite3_stmt *stmt = s->stmts[id];

	if (stmt == NULL) {
		if (sqlite3_prepare_v3(s->db, store_sqlite_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) !=
		    SQLITE_OK) {
			log_error("event=db.prepare_failed sql=\"%.60s\" error=\"%s\"", store_sqlite_sql[id],
				  sqlite3_errmsg(s->db));
			return NULL;
		}
		s->stmts[id] = stmt;
		return stmt;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return stmt;
}

/* Runs a statement that returns no rows (BEGIN, COMMIT, ...); 0 or -1 (logged). */
static int exec_stmt(struct sqlite_store *s, enum sqlite_stmt id)
{
	sqlite3_stmt *stmt = sqlite_stmt(s, id);
	if (stmt == NULL)
		return -1;
	int rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc == SQLITE_DONE)
		return 0;
	log_error("event=db.error sql=\"%.60s\" error=\"%s\"", store_sqlite_sql[id], sqlite3_errmsg(s->db));
	return -1;
}

static int sqlite_begin(struct store *st)
{
	return exec_stmt(sqlite_of(st), STMT_BEGIN);
}

/* Commits; on failure rolls back what SQLite has not rolled back by itself
 * (it does after some errors, SQLITE_FULL among them). Either way the commit
 * hook then hears of the requests the transaction touched. */
static int sqlite_commit(struct store *st)
{
	struct sqlite_store *s = sqlite_of(st);
	int rc = exec_stmt(s, STMT_COMMIT);
	if (rc != 0 && !sqlite3_get_autocommit(s->db))
		exec_stmt(s, STMT_ROLLBACK);
	store_changes_report(&s->changes, rc == 0);
	return rc;
}

static int sqlite_rollback(struct store *st)
{
	struct sqlite_store *s = sqlite_of(st);
	int rc = sqlite3_get_autocommit(s->db) ? 0 : exec_stmt(s, STMT_ROLLBACK);
	store_changes_report(&s->changes, 0);
	return rc;
}

static int sqlite_savepoint(struct store *st)
{
	return exec_stmt(sqlite_of(st), STMT_SAVEPOINT);
}

static int sqlite_release(struct store *st)
{
	return exec_stmt(sqlite_of(st), STMT_RELEASE);
}

static int sqlite_rollback_to(struct store *st)
{
	return exec_stmt(sqlite_of(st), STMT_ROLLBACK_TO);
}

static void sqlite_after_batch(struct store *st)
{
	struct sqlite_store *s = sqlite_of(st);
	if (s->wal)
		sqlite_wal_after_batch(s);
}

static unsigned long long sqlite_pages_logged(struct store *st)
{
	struct sqlite_store *s = sqlite_of(st);
	return s->wal ? sqlite_wal_pages_logged(s) : 0;
}

static int sqlite_probe_write(struct store *st)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_READY_PROBE);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)time(NULL));
	int rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Steps a bound statement that returns no rows and resets it; stmt may be
 * NULL (preparing failed). */
static int step_write(struct sqlite_store *s, sqlite3_stmt *stmt, const char *op, int *changed)
{
	int rc = stmt ? sqlite3_step(stmt) : SQLITE_ERROR;
	if (stmt)
		sqlite3_reset(stmt);
	if (rc == SQLITE_DONE) {
		if (changed)
			*changed = sqlite3_changes(s->db) > 0;
		return 0;
	}
	sqlite_log_error(s, op);
	return -1;
}

static void add_param(struct sqlite_params *p, int type, const void *data, int64_t value)
{
	assert(p->n < SQLITE_PARAMS_MAX);
	p->v[p->n].type = type;
	p->v[p->n].data = data;
	p->v[p->n].value = value;
	p->n++;
}

void sqlite_param_text(struct sqlite_params *p, const char *s)
{
	add_param(p, s ? SQLITE_PARAM_TEXT : SQLITE_PARAM_NULL, s, 0);
}

void sqlite_param_opt(struct sqlite_params *p, const char *s)
{
	sqlite_param_text(p, s && s[0] ? s : NULL);
}

void sqlite_param_int(struct sqlite_params *p, int64_t v)
{
	add_param(p, SQLITE_PARAM_INT, NULL, v);
}

void sqlite_param_known(struct sqlite_params *p, int64_t v)
{
	add_param(p, v < 0 ? SQLITE_PARAM_NULL : SQLITE_PARAM_INT, NULL, v);
}

void sqlite_param_nonzero(struct sqlite_params *p, int64_t v)
{
	add_param(p, v == 0 ? SQLITE_PARAM_NULL : SQLITE_PARAM_INT, NULL, v);
}

void sqlite_param_blob(struct sqlite_params *p, const void *b, int len)
{
	add_param(p, SQLITE_PARAM_BLOB, b, len);
}

/* Statement id, prepared and with p bound; NULL when preparing failed. */
static sqlite3_stmt *bound_stmt(struct sqlite_store *s, enum sqlite_stmt id, const struct sqlite_params *p)
{
	sqlite3_stmt *stmt = sqlite_stmt(s, id);
	for (int i = 0; stmt && p && i < p->n; i++) {
		const struct sqlite_param *v = &p->v[i];
		if (v->type == SQLITE_PARAM_TEXT)
			sqlite3_bind_text(stmt, i + 1, v->data, -1, SQLITE_STATIC);
		else if (v->type == SQLITE_PARAM_INT)
			sqlite3_bind_int64(stmt, i + 1, v->value);
		else if (v->type == SQLITE_PARAM_BLOB)
			sqlite3_bind_blob(stmt, i + 1, v->data, (int)v->value, SQLITE_STATIC);
		else
			sqlite3_bind_null(stmt, i + 1);
	}
	return stmt;
}

int sqlite_run_write(struct sqlite_store *s, enum sqlite_stmt id, const struct sqlite_params *p, const char *op,
		     int *changed)
{
	return step_write(s, bound_stmt(s, id, p), op, changed);
}

int sqlite_run_rows(struct sqlite_store *s, enum sqlite_stmt id, const struct sqlite_params *p, const char *op,
		    int (*row)(sqlite3_stmt *stmt, void *ctx), void *ctx)
{
	sqlite3_stmt *stmt = bound_stmt(s, id, p);
	int rc;

	if (stmt == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (row(stmt, ctx) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		sqlite_log_error(s, op);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* sqlite_run_one's reader, for the first row only. */
struct first_row {
	int (*read)(sqlite3_stmt *stmt, void *ctx);
	void *ctx;
	int found;
};

static int read_first_row(sqlite3_stmt *stmt, void *arg)
{
	struct first_row *first = arg;
	first->found = first->read(stmt, first->ctx) == 0 ? 1 : -1;
	return 1;
}

int sqlite_run_one(struct sqlite_store *s, enum sqlite_stmt id, const struct sqlite_params *p, const char *op,
		   int (*read)(sqlite3_stmt *stmt, void *ctx), void *ctx)
{
	struct first_row first = { read, ctx, 0 };
	if (sqlite_run_rows(s, id, p, op, read_first_row, &first) != 0)
		return -1;
	return first.found;
}

void sqlite_copy_text(char *dst, size_t cap, sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);
	snprintf(dst, cap, "%s", s ? (const char *)s : "");
}

void sqlite_log_error(struct sqlite_store *s, const char *op)
{
	log_error("event=db.error op=%s error=\"%s\"", op, sqlite3_errmsg(s->db));
}

const struct store_engine store_sqlite_engine = {
	.name = "sqlite",
	.accepts = sqlite_accepts,
	.global_init = sqlite_global_init,
	.open = sqlite_open,
	.close = sqlite_close,
	.errmsg = sqlite_errmsg,
	.migrate = sqlite_migrate,
	.schema_version = sqlite_schema_version,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.savepoint = sqlite_savepoint,
	.release = sqlite_release,
	.rollback_to = sqlite_rollback_to,
	.after_batch = sqlite_after_batch,
	.pages_logged = sqlite_pages_logged,
	.probe_write = sqlite_probe_write,
	.backup_supported = sqlite_backup_supported,
	.backup_copy = sqlite_backup_copy,
	.backup_check = sqlite_backup_check,
	.request_insert = sqlite_request_insert,
	.request_find_by_id = sqlite_request_find_by_id,
	.request_find_by_token = sqlite_request_find_by_token,
	.request_list = sqlite_request_list,
	.request_mark_opened = sqlite_request_mark_opened,
	.request_set_token = sqlite_request_set_token,
	.request_complete = sqlite_request_complete,
	.request_cancel = sqlite_request_cancel,
	.request_list_due_expiry = sqlite_request_list_due_expiry,
	.request_expire = sqlite_request_expire,
	.request_count_by_status = sqlite_request_count_by_status,
	.installation_find = sqlite_installation_find,
	.installation_record_grant = sqlite_installation_record_grant,
	.installation_list = sqlite_installation_list,
	.installation_revoke = sqlite_installation_revoke,
	.installation_count_by_status = sqlite_installation_count_by_status,
	.installation_set_verified = sqlite_installation_set_verified,
	.installation_set_unconfirmed = sqlite_installation_set_unconfirmed,
	.installation_promote = sqlite_installation_promote,
	.installation_set_last_error = sqlite_installation_set_last_error,
	.installation_list_granted_after = sqlite_installation_list_granted_after,
	.installation_insert_discovered = sqlite_installation_insert_discovered,
	.verification_queue = sqlite_verification_queue,
	.verification_list_due = sqlite_verification_list_due,
	.verification_reschedule = sqlite_verification_reschedule,
	.verification_finish = sqlite_verification_finish,
	.verification_cancel = sqlite_verification_cancel,
	.verification_stats = sqlite_verification_stats,
	.event_append = sqlite_event_append,
	.event_list_after = sqlite_event_list_after,
	.event_list_by_installation = sqlite_event_list_by_installation,
	.lease_take = sqlite_lease_take,
	.lease_release = sqlite_lease_release,
	.check_database = sqlite_check_database,
	.retention_purge_batch = sqlite_retention_purge_batch,
	.retention_snapshot_begin = sqlite_retention_snapshot_begin,
	.retention_snapshot_end = sqlite_retention_snapshot_end,
	.retention_purged_through = sqlite_retention_purged_through,
	.retention_feed_position = sqlite_retention_feed_position,
	.retention_erase_scan = sqlite_retention_erase_scan,
	.retention_erase = sqlite_retention_erase,
	.retention_wipe_log_after_commit = sqlite_retention_wipe_log_after_commit,
	.webhook_get = sqlite_webhook_get,
	.webhook_list = sqlite_webhook_list,
	.webhook_count = sqlite_webhook_count,
	.webhook_insert = sqlite_webhook_insert,
	.webhook_save = sqlite_webhook_save,
	.webhook_delete = sqlite_webhook_delete,
	.webhook_event_bounds = sqlite_webhook_event_bounds,
	.webhook_next_event = sqlite_webhook_next_event,
	.webhook_pending = sqlite_webhook_pending,
	.webhook_advance = sqlite_webhook_advance,
	.webhook_failed = sqlite_webhook_failed,
	.webhook_disable = sqlite_webhook_disable,
	.webhook_tests_sent = sqlite_webhook_tests_sent,
};
