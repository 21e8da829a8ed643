/*
 * store_pg.c — the PostgreSQL engine: connections through libpq, the
 * migrations (safe when several instances start at once), prepared statements
 * on each connection, transactions, re-established connections, and the
 * report of changed requests to the commit hook.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store_pg.h"

/* The oldest server the statements are written for. */
#define PG_VERSION_MIN 130000

/* Taken by every migration run (pg_advisory_xact_lock), so that instances
 * starting at once migrate one after the other. */
#define PG_MIGRATION_LOCK 7261536481LL

struct pg_store *pg_of(struct store *st)
{
	return (struct pg_store *)st;
}

static int pg_accepts(const char *database)
{
	return strncmp(database, "postgresql://", 13) == 0 || strncmp(database, "postgres://", 11) == 0;
}

/* A URI's password would sit in the configuration file, readable by whoever
 * reads it, and in every log line that names the database: refused. It is
 * either user:password@ before the host, or a password= parameter. */
static int pg_check_database(const char *database, char *err, size_t errlen)
{
	const char *rest = strstr(database, "://") + 3;
	size_t authority = strcspn(rest, "/?");
	const char *at = memchr(rest, '@', authority);
	if (at != NULL && memchr(rest, ':', (size_t)(at - rest)) != NULL) {
		snprintf(err, errlen, "database: the URI holds a password; put it in database_password_file "
				      "or the credential \"database-password\" instead");
		return -1;
	}
	const char *query = strchr(rest, '?');
	for (const char *p = query; p != NULL; p = strchr(p + 1, '&')) {
		if (strncmp(p + 1, "password=", 9) == 0) {
			snprintf(err, errlen, "database: the URI holds a password; put it in "
					      "database_password_file or the credential \"database-password\" instead");
			return -1;
		}
	}
	return 0;
}

static int pg_global_init(void)
{
	return 0;
}

static const char *pg_errmsg(struct store *st)
{
	return PQerrorMessage(pg_of(st)->conn);
}

/* Notices (a migration's "already exists") go to the debug log, not stderr. */
static void on_notice(void *arg, const char *message)
{
	(void)arg;
	log_debug("event=db.notice message=\"%.*s\"", (int)strcspn(message, "\n"), message);
}

/* Opens a connection: the URI, and the password when one was configured. */
static PGconn *connect_to(const char *database)
{
	const char *keys[] = { "dbname", "password", "application_name", NULL };
	const char *values[] = { database, store_password(), "zaptec-accessd", NULL };
	if (values[1] == NULL) {
		keys[1] = "application_name";
		values[1] = "zaptec-accessd";
		keys[2] = NULL;
	}
	PGconn *conn = PQconnectdbParams(keys, values, 1);
	if (conn != NULL && PQstatus(conn) == CONNECTION_OK)
		PQsetNoticeProcessor(conn, on_notice, NULL);
	return conn;
}

static void pg_close(struct store *st)
{
	struct pg_store *s = pg_of(st);
	PQfinish(s->conn);
	free(s->database);
	free(s);
}

/* The first line of libpq's message, for err and the log. */
static void first_line(char *out, size_t cap, const char *message)
{
	snprintf(out, cap, "%.*s", (int)strcspn(message, "\n"), message);
}

static struct store *pg_open(const char *database, int create, int role, char *err, size_t errlen)
{
	struct pg_store *s = calloc(1, sizeof *s);
	char why[512];
	(void)create;
	(void)role;

	if (s == NULL || (s->database = strdup(database)) == NULL) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->base.engine = &store_pg_engine;
	s->conn = connect_to(database);
	if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
		first_line(why, sizeof why, s->conn ? PQerrorMessage(s->conn) : "out of memory");
		snprintf(err, errlen, "cannot connect to PostgreSQL: %s", why);
		pg_close(&s->base);
		return NULL;
	}
	return &s->base;
}

/* Re-establishes a dropped connection; its prepared statements are gone with
 * it. A connection that a failure left in pipeline mode is replaced too.
 * Returns 0 when the connection is usable. */
static int ensure_connected(struct pg_store *s)
{
	if (PQstatus(s->conn) == CONNECTION_OK && PQpipelineStatus(s->conn) == PQ_PIPELINE_OFF)
		return 0;
	if (PQpipelineStatus(s->conn) == PQ_PIPELINE_OFF) {
		PQreset(s->conn);
	} else {
		PQfinish(s->conn);
		s->conn = connect_to(s->database);
	}
	memset(s->prepared, 0, sizeof s->prepared);
	s->pipeline = 0;
	s->queued_count = 0;
	if (PQstatus(s->conn) != CONNECTION_OK) {
		char why[512];
		first_line(why, sizeof why, PQerrorMessage(s->conn));
		log_error("event=db.reconnect_failed error=\"%s\"", why);
		return -1;
	}
	PQsetNoticeProcessor(s->conn, on_notice, NULL);
	log_warn("event=db.reconnected");
	return 0;
}

/* Runs plain SQL (no parameters). Returns 0 when it succeeded. */
static int exec_plain(struct pg_store *s, const char *sql, char *err, size_t errlen)
{
	PGresult *res = PQexec(s->conn, sql);
	ExecStatusType status = PQresultStatus(res);
	int ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
	if (!ok && err != NULL)
		first_line(err, errlen, PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
								      : PQerrorMessage(s->conn));
	PQclear(res);
	return ok ? 0 : -1;
}

/* Runs SQL with text parameters, for the migrations. Returns 0 when it
 * succeeded. */
static int exec_with(struct pg_store *s, const char *sql, int n, const char *const *values, char *err,
		     size_t errlen)
{
	PGresult *res = PQexecParams(s->conn, sql, n, NULL, values, NULL, NULL, 0);
	ExecStatusType status = PQresultStatus(res);
	int ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
	if (!ok)
		first_line(err, errlen, PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
								      : PQerrorMessage(s->conn));
	PQclear(res);
	return ok ? 0 : -1;
}

/* One value of a query without parameters, as a number; -1 on failure. */
static long long query_number(struct pg_store *s, const char *sql)
{
	PGresult *res = PQexec(s->conn, sql);
	long long v = -1;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

static int pg_schema_version(struct store *st)
{
	struct pg_store *s = pg_of(st);
	if (query_number(s, "SELECT count(*) FROM pg_tables WHERE tablename = 'schema_version' "
			    "AND schemaname = current_schema()") <= 0)
		return 0;
	return (int)query_number(s, "SELECT coalesce(max(version), 0) FROM schema_version");
}

/*
 * Refuses a server that is too old or that takes no writes (a standby), then
 * applies the migrations the database lacks, each in its own transaction
 * under an advisory lock: instances starting at once migrate in turn, and
 * each sees what the one before it did.
 */
static int pg_migrate(struct store *st, char *err, size_t errlen)
{
	struct pg_store *s = pg_of(st);
	unsigned count = store_pg_migrations_count;
	int newest = count ? store_pg_migrations[count - 1].version : 0;
	char why[512], lock[24], version_text[16];
	const char *lock_value[] = { lock };

	int version = PQserverVersion(s->conn);
	if (version < PG_VERSION_MIN) {
		snprintf(err, errlen, "PostgreSQL %d.%d is too old: version 13 or newer is needed", version / 10000,
			 version % 10000);
		return -1;
	}
	if (query_number(s, "SELECT (pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on')::int") !=
	    0) {
		snprintf(err, errlen, "the PostgreSQL server is a read-only standby: point database at the primary "
				      "(list every host with target_session_attrs=read-write)");
		return -1;
	}
	snprintf(lock, sizeof lock, "%lld", PG_MIGRATION_LOCK);
	for (unsigned i = 0; i <= count; i++) {
		if (exec_plain(s, "BEGIN", why, sizeof why) != 0 ||
		    exec_plain(s, "SET LOCAL client_min_messages = warning", why, sizeof why) != 0 || exec_with(s, "SELECT pg_advisory_xact_lock($1::bigint)", 1, lock_value, why, sizeof why) != 0 ||
		    exec_plain(s, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
				  "name TEXT NOT NULL)",
			       why, sizeof why) != 0)
			goto fail;
		int have = pg_schema_version(st);
		if (have > newest) {
			exec_plain(s, "ROLLBACK", NULL, 0);
			snprintf(err, errlen,
				 "the database has schema version %d, newer than this binary's %d: "
				 "run a newer zaptec-accessd, or restore a backup",
				 have, newest);
			return -1;
		}
		/* The next migration this database lacks, if any. */
		const struct store_migration *m = NULL;
		for (unsigned j = 0; j < count && m == NULL; j++)
			if (store_pg_migrations[j].version > have)
				m = &store_pg_migrations[j];
		if (m == NULL)
			return exec_plain(s, "COMMIT", err, errlen);
		snprintf(version_text, sizeof version_text, "%d", m->version);
		const char *record[] = { version_text, m->name };
		if (exec_plain(s, m->sql, why, sizeof why) != 0 ||
		    exec_with(s, "INSERT INTO schema_version (version, name) VALUES ($1::integer, $2::text)", 2,
			      record, why, sizeof why) != 0 ||
		    exec_plain(s, "COMMIT", why, sizeof why) != 0) {
			exec_plain(s, "ROLLBACK", NULL, 0);
			snprintf(err, errlen, "migration %s failed: %s", m->name, why);
			return -1;
		}
		log_info("event=migrated version=%d name=%s", m->version, m->name);
	}
	return 0;
fail:
	exec_plain(s, "ROLLBACK", NULL, 0);
	snprintf(err, errlen, "migrating: %s", why);
	return -1;
}

/* Runs a transaction control statement; logs a failure. */
static int control(struct pg_store *s, const char *sql)
{
	char why[512];
	if (exec_plain(s, sql, why, sizeof why) == 0)
		return 0;
	log_error("event=db.error sql=\"%s\" error=\"%s\"", sql, why);
	return -1;
}

/* A connection that dropped while idle fails its BEGIN: nothing was written,
 * so BEGIN is tried once more on a new connection. */
static int pg_begin(struct store *st)
{
	struct pg_store *s = pg_of(st);
	if (ensure_connected(s) != 0)
		return -1;
	if (control(s, "BEGIN") != 0 && (PQstatus(s->conn) == CONNECTION_OK || ensure_connected(s) != 0 ||
					 control(s, "BEGIN") != 0))
		return -1;
	s->in_transaction = 1;
	s->savepoint_kept = 0;
	if (pg_pipeline_enter(s) != 0) {
		control(s, "ROLLBACK");
		s->in_transaction = 0;
		return -1;
	}
	return 0;
}

/* For the multi-instance tests only: ACCESSD_TEST_COMMIT_DELAY_MS holds each
 * commit back that long, as a slow disk or network would, to show that a
 * reader of the event feed skips nothing while a commit is late. */
static void test_commit_delay(void)
{
	const char *ms = getenv("ACCESSD_TEST_COMMIT_DELAY_MS");
	if (ms != NULL) {
		long n = strtol(ms, NULL, 10);
		struct timespec ts = { .tv_sec = n / 1000, .tv_nsec = (n % 1000) * 1000000L };
		if (n > 0)
			nanosleep(&ts, NULL);
	}
}

/* A commit whose answer was lost leaves its outcome unknown: the jobs are
 * failed (their clients are asked to try again; callbacks are idempotent). */
static int pg_commit(struct store *st)
{
	struct pg_store *s = pg_of(st);
	test_commit_delay();
	int rc = pg_pipeline_leave(s) == 0 ? control(s, "COMMIT") : -1;
	if (rc != 0 && PQstatus(s->conn) == CONNECTION_OK && PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		control(s, "ROLLBACK");
	s->in_transaction = 0;
	store_changes_report(&s->changes, rc == 0);
	return rc;
}

static int pg_rollback(struct store *st)
{
	struct pg_store *s = pg_of(st);
	int rc = 0;
	if (s->pipeline)
		pg_pipeline_leave(s);
	if (PQstatus(s->conn) == CONNECTION_OK && PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		rc = control(s, "ROLLBACK");
	s->in_transaction = 0;
	store_changes_report(&s->changes, 0);
	return rc;
}

/* Every writer job runs in a savepoint, queued in the pipeline with the job's
 * first statement. A job's savepoint is released with the next one's
 * creation, or by COMMIT. */
static int pg_savepoint(struct store *st)
{
	struct pg_store *s = pg_of(st);
	if (s->savepoint_kept && pg_pipeline_queue_sql(s, "RELEASE SAVEPOINT job") != 0)
		return -1;
	if (pg_pipeline_queue_sql(s, "SAVEPOINT job") != 0)
		return -1;
	s->savepoint_kept = 1;
	return 0;
}

/* Undoes the job: first settles what it queued, failed or not, since the
 * server skips everything behind a failure up to the next sync. */
static int pg_rollback_to(struct store *st)
{
	struct pg_store *s = pg_of(st);
	pg_pipeline_drain(s, NULL);
	if (pg_pipeline_queue_sql(s, "ROLLBACK TO SAVEPOINT job") != 0 || pg_pipeline_drain(s, NULL) != 0)
		return -1;
	return 0;
}

/* The job's outcome: its queued statements are settled, and it succeeded
 * when they did and the transaction is not in error; otherwise it is undone
 * here, so that the jobs after it still run. */
static int pg_release(struct store *st)
{
	struct pg_store *s = pg_of(st);
	if (pg_pipeline_drain(s, NULL) == 0 && PQtransactionStatus(s->conn) == PQTRANS_INTRANS)
		return 0;
	pg_rollback_to(st);
	return -1;
}

static void pg_after_batch(struct store *st)
{
	(void)st;
}

static unsigned long long pg_pages_logged(struct store *st)
{
	(void)st;
	return 0;
}

/* Fails on a standby or a primary that went read-only: /readyz is 503 then. */
static int pg_probe_write(struct store *st)
{
	struct pg_params p = { 0 };
	pg_param_int(&p, (int64_t)time(NULL));
	return pg_run_write(pg_of(st), PG_READY_PROBE, &p, "ready_probe", NULL);
}

static int pg_backup_supported(const char *database, char *err, size_t errlen)
{
	(void)database;
	snprintf(err, errlen, "the database is PostgreSQL: back it up with pg_dump (or the server's own "
			      "backups), not with this command");
	return 0;
}

static int pg_backup_copy(struct store *src, const char *path, char *err, size_t errlen)
{
	(void)src;
	(void)path;
	return pg_backup_supported(NULL, err, errlen) ? 0 : -1;
}

static int pg_backup_check(const char *path, int *version, char *err, size_t errlen)
{
	(void)path;
	(void)version;
	return pg_backup_supported(NULL, err, errlen) ? 0 : -1;
}

void pg_param_text(struct pg_params *p, const char *s)
{
	assert(p->n < PG_PARAMS_MAX);
	p->values[p->n] = s;
	p->lengths[p->n] = 0;
	p->formats[p->n] = 0;
	p->n++;
}

void pg_param_opt(struct pg_params *p, const char *s)
{
	pg_param_text(p, s && s[0] ? s : NULL);
}

void pg_param_int(struct pg_params *p, int64_t v)
{
	snprintf(p->numbers[p->n], sizeof p->numbers[0], "%" PRId64, v);
	pg_param_text(p, p->numbers[p->n]);
}

void pg_param_known(struct pg_params *p, int64_t v)
{
	if (v < 0)
		pg_param_text(p, NULL);
	else
		pg_param_int(p, v);
}

void pg_param_bytes(struct pg_params *p, const unsigned char *b, int len)
{
	assert(p->n < PG_PARAMS_MAX);
	p->values[p->n] = (const char *)b;
	p->lengths[p->n] = len;
	p->formats[p->n] = 1;
	p->n++;
}

void pg_stmt_name(enum pg_stmt id, char name[16])
{
	snprintf(name, 16, "s%d", (int)id);
}

/* Prepares (on first use on this connection) and runs statement id once.
 * *dropped is set when it failed because the connection dropped. */
static PGresult *run_once(struct pg_store *s, enum pg_stmt id, const struct pg_params *p, const char *op,
			  int *dropped)
{
	char name[16], why[512];

	*dropped = 0;
	if (s->pipeline) {
		PGresult *res = NULL;
		if (pg_pipeline_queue(s, id, p, op) != 0 || pg_pipeline_drain(s, &res) != 0)
			*dropped = PQstatus(s->conn) == CONNECTION_BAD;
		return res;
	}
	if (!s->in_transaction && ensure_connected(s) != 0)
		return NULL;
	pg_stmt_name(id, name);
	if (!s->prepared[id]) {
		PGresult *prep = PQprepare(s->conn, name, store_pg_sql[id].sql, store_pg_sql[id].params, NULL);
		int ok = PQresultStatus(prep) == PGRES_COMMAND_OK;
		if (!ok) {
			*dropped = PQstatus(s->conn) == CONNECTION_BAD;
			first_line(why, sizeof why, PQresultErrorMessage(prep)[0] ? PQresultErrorMessage(prep)
										 : PQerrorMessage(s->conn));
			log_error("event=db.prepare_failed op=%s error=\"%s\"", op, why);
		}
		PQclear(prep);
		if (!ok)
			return NULL;
		s->prepared[id] = 1;
	}
	PGresult *res = PQexecPrepared(s->conn, name, p ? p->n : 0, p ? p->values : NULL, p ? p->lengths : NULL,
				       p ? p->formats : NULL, 0);
	ExecStatusType status = PQresultStatus(res);
	if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
		return res;
	*dropped = PQstatus(s->conn) == CONNECTION_BAD;
	first_line(why, sizeof why, PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res) : PQerrorMessage(s->conn));
	log_error("event=db.error op=%s error=\"%s\"", op, why);
	PQclear(res);
	return NULL;
}

/* Outside a transaction only reads run (every write is in the writer's
 * transactions), so one that failed on a dropped connection runs once more. */
PGresult *pg_run(struct pg_store *s, enum pg_stmt id, const struct pg_params *p, const char *op)
{
	int dropped;
	PGresult *res = run_once(s, id, p, op, &dropped);
	if (res == NULL && dropped && !s->in_transaction)
		res = run_once(s, id, p, op, &dropped);
	return res;
}

int pg_run_write(struct pg_store *s, enum pg_stmt id, const struct pg_params *p, const char *op, int *changed)
{
	if (s->pipeline && changed == NULL)
		return pg_pipeline_queue(s, id, p, op);
	PGresult *res = pg_run(s, id, p, op);
	if (res == NULL)
		return -1;
	if (changed)
		*changed = strtol(PQcmdTuples(res), NULL, 10) > 0;
	PQclear(res);
	return 0;
}

const char *pg_text(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col);
}

int64_t pg_int(const PGresult *res, int row, int col, int64_t none)
{
	return PQgetisnull(res, row, col) ? none : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

void pg_copy_text(char *dst, size_t cap, const PGresult *res, int row, int col)
{
	snprintf(dst, cap, "%s", pg_text(res, row, col));
}

int pg_lease_take(struct store *st, const char *kind, const char *holder, int64_t now, int64_t expires_at,
		  int *held)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, kind);
	pg_param_text(&p, holder);
	pg_param_int(&p, now);
	pg_param_int(&p, expires_at);
	return pg_run_write(pg_of(st), PG_LEASE_TAKE, &p, "lease_take", held);
}

int pg_lease_release(struct store *st, const char *kind, const char *holder)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, kind);
	pg_param_text(&p, holder);
	return pg_run_write(pg_of(st), PG_LEASE_RELEASE, &p, "lease_release", NULL);
}

const struct store_engine store_pg_engine = {
	.name = "postgresql",
	.accepts = pg_accepts,
	.global_init = pg_global_init,
	.open = pg_open,
	.close = pg_close,
	.errmsg = pg_errmsg,
	.migrate = pg_migrate,
	.schema_version = pg_schema_version,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.savepoint = pg_savepoint,
	.release = pg_release,
	.rollback_to = pg_rollback_to,
	.after_batch = pg_after_batch,
	.pages_logged = pg_pages_logged,
	.probe_write = pg_probe_write,
	.backup_supported = pg_backup_supported,
	.backup_copy = pg_backup_copy,
	.backup_check = pg_backup_check,
	.request_insert = pg_request_insert,
	.request_find_by_id = pg_request_find_by_id,
	.request_find_by_token = pg_request_find_by_token,
	.request_list = pg_request_list,
	.request_mark_opened = pg_request_mark_opened,
	.request_set_token = pg_request_set_token,
	.request_complete = pg_request_complete,
	.request_cancel = pg_request_cancel,
	.request_list_due_expiry = pg_request_list_due_expiry,
	.request_expire = pg_request_expire,
	.request_count_by_status = pg_request_count_by_status,
	.installation_find = pg_installation_find,
	.installation_record_grant = pg_installation_record_grant,
	.installation_list = pg_installation_list,
	.installation_revoke = pg_installation_revoke,
	.installation_count_by_status = pg_installation_count_by_status,
	.installation_set_verified = pg_installation_set_verified,
	.installation_set_unconfirmed = pg_installation_set_unconfirmed,
	.installation_promote = pg_installation_promote,
	.installation_set_last_error = pg_installation_set_last_error,
	.installation_list_granted_after = pg_installation_list_granted_after,
	.installation_insert_discovered = pg_installation_insert_discovered,
	.verification_queue = pg_verification_queue,
	.verification_list_due = pg_verification_list_due,
	.verification_reschedule = pg_verification_reschedule,
	.verification_finish = pg_verification_finish,
	.verification_cancel = pg_verification_cancel,
	.verification_stats = pg_verification_stats,
	.event_append = pg_event_append,
	.event_list_after = pg_event_list_after,
	.event_list_by_installation = pg_event_list_by_installation,
	.lease_take = pg_lease_take,
	.lease_release = pg_lease_release,
	.check_database = pg_check_database,
	.retention_purge_batch = pg_retention_purge_batch,
	.retention_snapshot_begin = pg_retention_snapshot_begin,
	.retention_snapshot_end = pg_retention_snapshot_end,
	.retention_purged_through = pg_retention_purged_through,
	.retention_feed_position = pg_retention_feed_position,
	.retention_erase_scan = pg_retention_erase_scan,
	.retention_erase = pg_retention_erase,
	.retention_wipe_log_after_commit = pg_retention_wipe_log_after_commit,
	.webhook_get = pg_webhook_get,
	.webhook_list = pg_webhook_list,
	.webhook_count = pg_webhook_count,
	.webhook_insert = pg_webhook_insert,
	.webhook_save = pg_webhook_save,
	.webhook_delete = pg_webhook_delete,
	.webhook_event_bounds = pg_webhook_event_bounds,
	.webhook_next_event = pg_webhook_next_event,
	.webhook_pending = pg_webhook_pending,
	.webhook_advance = pg_webhook_advance,
	.webhook_failed = pg_webhook_failed,
	.webhook_disable = pg_webhook_disable,
	.webhook_tests_sent = pg_webhook_tests_sent,
};
