/*
 * events.h — the durable event log: every state change and every callback hit
 * appends one row, in the same transaction as the change. The admin API serves
 * it as a change feed.
 */
#ifndef ACCESSD_EVENTS_H
#define ACCESSD_EVENTS_H

#include <jansson.h>
#include <stdint.h>

#include "records.h"

struct store;

/* Appends an event (on the writer). Strings may be NULL; detail (taken) may be
 * NULL for {}. Returns 0, or -1 on a database failure. */
int events_append(struct store *st, int64_t at, const char *type, const char *request_id,
		  const char *installation_id, const char *reference, json_t *detail);

/* The event as the contract's JSON object, new; NULL when memory runs out. */
json_t *events_json(const struct event_record *e);

#endif
