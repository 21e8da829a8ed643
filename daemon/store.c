/*
 * store.c — what the store does whatever the engine: choosing the engine from
 * the `database` value, handing each operation to it, the per-thread reader
 * connections, the command line's transactions, and the commit hook.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_engine.h"

/* SQLite last: it takes any path no other engine claims. */
static const struct store_engine *const engines[] = { &store_pg_engine, &store_sqlite_engine };
static char *password;

static char *reader_database;
static pthread_key_t reader_key;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;
static void (*_Atomic requests_changed_hook)(const int64_t *seqs, size_t n);
static void (*_Atomic events_added_hook)(void);

/* The engine for a `database` value; the last one (SQLite, which takes any
 * path) when no other claims it. */
static const struct store_engine *engine_for(const char *database)
{
	size_t n = sizeof engines / sizeof engines[0];
	for (size_t i = 0; i + 1 < n; i++)
		if (engines[i]->accepts(database))
			return engines[i];
	return engines[n - 1];
}

int store_global_init(void)
{
	int rc = 0;
	for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++)
		rc |= engines[i]->global_init();
	return rc;
}

struct store *store_open(const char *database, int create, char *err, size_t errlen)
{
	return engine_for(database)->open(database, create, STORE_ROLE_PLAIN, err, errlen);
}

struct store *store_open_writer(const char *database, char *err, size_t errlen)
{
	return engine_for(database)->open(database, 0, STORE_ROLE_WRITER, err, errlen);
}

void store_close(struct store *st)
{
	if (st != NULL)
		st->engine->close(st);
}

const char *store_errmsg(struct store *st)
{
	return st->engine->errmsg(st);
}

int store_migrate(struct store *st, char *err, size_t errlen)
{
	return st->engine->migrate(st, err, errlen);
}

int store_schema_version(struct store *st)
{
	return st->engine->schema_version(st);
}

static void reader_destroy(void *st)
{
	store_close(st);
}

static void reader_key_create(void)
{
	pthread_key_create(&reader_key, reader_destroy);
}

void store_set_path(const char *database)
{
	free(reader_database);
	reader_database = strdup(database);
}

struct store *store_reader(void)
{
	pthread_once(&reader_once, reader_key_create);
	struct store *st = pthread_getspecific(reader_key);
	if (st != NULL)
		return st;

	char err[512];
	st = engine_for(reader_database)->open(reader_database, 0, STORE_ROLE_READER, err, sizeof err);
	if (st == NULL) {
		log_error("event=db.open_failed error=\"%s\"", err);
		return NULL;
	}
	pthread_setspecific(reader_key, st);
	return st;
}

void store_reader_release(void)
{
	pthread_once(&reader_once, reader_key_create);
	store_close(pthread_getspecific(reader_key));
	pthread_setspecific(reader_key, NULL);
}

int store_begin(struct store *st)
{
	return st->engine->begin(st);
}

int store_commit(struct store *st)
{
	return st->engine->commit(st);
}

int store_rollback(struct store *st)
{
	return st->engine->rollback(st);
}

int store_savepoint(struct store *st)
{
	return st->engine->savepoint(st);
}

int store_release(struct store *st)
{
	return st->engine->release(st);
}

int store_rollback_to(struct store *st)
{
	return st->engine->rollback_to(st);
}

int store_transaction(struct store *st, int (*run)(struct store *st, void *arg), void *arg)
{
	if (store_begin(st) != 0)
		return -1;
	if (run(st, arg) == 0 && store_commit(st) == 0)
		return 0;
	store_rollback(st);
	return -1;
}

void store_on_requests_changed(void (*hook)(const int64_t *seqs, size_t n))
{
	atomic_store(&requests_changed_hook, hook);
}


void store_on_events_added(void (*hook)(void))
{
	atomic_store(&events_added_hook, hook);
}

void store_changes_note_request(struct store_changes *c, int64_t seq)
{
	if (c->count < STORE_CHANGED_MAX)
		c->requests[c->count++] = seq;
	else
		c->overflow = 1;
}

void store_changes_report(struct store_changes *c, int committed)
{
	void (*requests_changed)(const int64_t *, size_t) = atomic_load(&requests_changed_hook);
	void (*events_added)(void) = atomic_load(&events_added_hook);
	if (requests_changed != NULL && (c->overflow || c->count > 0))
		requests_changed(c->overflow ? NULL : c->requests, c->overflow ? 0 : c->count);
	if (events_added != NULL && committed && c->events_added)
		events_added();
	c->count = 0;
	c->overflow = 0;
	c->events_added = 0;
}

void store_after_batch(struct store *st)
{
	st->engine->after_batch(st);
}

unsigned long long store_pages_logged(struct store *st)
{
	return st->engine->pages_logged(st);
}

int store_probe_write(struct store *st)
{
	return st->engine->probe_write(st);
}

int store_backup_supported(const char *database, char *err, size_t errlen)
{
	return engine_for(database)->backup_supported(database, err, errlen);
}

int store_backup_copy(struct store *src, const char *path, char *err, size_t errlen)
{
	return src->engine->backup_copy(src, path, err, errlen);
}

/* A backup is always a file of the embedded engine. */
int store_backup_check(const char *path, int *version, char *err, size_t errlen)
{
	return store_sqlite_engine.backup_check(path, version, err, errlen);
}

int store_request_insert(struct store *st, struct access_request *r, const unsigned char hash[TOKEN_HASH_LEN])
{
	return st->engine->request_insert(st, r, hash);
}

int store_request_find_by_id(struct store *st, const char *id, struct access_request *r)
{
	return st->engine->request_find_by_id(st, id, r);
}

int store_request_find_by_token(struct store *st, const unsigned char hash[TOKEN_HASH_LEN],
				struct access_request *r)
{
	return st->engine->request_find_by_token(st, hash, r);
}

int store_request_list(struct store *st, int64_t before_seq, const char *reference, const char *status,
		       int64_t now, long limit, int (*visit)(void *arg, const struct access_request *r),
		       void *arg)
{
	return st->engine->request_list(st, before_seq, reference, status, now, limit, visit, arg);
}

int store_request_mark_opened(struct store *st, int64_t seq, int64_t now, int *changed)
{
	return st->engine->request_mark_opened(st, seq, now, changed);
}

int store_request_set_token(struct store *st, int64_t seq, const unsigned char hash[TOKEN_HASH_LEN],
			    int64_t expires_at)
{
	return st->engine->request_set_token(st, seq, hash, expires_at);
}

int store_request_complete(struct store *st, int64_t seq, const char *status, int success,
			   const char *installation_id, int64_t now)
{
	return st->engine->request_complete(st, seq, status, success, installation_id, now);
}

int store_request_cancel(struct store *st, int64_t seq, int *changed)
{
	return st->engine->request_cancel(st, seq, changed);
}

int store_request_list_due_expiry(struct store *st, int64_t now, long limit,
				  int (*visit)(void *arg, int64_t seq, const char *id, const char *reference),
				  void *arg)
{
	return st->engine->request_list_due_expiry(st, now, limit, visit, arg);
}

int store_request_expire(struct store *st, int64_t seq)
{
	return st->engine->request_expire(st, seq);
}

int store_request_count_by_status(struct store *st, int (*visit)(void *arg, const char *status, long long n),
				  void *arg)
{
	return st->engine->request_count_by_status(st, visit, arg);
}

int store_installation_find(struct store *st, const char *installation_id, struct installation *in)
{
	return st->engine->installation_find(st, installation_id, in);
}

int store_installation_record_grant(struct store *st, const char *installation_id, const char *status,
				    int installation_type, const char *reference, const char *request_id,
				    int64_t now)
{
	return st->engine->installation_record_grant(st, installation_id, status, installation_type, reference,
						     request_id, now);
}

int store_installation_list(struct store *st, int64_t before_updated, int64_t before_seq, int64_t since,
			    const char *status, const char *reference, long limit,
			    int (*visit)(void *arg, const struct installation *in), void *arg)
{
	return st->engine->installation_list(st, before_updated, before_seq, since, status, reference, limit,
					     visit, arg);
}

int store_installation_revoke(struct store *st, const char *installation_id, int64_t now, int *changed)
{
	return st->engine->installation_revoke(st, installation_id, now, changed);
}

int store_installation_count_by_status(struct store *st,
				       int (*visit)(void *arg, const char *status, long long n), void *arg)
{
	return st->engine->installation_count_by_status(st, visit, arg);
}

int store_installation_set_verified(struct store *st, const char *installation_id, int64_t now,
				    const char *name, int64_t roles, int *changed)
{
	return st->engine->installation_set_verified(st, installation_id, now, name, roles, changed);
}

int store_installation_set_unconfirmed(struct store *st, const char *installation_id, int64_t now,
				       const char *error, int *changed)
{
	return st->engine->installation_set_unconfirmed(st, installation_id, now, error, changed);
}

int store_installation_promote(struct store *st, const char *installation_id, int64_t now, const char *name,
			       int64_t roles, int *changed)
{
	return st->engine->installation_promote(st, installation_id, now, name, roles, changed);
}

int store_installation_set_last_error(struct store *st, const char *installation_id, const char *error)
{
	return st->engine->installation_set_last_error(st, installation_id, error);
}

int store_installation_list_granted_after(struct store *st, int64_t after_seq, long limit,
					  int (*visit)(void *arg, int64_t seq, const char *installation_id,
						       int64_t updated_at),
					  void *arg)
{
	return st->engine->installation_list_granted_after(st, after_seq, limit, visit, arg);
}

int store_installation_insert_discovered(struct store *st, const char *installation_id, int type, int64_t now,
					 const char *name, int64_t roles, int *changed)
{
	return st->engine->installation_insert_discovered(st, installation_id, type, now, name, roles, changed);
}

int store_verification_queue(struct store *st, const char *installation_id, int64_t now)
{
	return st->engine->verification_queue(st, installation_id, now);
}

int store_verification_list_due(struct store *st, int64_t now, long limit,
				int (*visit)(void *arg, const struct verification_due *due), void *arg)
{
	return st->engine->verification_list_due(st, now, limit, visit, arg);
}

int store_verification_reschedule(struct store *st, const struct verification_due *due, int64_t next_attempt,
				  const char *error, int *changed)
{
	return st->engine->verification_reschedule(st, due, next_attempt, error, changed);
}

int store_verification_finish(struct store *st, const struct verification_due *due, int *changed)
{
	return st->engine->verification_finish(st, due, changed);
}

int store_verification_cancel(struct store *st, const char *installation_id)
{
	return st->engine->verification_cancel(st, installation_id);
}

int store_verification_stats(struct store *st, long long *count, int64_t *oldest_queued_at)
{
	return st->engine->verification_stats(st, count, oldest_queued_at);
}

int store_event_append(struct store *st, int64_t at, const char *type, const char *request_id,
		       const char *installation_id, const char *reference, const char *detail)
{
	return st->engine->event_append(st, at, type, request_id, installation_id, reference, detail);
}

int store_event_list_after(struct store *st, int64_t after, long limit,
			   int (*visit)(void *arg, const struct event_record *e), void *arg)
{
	return st->engine->event_list_after(st, after, limit, visit, arg);
}

int store_event_list_by_installation(struct store *st, const char *installation_id, long limit,
				     int (*visit)(void *arg, const struct event_record *e), void *arg)
{
	return st->engine->event_list_by_installation(st, installation_id, limit, visit, arg);
}

int store_lease_take(struct store *st, const char *kind, const char *holder, int64_t now, int64_t expires_at,
		     int *held)
{
	return st->engine->lease_take(st, kind, holder, now, expires_at, held);
}

int store_lease_release(struct store *st, const char *kind, const char *holder)
{
	return st->engine->lease_release(st, kind, holder);
}

int store_check_database(const char *database, char *err, size_t errlen)
{
	return engine_for(database)->check_database(database, err, errlen);
}

void store_set_password(const char *text)
{
	free(password);
	password = text ? strdup(text) : NULL;
}

const char *store_password(void)
{
	return password;
}
