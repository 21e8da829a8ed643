/*
 * store_sqlite.h — the SQLite engine's own: its connection, its table of
 * prepared statements and the helpers its files share. Only the engine's files
 * (store_sqlite*.c) include this header, and with it sqlite3.h.
 */
#ifndef ACCESSD_STORE_SQLITE_H
#define ACCESSD_STORE_SQLITE_H

#include <sqlite3.h>

#include "store_engine.h"

/* Every SQL statement the engine runs, by name; the text is in store_sqlite_sql.c. */
enum sqlite_stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_SAVEPOINT,
	STMT_RELEASE,
	STMT_ROLLBACK_TO,
	STMT_READY_PROBE,
	STMT_REQUEST_INSERT,
	STMT_REQUEST_BY_ID,
	STMT_REQUEST_BY_TOKEN,
	STMT_REQUEST_LIST,
	STMT_REQUEST_SET_OPENED,
	STMT_REQUEST_SET_TOKEN,
	STMT_REQUEST_COMPLETE,
	STMT_REQUEST_DUE_EXPIRY,
	STMT_REQUEST_SET_EXPIRED,
	STMT_REQUEST_CANCEL,
	STMT_REQUEST_COUNT_BY_STATUS,
	STMT_INSTALLATION_BY_ID,
	STMT_INSTALLATION_UPSERT_GRANT,
	STMT_INSTALLATION_LIST,
	STMT_INSTALLATION_LIST_STATUS,
	STMT_INSTALLATION_LIST_REFERENCE,
	STMT_INSTALLATION_REVOKE,
	STMT_INSTALLATION_COUNT_BY_STATUS,
	STMT_INSTALLATION_SET_VERIFIED,
	STMT_INSTALLATION_SET_UNCONFIRMED,
	STMT_INSTALLATION_PROMOTE,
	STMT_INSTALLATION_SET_LAST_ERROR,
	STMT_INSTALLATION_GRANTED_AFTER,
	STMT_INSTALLATION_INSERT_DISCOVERED,
	STMT_VERIFICATION_QUEUE,
	STMT_VERIFICATION_DUE,
	STMT_VERIFICATION_RESCHEDULE,
	STMT_VERIFICATION_FINISH,
	STMT_VERIFICATION_CANCEL,
	STMT_VERIFICATION_STATS,
	STMT_EVENT_INSERT,
	STMT_EVENT_LIST_AFTER,
	STMT_EVENT_BY_INSTALLATION,
	STMT_EVENT_BOUNDS,
	STMT_WEBHOOK_INSERT,
	STMT_WEBHOOK_BY_ID,
	STMT_WEBHOOK_LIST,
	STMT_WEBHOOK_COUNT,
	STMT_WEBHOOK_SAVE,
	STMT_WEBHOOK_DELETE,
	STMT_WEBHOOK_ADVANCE,
	STMT_WEBHOOK_FAILED,
	STMT_WEBHOOK_DISABLE,
	STMT_WEBHOOK_TESTS_SENT,
	STMT_WEBHOOK_NEXT_EVENT,
	STMT_WEBHOOK_PENDING,
	STMT_LEASE_TAKE,
	STMT_LEASE_RELEASE,
	STMT_READ_BEGIN,
	STMT_READ_END,
	STMT_EVENT_PURGED_THROUGH,
	STMT_EVENT_NEWEST,
	STMT_PURGE_EVENTS_MARK,
	STMT_PURGE_EVENTS,
	STMT_PURGE_REJECTED_MARK,
	STMT_PURGE_REJECTED,
	STMT_PURGE_REQUESTS_UNLINK,
	STMT_PURGE_REQUESTS,
	STMT_PURGE_INSTALLATIONS_HISTORY,
	STMT_PURGE_INSTALLATIONS_VERIFICATIONS,
	STMT_PURGE_INSTALLATIONS,
	STMT_ERASE_FIND_REQUESTS,
	STMT_ERASE_FIND_INSTALLATIONS,
	STMT_ERASE_FIND_EVENTS,
	STMT_ERASE_EVENT_BY_ID,
	STMT_ERASE_STRIP_EVENT,
	STMT_ERASE_UNLINK_INSTALLATIONS,
	STMT_ERASE_VERIFICATIONS,
	STMT_ERASE_INSTALLATIONS,
	STMT_ERASE_REQUESTS,
	STMT_COUNT
};

struct sqlite_wal;

struct sqlite_store {
	struct store base;
	sqlite3 *db;
	sqlite3_stmt *stmts[STMT_COUNT];
	struct store_changes changes; /* of the current transaction */
	/* The writer's connection only: the upkeep of the write-ahead log. */
	struct sqlite_wal *wal;
};

/* The SQL text of every statement, indexed by enum sqlite_stmt. */
extern const char *const store_sqlite_sql[STMT_COUNT];

/* The migrations of schema/, embedded by the build. */
extern const struct store_migration store_sqlite_migrations[];
extern const unsigned store_sqlite_migrations_count;

/* The engine's connection behind a store. */
struct sqlite_store *sqlite_of(struct store *st);

/* The raw handle, for the engine's files and its tests. */
sqlite3 *store_sqlite_db(struct store *st);

/* The values of a statement's parameters ?1, ?2, ... in order, added with
 * sqlite_param_*; text and bytes are borrowed until the statement has run. */
#define SQLITE_PARAMS_MAX 16
struct sqlite_params {
	int n;
	struct sqlite_param {
		enum { SQLITE_PARAM_NULL, SQLITE_PARAM_TEXT, SQLITE_PARAM_INT, SQLITE_PARAM_BLOB } type;
		const void *data; /* text or bytes */
		int64_t value;    /* the integer, or the length of the bytes */
	} v[SQLITE_PARAMS_MAX];
};
void sqlite_param_text(struct sqlite_params *p, const char *s); /* NULL for NULL */
void sqlite_param_opt(struct sqlite_params *p, const char *s);  /* NULL for NULL or "" */
void sqlite_param_int(struct sqlite_params *p, int64_t v);
void sqlite_param_known(struct sqlite_params *p, int64_t v);    /* NULL when below zero */
void sqlite_param_nonzero(struct sqlite_params *p, int64_t v);  /* NULL when zero */
void sqlite_param_blob(struct sqlite_params *p, const void *b, int len);

/* Runs statement id with p bound (p may be NULL), a statement that returns no
 * rows; a failure is logged with op naming the operation. With changed not
 * NULL, it is set to whether a row changed. Returns 0 or -1. */
int sqlite_run_write(struct sqlite_store *s, enum sqlite_stmt id, const struct sqlite_params *p, const char *op,
		     int *changed);

/* Runs statement id with p bound (p may be NULL) and calls row on each row it
 * returns, until row returns nonzero. Returns 0, or -1 when preparing or a
 * step failed (logged with op). */
int sqlite_run_rows(struct sqlite_store *s, enum sqlite_stmt id, const struct sqlite_params *p, const char *op,
		    int (*row)(sqlite3_stmt *stmt, void *ctx), void *ctx);

/* Runs statement id, which returns at most one row, and reads that row with
 * read (0 when it could, -1 when memory ran out). Returns 1 when a row was
 * read, 0 when there was none, -1 on failure. */
int sqlite_run_one(struct sqlite_store *s, enum sqlite_stmt id, const struct sqlite_params *p, const char *op,
		   int (*read)(sqlite3_stmt *stmt, void *ctx), void *ctx);

/* Copies a column's text into a fixed buffer, "" for NULL. */
void sqlite_copy_text(char *dst, size_t cap, sqlite3_stmt *stmt, int col);

/* The current row of a statement that selects EVENT_COLUMNS; the strings point
 * into the statement until it steps again. */
void sqlite_read_event(sqlite3_stmt *stmt, struct event_record *e);

/* Visits every row of a "status, count" statement. Returns 0 or -1. */
int sqlite_visit_counts(struct sqlite_store *s, enum sqlite_stmt id,
			int (*visit)(void *arg, const char *status, long long n), void *arg);

/* Logs a failed step of op with the connection's message. */
void sqlite_log_error(struct sqlite_store *s, const char *op);

/* The write-ahead log's upkeep on the writer's connection (store_sqlite_wal.c):
 * start with the connection, the pass after each batch, the pages logged, and
 * stop before the connection closes. */
int sqlite_wal_start(struct sqlite_store *s, const char *path, char *err, size_t errlen);
void sqlite_wal_after_batch(struct sqlite_store *s);
/* Asks the pass after this batch to copy the whole log into the database and
 * truncate it to nothing (an erasure's old rows must not stay in it). */
void sqlite_wal_truncate_after_commit(struct sqlite_store *s);
unsigned long long sqlite_wal_pages_logged(struct sqlite_store *s);
void sqlite_wal_stop(struct sqlite_store *s);

/* The operations by domain (store_sqlite_requests.c, _installations.c,
 * _events.c, _backup.c). */
int sqlite_request_insert(struct store *st, struct access_request *r, const unsigned char hash[TOKEN_HASH_LEN]);
int sqlite_request_find_by_id(struct store *st, const char *id, struct access_request *r);
int sqlite_request_find_by_token(struct store *st, const unsigned char hash[TOKEN_HASH_LEN],
				 struct access_request *r);
int sqlite_request_list(struct store *st, int64_t before_seq, const char *reference, const char *status,
			int64_t now, long limit, int (*visit)(void *arg, const struct access_request *r), void *arg);
int sqlite_request_mark_opened(struct store *st, int64_t seq, int64_t now, int *changed);
int sqlite_request_set_token(struct store *st, int64_t seq, const unsigned char hash[TOKEN_HASH_LEN],
			     int64_t expires_at);
int sqlite_request_complete(struct store *st, int64_t seq, const char *status, int success,
			    const char *installation_id, int64_t now);
int sqlite_request_cancel(struct store *st, int64_t seq, int *changed);
int sqlite_request_list_due_expiry(struct store *st, int64_t now, long limit,
				   int (*visit)(void *arg, int64_t seq, const char *id, const char *reference),
				   void *arg);
int sqlite_request_expire(struct store *st, int64_t seq);
int sqlite_request_count_by_status(struct store *st, int (*visit)(void *arg, const char *status, long long n),
				   void *arg);

int sqlite_installation_find(struct store *st, const char *installation_id, struct installation *in);
int sqlite_installation_record_grant(struct store *st, const char *installation_id, const char *status,
				     int installation_type, const char *reference, const char *request_id,
				     int64_t now);
int sqlite_installation_list(struct store *st, int64_t before_updated, int64_t before_seq, int64_t since,
			     const char *status, const char *reference, long limit,
			     int (*visit)(void *arg, const struct installation *in), void *arg);
int sqlite_installation_revoke(struct store *st, const char *installation_id, int64_t now, int *changed);
int sqlite_installation_count_by_status(struct store *st,
					int (*visit)(void *arg, const char *status, long long n), void *arg);
int sqlite_installation_set_verified(struct store *st, const char *installation_id, int64_t now,
				     const char *name, int64_t roles, int *changed);
int sqlite_installation_set_unconfirmed(struct store *st, const char *installation_id, int64_t now,
					const char *error, int *changed);
int sqlite_installation_promote(struct store *st, const char *installation_id, int64_t now, const char *name,
				int64_t roles, int *changed);
int sqlite_installation_set_last_error(struct store *st, const char *installation_id, const char *error);
int sqlite_installation_list_granted_after(struct store *st, int64_t after_seq, long limit,
					   int (*visit)(void *arg, int64_t seq, const char *installation_id,
							int64_t updated_at),
					   void *arg);
int sqlite_installation_insert_discovered(struct store *st, const char *installation_id, int type, int64_t now,
					  const char *name, int64_t roles, int *changed);

int sqlite_verification_queue(struct store *st, const char *installation_id, int64_t now);
int sqlite_verification_list_due(struct store *st, int64_t now, long limit,
				 int (*visit)(void *arg, const struct verification_due *due), void *arg);
int sqlite_verification_reschedule(struct store *st, const struct verification_due *due, int64_t next_attempt,
				   const char *error, int *changed);
int sqlite_verification_finish(struct store *st, const struct verification_due *due, int *changed);
int sqlite_verification_cancel(struct store *st, const char *installation_id);
int sqlite_verification_stats(struct store *st, long long *count, int64_t *oldest_queued_at);

int sqlite_event_append(struct store *st, int64_t at, const char *type, const char *request_id,
			const char *installation_id, const char *reference, const char *detail);
int sqlite_event_list_after(struct store *st, int64_t after, long limit,
			    int (*visit)(void *arg, const struct event_record *e), void *arg);
int sqlite_event_list_by_installation(struct store *st, const char *installation_id, long limit,
				      int (*visit)(void *arg, const struct event_record *e), void *arg);

int sqlite_lease_take(struct store *st, const char *kind, const char *holder, int64_t now, int64_t expires_at,
		      int *held);
int sqlite_lease_release(struct store *st, const char *kind, const char *holder);

/* The webhook store (store_sqlite_webhooks.c). */
int sqlite_webhook_get(struct store *st, const char *id, struct webhook_endpoint *out);
int sqlite_webhook_list(struct store *st, struct webhook_endpoint **out, size_t *count);
int64_t sqlite_webhook_count(struct store *st);
int sqlite_webhook_insert(struct store *st, const struct webhook_endpoint *e);
int sqlite_webhook_save(struct store *st, const struct webhook_endpoint *e);
int sqlite_webhook_delete(struct store *st, const char *id);
int sqlite_webhook_event_bounds(struct store *st, int64_t *oldest, int64_t *newest);
int sqlite_webhook_next_event(struct store *st, const struct webhook_endpoint *e, int64_t after, int64_t through,
		json_t **event, int64_t *event_id);
int64_t sqlite_webhook_pending(struct store *st, const struct webhook_endpoint *e);
int sqlite_webhook_advance(struct store *st, const char *id, int64_t from, int64_t revision, int64_t event_id,
		int64_t now, int status);
int sqlite_webhook_failed(struct store *st, const char *id, int64_t from, int64_t revision, int64_t next_attempt_ms,
		int64_t now, int status, const char *error);
int sqlite_webhook_disable(struct store *st, const char *id, int64_t now, const char *reason, int status,
		const char *error);
int sqlite_webhook_tests_sent(struct store *st, const char *id, int64_t sent);

int sqlite_backup_supported(const char *database, char *err, size_t errlen);
int sqlite_backup_copy(struct store *src, const char *path, char *err, size_t errlen);
int sqlite_backup_check(const char *path, int *version, char *err, size_t errlen);

/* store_sqlite_retention.c: retention_store.h on this engine. */
long sqlite_retention_purge_batch(struct store *st, enum retention_kind kind, int64_t cutoff, int limit);
int sqlite_retention_snapshot_begin(struct store *st);
void sqlite_retention_snapshot_end(struct store *st);
int64_t sqlite_retention_purged_through(struct store *st);
int64_t sqlite_retention_feed_position(struct store *st);
int sqlite_retention_erase_scan(struct store *st, const char *reference, const char *installation_id,
				struct erasure_scan *out);
int sqlite_retention_erase(struct store *st, const char *reference, const char *installation_id,
			   const struct erasure_scan *scan, struct erasure_counts *out);
void sqlite_retention_wipe_log_after_commit(struct store *st);

#endif
