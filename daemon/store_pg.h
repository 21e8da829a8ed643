/*
 * store_pg.h — the PostgreSQL engine's own: its connection, its statements,
 * and the helpers its files share. Only the engine's files (store_pg*.c)
 * include this header, and with it libpq-fe.h.
 */
#ifndef ACCESSD_STORE_PG_H
#define ACCESSD_STORE_PG_H

#include <libpq-fe.h>

#include "store_engine.h"

enum pg_stmt {
	PG_READY_PROBE,
	PG_REQUEST_INSERT,
	PG_REQUEST_BY_ID,
	PG_REQUEST_BY_TOKEN,
	PG_REQUEST_LIST,
	PG_REQUEST_SET_OPENED,
	PG_REQUEST_SET_TOKEN,
	PG_REQUEST_COMPLETE,
	PG_REQUEST_DUE_EXPIRY,
	PG_REQUEST_SET_EXPIRED,
	PG_REQUEST_CANCEL,
	PG_REQUEST_COUNT_BY_STATUS,
	PG_INSTALLATION_BY_ID,
	PG_INSTALLATION_UPSERT_GRANT,
	PG_INSTALLATION_LIST,
	PG_INSTALLATION_LIST_STATUS,
	PG_INSTALLATION_LIST_REFERENCE,
	PG_INSTALLATION_REVOKE,
	PG_INSTALLATION_COUNT_BY_STATUS,
	PG_INSTALLATION_SET_VERIFIED,
	PG_INSTALLATION_SET_UNCONFIRMED,
	PG_INSTALLATION_PROMOTE,
	PG_INSTALLATION_SET_LAST_ERROR,
	PG_INSTALLATION_GRANTED_AFTER,
	PG_INSTALLATION_INSERT_DISCOVERED,
	PG_VERIFICATION_QUEUE,
	PG_VERIFICATION_DUE,
	PG_VERIFICATION_RESCHEDULE,
	PG_VERIFICATION_FINISH,
	PG_VERIFICATION_CANCEL,
	PG_VERIFICATION_STATS,
	PG_EVENT_INSERT,
	PG_EVENT_LIST_AFTER,
	PG_EVENT_BY_INSTALLATION,
	PG_LEASE_TAKE,
	PG_LEASE_RELEASE,
	PG_READ_BEGIN,
	PG_READ_END,
	PG_EVENT_PURGED_THROUGH,
	PG_EVENT_NEWEST,
	PG_PURGE_EVENTS,
	PG_PURGE_REJECTED,
	PG_PURGE_REQUESTS,
	PG_PURGE_INSTALLATIONS,
	PG_ERASE_FIND_REQUESTS,
	PG_ERASE_FIND_INSTALLATIONS,
	PG_ERASE_FIND_EVENTS,
	PG_ERASE_STRIP_EVENT,
	PG_ERASE_UNLINK_INSTALLATIONS,
	PG_ERASE_VERIFICATIONS,
	PG_ERASE_INSTALLATIONS,
	PG_ERASE_REQUESTS,
	PG_EVENT_BOUNDS,
	PG_WEBHOOK_INSERT,
	PG_WEBHOOK_BY_ID,
	PG_WEBHOOK_BY_ID_LOCKED,
	PG_WEBHOOK_LIST,
	PG_WEBHOOK_COUNT,
	PG_WEBHOOK_SAVE,
	PG_WEBHOOK_DELETE,
	PG_WEBHOOK_ADVANCE,
	PG_WEBHOOK_FAILED,
	PG_WEBHOOK_DISABLE,
	PG_WEBHOOK_TESTS_SENT,
	PG_WEBHOOK_NEXT_EVENT,
	PG_WEBHOOK_PENDING,
	PG_STMT_COUNT
};

/* A statement's text and how many parameters it takes. */
struct pg_stmt_text {
	int params;
	const char *sql;
};

extern const struct pg_stmt_text store_pg_sql[PG_STMT_COUNT];

/* The migrations of schema/postgresql/, embedded by the build. */
extern const struct store_migration store_pg_migrations[];
extern const unsigned store_pg_migrations_count;

/* A statement sent in the writer's pipeline whose result is not read yet. */
struct pg_queued {
	const char *op; /* for the log */
	int prepares;   /* the statement it prepares, or -1 */
};
#define PG_QUEUE_MAX 32

struct pg_store {
	struct store base;
	PGconn *conn;
	char *database;
	unsigned char prepared[PG_STMT_COUNT];
	int in_transaction;
	int savepoint_kept; /* the last job's savepoint awaits its release */
	int pipeline;       /* in the writer's transaction: libpq's pipeline mode */
	struct pg_queued queued[PG_QUEUE_MAX];
	int queued_count;
	struct store_changes changes; /* of the current transaction */
};

/* Up to this many parameters, each as text (or bytes), built on the stack. */
#define PG_PARAMS_MAX 16
struct pg_params {
	int n;
	const char *values[PG_PARAMS_MAX];
	int lengths[PG_PARAMS_MAX];
	int formats[PG_PARAMS_MAX];
	char numbers[PG_PARAMS_MAX][24];
};

void pg_param_text(struct pg_params *p, const char *s);     /* NULL for NULL */
void pg_param_opt(struct pg_params *p, const char *s);      /* NULL for NULL or "" */
void pg_param_int(struct pg_params *p, int64_t v);
void pg_param_known(struct pg_params *p, int64_t v);        /* NULL when below zero */
void pg_param_bytes(struct pg_params *p, const unsigned char *b, int len);

struct pg_store *pg_of(struct store *st);

/* Runs statement id with p, preparing it on first use on this connection and
 * re-establishing a dropped connection outside a transaction. Returns the
 * result when it succeeded (the caller clears it), or NULL (logged as op). */
PGresult *pg_run(struct pg_store *s, enum pg_stmt id, const struct pg_params *p, const char *op);

/* Runs a statement that returns no rows; changed (may be NULL) is set to
 * whether it changed a row. Returns 0 or -1. In the writer's transaction one
 * without changed is only queued: its failure fails the job at its end. */
int pg_run_write(struct pg_store *s, enum pg_stmt id, const struct pg_params *p, const char *op, int *changed);

/* The name statement id is prepared under on every connection. */
void pg_stmt_name(enum pg_stmt id, char name[16]);

/* The writer's transactions in pipeline mode (store_pg_pipeline.c): enter
 * after BEGIN and leave before COMMIT or ROLLBACK; queue a statement or plain
 * SQL without waiting for it; drain sends what is queued and reads every
 * result, returning 0 when all succeeded, and the last one's result in *last
 * (may be NULL; the caller clears it). Each returns 0 or -1, logged. */
int pg_pipeline_enter(struct pg_store *s);
int pg_pipeline_leave(struct pg_store *s);
int pg_pipeline_queue(struct pg_store *s, enum pg_stmt id, const struct pg_params *p, const char *op);
int pg_pipeline_queue_sql(struct pg_store *s, const char *sql);
int pg_pipeline_drain(struct pg_store *s, PGresult **last);

/* A column as text ("" for NULL), as a number (none for NULL). */
const char *pg_text(const PGresult *res, int row, int col);
int64_t pg_int(const PGresult *res, int row, int col, int64_t none);
void pg_copy_text(char *dst, size_t cap, const PGresult *res, int row, int col);

int pg_request_insert(struct store *st, struct access_request *r, const unsigned char hash[TOKEN_HASH_LEN]);
int pg_request_find_by_id(struct store *st, const char *id, struct access_request *r);
int pg_request_find_by_token(struct store *st, const unsigned char hash[TOKEN_HASH_LEN], struct access_request *r);
int pg_request_list(struct store *st, int64_t before_seq, const char *reference, const char *status, int64_t now,
		    long limit, int (*visit)(void *arg, const struct access_request *r), void *arg);
int pg_request_mark_opened(struct store *st, int64_t seq, int64_t now, int *changed);
int pg_request_set_token(struct store *st, int64_t seq, const unsigned char hash[TOKEN_HASH_LEN], int64_t expires_at);
int pg_request_complete(struct store *st, int64_t seq, const char *status, int success, const char *installation_id,
			int64_t now);
int pg_request_cancel(struct store *st, int64_t seq, int *changed);
int pg_request_list_due_expiry(struct store *st, int64_t now, long limit,
			       int (*visit)(void *arg, int64_t seq, const char *id, const char *reference), void *arg);
int pg_request_expire(struct store *st, int64_t seq);
int pg_request_count_by_status(struct store *st, int (*visit)(void *arg, const char *status, long long n),
			       void *arg);
int pg_visit_counts(struct pg_store *s, enum pg_stmt id, int (*visit)(void *arg, const char *status, long long n),
		    void *arg);

int pg_installation_find(struct store *st, const char *installation_id, struct installation *in);
int pg_installation_record_grant(struct store *st, const char *installation_id, const char *status,
				 int installation_type, const char *reference, const char *request_id, int64_t now);
int pg_installation_list(struct store *st, int64_t before_updated, int64_t before_seq, int64_t since,
			 const char *status, const char *reference, long limit,
			 int (*visit)(void *arg, const struct installation *in), void *arg);
int pg_installation_revoke(struct store *st, const char *installation_id, int64_t now, int *changed);
int pg_installation_count_by_status(struct store *st, int (*visit)(void *arg, const char *status, long long n),
				    void *arg);
int pg_installation_set_verified(struct store *st, const char *installation_id, int64_t now, const char *name,
				 int64_t roles, int *changed);
int pg_installation_set_unconfirmed(struct store *st, const char *installation_id, int64_t now, const char *error,
				    int *changed);
int pg_installation_promote(struct store *st, const char *installation_id, int64_t now, const char *name,
			    int64_t roles, int *changed);
int pg_installation_set_last_error(struct store *st, const char *installation_id, const char *error);
int pg_installation_list_granted_after(struct store *st, int64_t after_seq, long limit,
				       int (*visit)(void *arg, int64_t seq, const char *installation_id,
						    int64_t updated_at),
				       void *arg);
int pg_installation_insert_discovered(struct store *st, const char *installation_id, int type, int64_t now,
				      const char *name, int64_t roles, int *changed);
int pg_verification_queue(struct store *st, const char *installation_id, int64_t now);
int pg_verification_list_due(struct store *st, int64_t now, long limit,
			     int (*visit)(void *arg, const struct verification_due *due), void *arg);
int pg_verification_reschedule(struct store *st, const struct verification_due *due, int64_t next_attempt,
			       const char *error, int *changed);
int pg_verification_finish(struct store *st, const struct verification_due *due, int *changed);
int pg_verification_cancel(struct store *st, const char *installation_id);
int pg_verification_stats(struct store *st, long long *count, int64_t *oldest_queued_at);

int pg_event_append(struct store *st, int64_t at, const char *type, const char *request_id,
		    const char *installation_id, const char *reference, const char *detail);
int pg_event_list_after(struct store *st, int64_t after, long limit,
			int (*visit)(void *arg, const struct event_record *e), void *arg);
int pg_event_list_by_installation(struct store *st, const char *installation_id, long limit,
				  int (*visit)(void *arg, const struct event_record *e), void *arg);
int pg_lease_take(struct store *st, const char *kind, const char *holder, int64_t now, int64_t expires_at,
		  int *held);
int pg_lease_release(struct store *st, const char *kind, const char *holder);

/* store_pg_retention.c: retention_store.h on this engine. */
long pg_retention_purge_batch(struct store *st, enum retention_kind kind, int64_t cutoff, int limit);
int pg_retention_snapshot_begin(struct store *st);
void pg_retention_snapshot_end(struct store *st);
int64_t pg_retention_purged_through(struct store *st);
int64_t pg_retention_feed_position(struct store *st);
int pg_retention_erase_scan(struct store *st, const char *reference, const char *installation_id,
			    struct erasure_scan *out);
int pg_retention_erase(struct store *st, const char *reference, const char *installation_id,
		       const struct erasure_scan *scan, struct erasure_counts *out);
void pg_retention_wipe_log_after_commit(struct store *st);
/* The webhook store (store_pg_webhooks.c). */
int pg_webhook_get(struct store *st, const char *id, struct webhook_endpoint *out);
int pg_webhook_list(struct store *st, struct webhook_endpoint **out, size_t *count);
int64_t pg_webhook_count(struct store *st);
int pg_webhook_insert(struct store *st, const struct webhook_endpoint *e);
int pg_webhook_save(struct store *st, const struct webhook_endpoint *e);
int pg_webhook_delete(struct store *st, const char *id);
int pg_webhook_event_bounds(struct store *st, int64_t *oldest, int64_t *newest);
int pg_webhook_next_event(struct store *st, const struct webhook_endpoint *e, int64_t after, int64_t through,
		json_t **event, int64_t *event_id);
int64_t pg_webhook_pending(struct store *st, const struct webhook_endpoint *e);
int pg_webhook_advance(struct store *st, const char *id, int64_t from, int64_t revision, int64_t event_id,
		int64_t now, int status);
int pg_webhook_failed(struct store *st, const char *id, int64_t from, int64_t revision, int64_t next_attempt_ms,
		int64_t now, int status, const char *error);
int pg_webhook_disable(struct store *st, const char *id, int64_t now, const char *reason, int status,
		const char *error);
int pg_webhook_tests_sent(struct store *st, const char *id, int64_t sent);

#endif
