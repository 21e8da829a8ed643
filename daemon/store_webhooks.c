/*
 * store_webhooks.c — the webhook store's operations (webhook_store.h) handed
 * to the engine of the connection, as store.c does for the others.
 */
#include <stdlib.h>
#include <string.h>

#include "store_engine.h"
#include "webhook_store.h"

void webhook_endpoint_clear(struct webhook_endpoint *e)
{
	free(e->url);
	free(e->types);
	free(e->description);
	free(e->secret);
	free(e->previous_secret);
	free(e->last_error);
	free(e->disabled_reason);
	memset(e, 0, sizeof *e);
}

int webhook_store_get(struct store *st, const char *id, struct webhook_endpoint *out)
{
	return st->engine->webhook_get(st, id, out);
}

int webhook_store_list(struct store *st, struct webhook_endpoint **out, size_t *count)
{
	return st->engine->webhook_list(st, out, count);
}

int64_t webhook_store_count(struct store *st)
{
	return st->engine->webhook_count(st);
}

int webhook_store_insert(struct store *st, const struct webhook_endpoint *e)
{
	return st->engine->webhook_insert(st, e);
}

int webhook_store_save(struct store *st, const struct webhook_endpoint *e)
{
	return st->engine->webhook_save(st, e);
}

int webhook_store_delete(struct store *st, const char *id)
{
	return st->engine->webhook_delete(st, id);
}

int webhook_store_event_bounds(struct store *st, int64_t *oldest, int64_t *newest)
{
	return st->engine->webhook_event_bounds(st, oldest, newest);
}

int webhook_store_next_event(struct store *st, const struct webhook_endpoint *e, int64_t after,
			     int64_t through, json_t **event, int64_t *event_id)
{
	return st->engine->webhook_next_event(st, e, after, through, event, event_id);
}

int64_t webhook_store_pending(struct store *st, const struct webhook_endpoint *e)
{
	return st->engine->webhook_pending(st, e);
}

int webhook_store_advance(struct store *st, const char *id, int64_t from, int64_t revision, int64_t event_id,
			  int64_t now, int status)
{
	return st->engine->webhook_advance(st, id, from, revision, event_id, now, status);
}

int webhook_store_failed(struct store *st, const char *id, int64_t from, int64_t revision,
			 int64_t next_attempt_ms, int64_t now, int status, const char *error)
{
	return st->engine->webhook_failed(st, id, from, revision, next_attempt_ms, now, status, error);
}

int webhook_store_disable(struct store *st, const char *id, int64_t now, const char *reason, int status,
			  const char *error)
{
	return st->engine->webhook_disable(st, id, now, reason, status, error);
}

int webhook_store_tests_sent(struct store *st, const char *id, int64_t sent)
{
	return st->engine->webhook_tests_sent(st, id, sent);
}
