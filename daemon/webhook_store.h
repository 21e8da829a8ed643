/*
 * webhook_store.h — where the webhook endpoints, their cursors and the state of
 * their deliveries are kept: the domain operations the API and the delivery
 * workers call, with no SQL in sight. store_sqlite_webhooks.c implements them on
 * SQLite; PostgreSQL's implementation is still to come.
 *
 * Reads run on the calling thread's own connection (store_reader()); every
 * operation that writes takes the writer's connection and runs inside a writer
 * job (writer.h), so it commits with the rest of its transaction.
 */
#ifndef ACCESSD_WEBHOOK_STORE_H
#define ACCESSD_WEBHOOK_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "token.h"

struct store;

/* One endpoint as stored. Strings are owned (webhook_endpoint_clear frees
 * them); optional ones are NULL when absent, optional numbers 0. */
struct webhook_endpoint {
	char id[TOKEN_ID_LEN + 1];
	char *url;
	char *types;                   /* a JSON array of event types; NULL: every type */
	char *description;
	int enabled;
	int64_t created_at;
	char *secret;                  /* "whsec_..." */
	char *previous_secret;         /* the secret before the last rotation ... */
	int64_t previous_secret_until; /* ... signed with until then */
	int64_t delivered_through;     /* the cursor: the last event delivered */
	int64_t revision;              /* changes when the cursor or the filter is moved by hand */
	int attempts;                  /* failed attempts at the next event */
	int64_t next_attempt_ms;       /* unix milliseconds; 0 for at once */
	int64_t last_attempt_at;
	int last_status;               /* 0: no HTTP answer (or no attempt yet) */
	char *last_error;
	int64_t failing_since;
	int64_t disabled_at;
	char *disabled_reason;
	int64_t tests_requested;       /* webhook.test messages asked for ... */
	int64_t tests_sent;            /* ... and sent */
};

/* Frees the strings; accepts a zeroed struct. */
void webhook_endpoint_clear(struct webhook_endpoint *e);

/* Endpoint records: 1 found (out filled), 0 not found, -1 database failure. */
int webhook_store_get(struct store *st, const char *id, struct webhook_endpoint *out);

/* Every endpoint, oldest first: *out (caller frees each with
 * webhook_endpoint_clear, then the array) and *count. Returns 0 or -1. */
int webhook_store_list(struct store *st, struct webhook_endpoint **out, size_t *count);

/* How many endpoints exist, or -1. */
int64_t webhook_store_count(struct store *st);

/* Writer: inserts e (id, url, types, description, created_at, secret); its
 * cursor starts at the newest event. Returns 0 or -1. */
int webhook_store_insert(struct store *st, const struct webhook_endpoint *e);

/* Writer: stores every field the API may change (all but the id, created_at
 * and what only deliveries record). Returns 0 or -1. */
int webhook_store_save(struct store *st, const struct webhook_endpoint *e);

/* Writer: deletes the endpoint. Returns 1 deleted, 0 none had the id, -1. */
int webhook_store_delete(struct store *st, const char *id);

/* The feed's window: the oldest event id it answers for (0 while nothing was
 * purged, else the purge horizon plus one), and the newest id written, purged
 * or not (0 for an empty log). */
int webhook_store_event_bounds(struct store *st, int64_t *oldest, int64_t *newest);

/* The first event after `after`, up to `through`, of a type e wants: 1 with
 * *event (new reference: the feed's event object) and *event_id, 0 none,
 * -1 database failure. */
int webhook_store_next_event(struct store *st, const struct webhook_endpoint *e, int64_t after,
			     int64_t through, json_t **event, int64_t *event_id);

/* Events after e's cursor of a type it wants, or -1. */
int64_t webhook_store_pending(struct store *st, const struct webhook_endpoint *e);

/* Writer: after a 2xx for event_id, moves the cursor from `from` to it and
 * clears the failure state; does nothing when the cursor is no longer at
 * `from` or the endpoint's revision is no longer `revision` (changed by
 * hand meanwhile). Returns 0 or -1. */
int webhook_store_advance(struct store *st, const char *id, int64_t from, int64_t revision, int64_t event_id,
			  int64_t now, int status);

/* Writer: records a failed attempt (status 0 when nothing answered) and when
 * to try again, under the same conditions as advance. Returns 0 or -1. */
int webhook_store_failed(struct store *st, const char *id, int64_t from, int64_t revision,
			 int64_t next_attempt_ms, int64_t now, int status, const char *error);

/* Writer: disables an enabled endpoint with reason. Returns 1 disabled, 0 it
 * was not enabled, -1. */
int webhook_store_disable(struct store *st, const char *id, int64_t now, const char *reason, int status,
			  const char *error);

/* Writer: notes that the test messages up to `sent` went out. Returns 0 or -1. */
int webhook_store_tests_sent(struct store *st, const char *id, int64_t sent);

#endif
