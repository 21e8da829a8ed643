/*
 * store.h — the store: every read and write of durable state, as operations
 * named by what they do. Callers never see an engine or a line of SQL; each
 * engine (store_sqlite*.c) implements these operations behind one table of
 * functions, chosen from the `database` value when a connection opens.
 *
 * Threads: each thread that reads gets its own connection (store_reader()),
 * opened on first use and closed when the thread exits. Every write of the
 * daemon goes through the one writer thread (writer.h), whose connection is
 * opened with store_open_writer().
 *
 * Return values, unless said otherwise: 0 done, -1 a database failure (logged).
 * Lookups return 1 found, 0 not found, -1 failure. A `changed` out-parameter is
 * set to 1 when the operation changed a row, 0 when its condition matched none.
 * Listings call visit(arg, row) for each row in order and stop early when visit
 * returns non-zero (the caller knows why); rows passed to visit are valid only
 * during the call.
 */
#ifndef ACCESSD_STORE_H
#define ACCESSD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "records.h"

struct store;

/* How long a connection waits for a lock another one holds. */
#define STORE_BUSY_TIMEOUT_MS 5000

/* ---- connections ---- */

/* Configures the engines' libraries, before any connection opens. Returns 0,
 * or -1 when that is too late. */
int store_global_init(void);

/* Opens (creating when asked, where the engine can) the database named by the
 * configuration's `database` value. Returns a connection, or NULL with a
 * message in err. */
struct store *store_open(const char *database, int create, char *err, size_t errlen);

/* Opens the writer's connection: store_open, plus the engine's upkeep of what
 * commits leave behind (SQLite's write-ahead log). */
struct store *store_open_writer(const char *database, char *err, size_t errlen);

/* Closes a connection; accepts NULL. */
void store_close(struct store *st);

/* The engine's last error message on this connection (never NULL). */
const char *store_errmsg(struct store *st);

/* Applies the migrations the database lacks and refuses a database newer than
 * this binary. Returns 0, or -1 with err. */
int store_migrate(struct store *st, char *err, size_t errlen);

/* The database's schema version, or -1. */
int store_schema_version(struct store *st);

/* Sets the database for reader connections; call once before any reader. */
void store_set_path(const char *database);

/* This thread's reading connection, opened on first use. NULL when it cannot be
 * opened (logged). */
struct store *store_reader(void);

/* Closes this thread's reading connection now (it would otherwise close at
 * thread exit). */
void store_reader_release(void);

/* ---- transactions ---- */

/* A transaction that may write; one savepoint inside it at a time. commit and
 * rollback end the transaction whatever they return. */
int store_begin(struct store *st);
int store_commit(struct store *st);
int store_rollback(struct store *st);
int store_savepoint(struct store *st);
int store_release(struct store *st);
int store_rollback_to(struct store *st);

/* Runs run(st, arg) in one transaction on this connection, for the command
 * line, which writes without the writer thread. Returns 0 committed, -1 rolled
 * back. */
int store_transaction(struct store *st, int (*run)(struct store *st, void *arg), void *arg);

/* Registers the one function told, after each transaction that changed access
 * requests ended (committed or not), which requests (by seq) it changed; n 0
 * with seqs NULL means "any". The redirect cache registers itself here. */
void store_on_requests_changed(void (*hook)(const int64_t *seqs, size_t n));

/* Registers the one function told, after each commit that added events, that
 * there are new ones (the webhook deliveries wake on it); it must not block. */
void store_on_events_added(void (*hook)(void));

/* The writer's upkeep between batches, once their answers are out: SQLite
 * rewinds a grown write-ahead log here. */
void store_after_batch(struct store *st);

/* Database pages the engine's log took for this connection's commits (SQLite's
 * WAL frames), for /metrics. */
unsigned long long store_pages_logged(struct store *st);

/* Commits a tiny write, to prove writes are taken (for /readyz); inside a
 * writer job. Returns 0 when it can. */
int store_probe_write(struct store *st);

/* ---- backups ---- */

/* Whether `backup` can copy this database itself; when not, why not (the tool
 * to use instead) in err. */
int store_backup_supported(const char *database, char *err, size_t errlen);

/* Copies the whole of src, in one consistent snapshot, into a new database file
 * at path. Returns 0, or -1 with err. */
int store_backup_copy(struct store *src, const char *path, char *err, size_t errlen);

/* Checks the integrity of the copy at path and reads its schema version.
 * Returns 0 when it is sound, else -1 with err. */
int store_backup_check(const char *path, int *version, char *err, size_t errlen);

/* ---- access requests ---- */

/* Inserts a new request under its token hash; sets r->seq. */
int store_request_insert(struct store *st, struct access_request *r, const unsigned char hash[TOKEN_HASH_LEN]);
int store_request_find_by_id(struct store *st, const char *id, struct access_request *r);
int store_request_find_by_token(struct store *st, const unsigned char hash[TOKEN_HASH_LEN],
				struct access_request *r);
/* Requests with seq below before_seq, newest first, at most limit; reference
 * and status (as seen at now: an open request past expiry is "expired") filter
 * when not NULL. */
int store_request_list(struct store *st, int64_t before_seq, const char *reference, const char *status,
		       int64_t now, long limit, int (*visit)(void *arg, const struct access_request *r),
		       void *arg);
/* Marks a pending, unopened request opened. */
int store_request_mark_opened(struct store *st, int64_t seq, int64_t now, int *changed);
/* A new token and expiry; an expired request opens again. */
int store_request_set_token(struct store *st, int64_t seq, const unsigned char hash[TOKEN_HASH_LEN],
			    int64_t expires_at);
/* Completes the request with status ("granted", "contested" or "denied");
 * success is 0 for a denial. */
int store_request_complete(struct store *st, int64_t seq, const char *status, int success,
			   const char *installation_id, int64_t now);
/* Cancels a request that has not ended in a grant. */
int store_request_cancel(struct store *st, int64_t seq, int *changed);
/* Open requests past expiry at now, at most limit. */
int store_request_list_due_expiry(struct store *st, int64_t now, long limit,
				  int (*visit)(void *arg, int64_t seq, const char *id, const char *reference),
				  void *arg);
/* Stores "expired" for a request still open. */
int store_request_expire(struct store *st, int64_t seq);
/* The number of requests of each status, as seen now. */
int store_request_count_by_status(struct store *st, int (*visit)(void *arg, const char *status, long long n),
				  void *arg);

/* ---- installations ---- */

int store_installation_find(struct store *st, const char *installation_id, struct installation *in);
/* Creates or renews the row of a grant with this status ("verifying" or
 * "granted"); clears what an earlier grant left. */
int store_installation_record_grant(struct store *st, const char *installation_id, const char *status,
				    int installation_type, const char *reference, const char *request_id,
				    int64_t now);
/* Installations before the cursor (updated_at, seq), most recently updated
 * first, updated at or after since, at most limit; status and reference filter
 * when not NULL. */
int store_installation_list(struct store *st, int64_t before_updated, int64_t before_seq, int64_t since,
			    const char *status, const char *reference, long limit,
			    int (*visit)(void *arg, const struct installation *in), void *arg);
/* Revokes a row not already revoked. */
int store_installation_revoke(struct store *st, const char *installation_id, int64_t now, int *changed);
int store_installation_count_by_status(struct store *st,
				       int (*visit)(void *arg, const char *status, long long n), void *arg);
/* The verifier's outcomes; each applies only to a row still "verifying". roles
 * -1 and name NULL are unknown. */
int store_installation_set_verified(struct store *st, const char *installation_id, int64_t now,
				    const char *name, int64_t roles, int *changed);
int store_installation_set_unconfirmed(struct store *st, const char *installation_id, int64_t now,
				       const char *error, int *changed);
/* Reconciliation saw an unconfirmed or verifying installation listed: granted. */
int store_installation_promote(struct store *st, const char *installation_id, int64_t now, const char *name,
			       int64_t roles, int *changed);
int store_installation_set_last_error(struct store *st, const char *installation_id, const char *error);
/* Granted installations with seq above after_seq, in seq order, at most limit. */
int store_installation_list_granted_after(struct store *st, int64_t after_seq, long limit,
					  int (*visit)(void *arg, int64_t seq, const char *installation_id,
						       int64_t updated_at),
					  void *arg);
/* Records one found at Zaptec as granted, unless a row exists; type -1, name
 * NULL and roles -1 are unknown. */
int store_installation_insert_discovered(struct store *st, const char *installation_id, int type, int64_t now,
					 const char *name, int64_t roles, int *changed);

/* ---- the verification queue ---- */

/* Queues (or queues again, resetting) the verification of an installation. */
int store_verification_queue(struct store *st, const char *installation_id, int64_t now);
/* Verifications due at now, earliest first, at most limit. */
int store_verification_list_due(struct store *st, int64_t now, long limit,
				int (*visit)(void *arg, const struct verification_due *due), void *arg);
/* Reschedule or finish the round read as due; changed 0 when the grant was
 * queued again since. */
int store_verification_reschedule(struct store *st, const struct verification_due *due, int64_t next_attempt,
				  const char *error, int *changed);
int store_verification_finish(struct store *st, const struct verification_due *due, int *changed);
/* Drops an installation's verification, whatever its round. */
int store_verification_cancel(struct store *st, const char *installation_id);
/* How many wait, and since when the oldest (0 when none). */
int store_verification_stats(struct store *st, long long *count, int64_t *oldest_queued_at);

/* ---- events ---- */

/* Appends an event; strings may be NULL, detail is JSON text. */
int store_event_append(struct store *st, int64_t at, const char *type, const char *request_id,
		       const char *installation_id, const char *reference, const char *detail);
/* Events with ids above after, oldest first, at most limit. */
int store_event_list_after(struct store *st, int64_t after, long limit,
			   int (*visit)(void *arg, const struct event_record *e), void *arg);
/* An installation's events, oldest first, at most limit. */
int store_event_list_by_installation(struct store *st, const char *installation_id, long limit,
				     int (*visit)(void *arg, const struct event_record *e), void *arg);

/* ---- leases of background work ---- */

/* Takes the lease of kind for holder until expires_at when it is free, has
 * expired by now, or is already holder's (a renewal); held says whether holder
 * has it now. */
int store_lease_take(struct store *st, const char *kind, const char *holder, int64_t now, int64_t expires_at,
		     int *held);
/* Gives up holder's lease of kind, so another instance need not wait for it
 * to expire. */
int store_lease_release(struct store *st, const char *kind, const char *holder);

/* ---- configuration ---- */

/* Checks a `database` value the engines would refuse (a PostgreSQL URI that
 * holds a password). Returns 0, or -1 with err. */
int store_check_database(const char *database, char *err, size_t errlen);

/* The password to log in with, for engines that log in (NULL: none, or the
 * engine's own means). Set before any connection opens; copied. */
void store_set_password(const char *password);

#endif
