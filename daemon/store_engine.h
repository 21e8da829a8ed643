/*
 * store_engine.h — what an engine of the store provides: one table of
 * functions, one per operation of store.h, and the connection every engine's
 * own connection begins with. Included only by store.c and the engines.
 */
#ifndef ACCESSD_STORE_ENGINE_H
#define ACCESSD_STORE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "records.h"
#include "retention_store.h"
#include "webhook_store.h"

/* One migration, embedded from schema/ by the build (scripts/embed-schema.sh). */
struct store_migration {
	int version;
	const char *name;
	const char *sql;
};

/* The start of every engine's connection structure. */
struct store {
	const struct store_engine *engine;
};

struct store_engine {
	const char *name;
	/* Whether this engine serves the `database` value. */
	int (*accepts)(const char *database);
	int (*global_init)(void);
	struct store *(*open)(const char *database, int create, int role, char *err, size_t errlen);
	void (*close)(struct store *st);
	const char *(*errmsg)(struct store *st);
	int (*migrate)(struct store *st, char *err, size_t errlen);
	int (*schema_version)(struct store *st);

	int (*begin)(struct store *st);
	int (*commit)(struct store *st);
	int (*rollback)(struct store *st);
	int (*savepoint)(struct store *st);
	int (*release)(struct store *st);
	int (*rollback_to)(struct store *st);
	void (*after_batch)(struct store *st);
	unsigned long long (*pages_logged)(struct store *st);
	int (*probe_write)(struct store *st);

	int (*backup_supported)(const char *database, char *err, size_t errlen);
	int (*backup_copy)(struct store *src, const char *path, char *err, size_t errlen);
	int (*backup_check)(const char *path, int *version, char *err, size_t errlen);

	int (*request_insert)(struct store *st, struct access_request *r, const unsigned char hash[TOKEN_HASH_LEN]);
	int (*request_find_by_id)(struct store *st, const char *id, struct access_request *r);
	int (*request_find_by_token)(struct store *st, const unsigned char hash[TOKEN_HASH_LEN],
				     struct access_request *r);
	int (*request_list)(struct store *st, int64_t before_seq, const char *reference, const char *status,
			    int64_t now, long limit, int (*visit)(void *arg, const struct access_request *r),
			    void *arg);
	int (*request_mark_opened)(struct store *st, int64_t seq, int64_t now, int *changed);
	int (*request_set_token)(struct store *st, int64_t seq, const unsigned char hash[TOKEN_HASH_LEN],
				 int64_t expires_at);
	int (*request_complete)(struct store *st, int64_t seq, const char *status, int success,
				const char *installation_id, int64_t now);
	int (*request_cancel)(struct store *st, int64_t seq, int *changed);
	int (*request_list_due_expiry)(struct store *st, int64_t now, long limit,
				       int (*visit)(void *arg, int64_t seq, const char *id, const char *reference),
				       void *arg);
	int (*request_expire)(struct store *st, int64_t seq);
	int (*request_count_by_status)(struct store *st, int (*visit)(void *arg, const char *status, long long n),
				       void *arg);

	int (*installation_find)(struct store *st, const char *installation_id, struct installation *in);
	int (*installation_record_grant)(struct store *st, const char *installation_id, const char *status,
					 int installation_type, const char *reference, const char *request_id,
					 int64_t now);
	int (*installation_list)(struct store *st, int64_t before_updated, int64_t before_seq, int64_t since,
				 const char *status, const char *reference, long limit,
				 int (*visit)(void *arg, const struct installation *in), void *arg);
	int (*installation_revoke)(struct store *st, const char *installation_id, int64_t now, int *changed);
	int (*installation_count_by_status)(struct store *st,
					    int (*visit)(void *arg, const char *status, long long n), void *arg);
	int (*installation_set_verified)(struct store *st, const char *installation_id, int64_t now,
					 const char *name, int64_t roles, int *changed);
	int (*installation_set_unconfirmed)(struct store *st, const char *installation_id, int64_t now,
					    const char *error, int *changed);
	int (*installation_promote)(struct store *st, const char *installation_id, int64_t now, const char *name,
				    int64_t roles, int *changed);
	int (*installation_set_last_error)(struct store *st, const char *installation_id, const char *error);
	int (*installation_list_granted_after)(struct store *st, int64_t after_seq, long limit,
					       int (*visit)(void *arg, int64_t seq, const char *installation_id,
							    int64_t updated_at),
					       void *arg);
	int (*installation_insert_discovered)(struct store *st, const char *installation_id, int type,
					      int64_t now, const char *name, int64_t roles, int *changed);

	int (*verification_queue)(struct store *st, const char *installation_id, int64_t now);
	int (*verification_list_due)(struct store *st, int64_t now, long limit,
				     int (*visit)(void *arg, const struct verification_due *due), void *arg);
	int (*verification_reschedule)(struct store *st, const struct verification_due *due,
				       int64_t next_attempt, const char *error, int *changed);
	int (*verification_finish)(struct store *st, const struct verification_due *due, int *changed);
	int (*verification_cancel)(struct store *st, const char *installation_id);
	int (*verification_stats)(struct store *st, long long *count, int64_t *oldest_queued_at);

	int (*event_append)(struct store *st, int64_t at, const char *type, const char *request_id,
			    const char *installation_id, const char *reference, const char *detail);
	int (*event_list_after)(struct store *st, int64_t after, long limit,
				int (*visit)(void *arg, const struct event_record *e), void *arg);
	int (*event_list_by_installation)(struct store *st, const char *installation_id, long limit,
					  int (*visit)(void *arg, const struct event_record *e), void *arg);

	int (*lease_take)(struct store *st, const char *kind, const char *holder, int64_t now, int64_t expires_at,
			  int *held);
	int (*lease_release)(struct store *st, const char *kind, const char *holder);
	int (*check_database)(const char *database, char *err, size_t errlen);

	/* retention_store.h */
	long (*retention_purge_batch)(struct store *st, enum retention_kind kind, int64_t cutoff, int limit);
	int (*retention_snapshot_begin)(struct store *st);
	void (*retention_snapshot_end)(struct store *st);
	int64_t (*retention_purged_through)(struct store *st);
	int64_t (*retention_feed_position)(struct store *st);
	int (*retention_erase_scan)(struct store *st, const char *reference, const char *installation_id,
				    struct erasure_scan *out);
	int (*retention_erase)(struct store *st, const char *reference, const char *installation_id,
			       const struct erasure_scan *scan, struct erasure_counts *out);
	void (*retention_wipe_log_after_commit)(struct store *st);
	/* The webhook store: the operations of webhook_store.h, same meaning. */
	int (*webhook_get)(struct store *st, const char *id, struct webhook_endpoint *out);
	int (*webhook_list)(struct store *st, struct webhook_endpoint **out, size_t *count);
	int64_t (*webhook_count)(struct store *st);
	int (*webhook_insert)(struct store *st, const struct webhook_endpoint *e);
	int (*webhook_save)(struct store *st, const struct webhook_endpoint *e);
	int (*webhook_delete)(struct store *st, const char *id);
	int (*webhook_event_bounds)(struct store *st, int64_t *oldest, int64_t *newest);
	int (*webhook_next_event)(struct store *st, const struct webhook_endpoint *e, int64_t after,
				  int64_t through, json_t **event, int64_t *event_id);
	int64_t (*webhook_pending)(struct store *st, const struct webhook_endpoint *e);
	int (*webhook_advance)(struct store *st, const char *id, int64_t from, int64_t revision, int64_t event_id,
			       int64_t now, int status);
	int (*webhook_failed)(struct store *st, const char *id, int64_t from, int64_t revision,
			      int64_t next_attempt_ms, int64_t now, int status, const char *error);
	int (*webhook_disable)(struct store *st, const char *id, int64_t now, const char *reason, int status,
			       const char *error);
	int (*webhook_tests_sent)(struct store *st, const char *id, int64_t sent);
};

/* What a connection is for, passed to open. */
enum store_role {
	STORE_ROLE_PLAIN,  /* the command line, migrations */
	STORE_ROLE_READER, /* a thread's reading connection: never writes */
	STORE_ROLE_WRITER, /* the writer thread's */
};

/* The engines. */
extern const struct store_engine store_sqlite_engine;
extern const struct store_engine store_pg_engine;

/* The password of store_set_password, or NULL. */
const char *store_password(void);

/* The access requests one transaction may change and still be reported one by
 * one to the commit hook; beyond that it reports "any". */
#define STORE_CHANGED_MAX 1024

/* What the current transaction changed, as the hooks of
 * store_on_requests_changed and store_on_events_added want to learn it. */
struct store_changes {
	int64_t requests[STORE_CHANGED_MAX]; /* access requests, by seq */
	size_t count;
	int overflow;     /* more than STORE_CHANGED_MAX */
	int events_added;
};

void store_changes_note_request(struct store_changes *c, int64_t seq);

/* When a transaction ended, committed or not: tells the hooks which requests
 * it may have changed and, when it committed, that it added events; then
 * forgets, for the next transaction. */
void store_changes_report(struct store_changes *c, int committed);

#endif
