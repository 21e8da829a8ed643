/*
 * store_pg_webhooks.c — the webhook store (webhook_store.h) on the PostgreSQL
 * engine: endpoint rows, their cursors and delivery state, and the events an
 * endpoint is due; the statements are in store_pg_sql.c. Several instances
 * share these rows: the one holding an endpoint's lease delivers to it, and
 * any of them may change it through the API.
 */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "store_pg.h"

/* A column's text as a new string (NULL for SQL NULL); sets *oom on failure. */
static char *column_strdup(const PGresult *res, int row, int col, int *oom)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	char *copy = strdup(PQgetvalue(res, row, col));
	if (copy == NULL)
		*oom = 1;
	return copy;
}

/* Reads row `row` of WEBHOOK_COLUMNS into out. Returns 0, or -1 when memory
 * ran out (out is then cleared). */
static int read_row(const PGresult *res, int row, struct webhook_endpoint *out)
{
	int oom = 0;

	memset(out, 0, sizeof *out);
	pg_copy_text(out->id, sizeof out->id, res, row, 0);
	out->url = column_strdup(res, row, 1, &oom);
	out->types = column_strdup(res, row, 2, &oom);
	out->description = column_strdup(res, row, 3, &oom);
	out->enabled = (int)pg_int(res, row, 4, 0);
	out->created_at = pg_int(res, row, 5, 0);
	out->secret = column_strdup(res, row, 6, &oom);
	out->previous_secret = column_strdup(res, row, 7, &oom);
	out->previous_secret_until = pg_int(res, row, 8, 0);
	out->delivered_through = pg_int(res, row, 9, 0);
	out->revision = pg_int(res, row, 10, 0);
	out->attempts = (int)pg_int(res, row, 11, 0);
	out->next_attempt_ms = pg_int(res, row, 12, 0);
	out->last_attempt_at = pg_int(res, row, 13, 0);
	out->last_status = (int)pg_int(res, row, 14, 0);
	out->last_error = column_strdup(res, row, 15, &oom);
	out->failing_since = pg_int(res, row, 16, 0);
	out->disabled_at = pg_int(res, row, 17, 0);
	out->disabled_reason = column_strdup(res, row, 18, &oom);
	out->tests_requested = pg_int(res, row, 19, 0);
	out->tests_sent = pg_int(res, row, 20, 0);
	if (oom) {
		webhook_endpoint_clear(out);
		return -1;
	}
	return 0;
}

/* Binds a number that is NULL when 0. */
static void param_optional(struct pg_params *p, int64_t value)
{
	if (value != 0)
		pg_param_int(p, value);
	else
		pg_param_text(p, NULL);
}

/* Inside a transaction (the writer's read-modify-write of the API) the row
 * is read locked until the transaction ends; elsewhere it is a plain read. */
int pg_webhook_get(struct store *st, const char *id, struct webhook_endpoint *out)
{
	struct pg_store *s = pg_of(st);
	struct pg_params p = { 0 };
	pg_param_text(&p, id);
	PGresult *res = pg_run(s, s->in_transaction ? PG_WEBHOOK_BY_ID_LOCKED : PG_WEBHOOK_BY_ID, &p, "webhook_get");
	if (res == NULL)
		return -1;
	int found = PQntuples(res) == 0 ? 0 : read_row(res, 0, out) == 0 ? 1 : -1;
	PQclear(res);
	return found;
}

int pg_webhook_list(struct store *st, struct webhook_endpoint **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	PGresult *res = pg_run(pg_of(st), PG_WEBHOOK_LIST, NULL, "webhook_list");
	if (res == NULL)
		return -1;
	size_t n = (size_t)PQntuples(res), done = 0;
	struct webhook_endpoint *items = n ? calloc(n, sizeof *items) : NULL;
	if (items != NULL || n == 0)
		while (done < n && read_row(res, (int)done, &items[done]) == 0)
			done++;
	PQclear(res);
	if (done < n) {
		for (size_t i = 0; i < done; i++)
			webhook_endpoint_clear(&items[i]);
		free(items);
		return -1;
	}
	*out = items;
	*count = n;
	return 0;
}

/* Runs a statement that returns one integer; -1 on failure. */
static int64_t one_int(struct store *st, enum pg_stmt id, const struct pg_params *p, const char *op)
{
	PGresult *res = pg_run(pg_of(st), id, p, op);
	if (res == NULL)
		return -1;
	int64_t value = PQntuples(res) == 1 ? pg_int(res, 0, 0, -1) : -1;
	PQclear(res);
	return value;
}

int64_t pg_webhook_count(struct store *st)
{
	return one_int(st, PG_WEBHOOK_COUNT, NULL, "webhook_count");
}

int pg_webhook_insert(struct store *st, const struct webhook_endpoint *e)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, e->id);
	pg_param_text(&p, e->url);
	pg_param_text(&p, e->types);
	pg_param_text(&p, e->description);
	pg_param_int(&p, e->created_at);
	pg_param_text(&p, e->secret);
	return pg_run_write(pg_of(st), PG_WEBHOOK_INSERT, &p, "webhook_insert", NULL);
}

int pg_webhook_save(struct store *st, const struct webhook_endpoint *e)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, e->id);
	pg_param_text(&p, e->url);
	pg_param_text(&p, e->types);
	pg_param_text(&p, e->description);
	pg_param_int(&p, e->enabled);
	pg_param_text(&p, e->secret);
	pg_param_text(&p, e->previous_secret);
	param_optional(&p, e->previous_secret_until);
	pg_param_int(&p, e->delivered_through);
	pg_param_int(&p, e->revision);
	pg_param_int(&p, e->attempts);
	pg_param_int(&p, e->next_attempt_ms);
	param_optional(&p, e->failing_since);
	param_optional(&p, e->disabled_at);
	pg_param_text(&p, e->disabled_reason);
	pg_param_int(&p, e->tests_requested);
	return pg_run_write(pg_of(st), PG_WEBHOOK_SAVE, &p, "webhook_save", NULL);
}

int pg_webhook_delete(struct store *st, const char *id)
{
	struct pg_params p = { 0 };
	int changed = 0;
	pg_param_text(&p, id);
	if (pg_run_write(pg_of(st), PG_WEBHOOK_DELETE, &p, "webhook_delete", &changed) != 0)
		return -1;
	return changed;
}

int pg_webhook_event_bounds(struct store *st, int64_t *oldest, int64_t *newest)
{
	PGresult *res = pg_run(pg_of(st), PG_EVENT_BOUNDS, NULL, "event_bounds");
	if (res == NULL)
		return -1;
	*oldest = pg_int(res, 0, 0, 0);
	*newest = pg_int(res, 0, 1, 0);
	PQclear(res);
	return 0;
}

int pg_webhook_next_event(struct store *st, const struct webhook_endpoint *e, int64_t after, int64_t through,
			  json_t **event, int64_t *event_id)
{
	struct pg_params p = { 0 };
	pg_param_int(&p, after);
	pg_param_text(&p, e->types);
	pg_param_int(&p, through);
	PGresult *res = pg_run(pg_of(st), PG_WEBHOOK_NEXT_EVENT, &p, "webhook_next_event");
	if (res == NULL)
		return -1;
	int found = 0;
	if (PQntuples(res) == 1) {
		struct event_record r = {
			.id = pg_int(res, 0, 0, 0),
			.at = pg_int(res, 0, 1, 0),
			.type = PQgetisnull(res, 0, 2) ? NULL : PQgetvalue(res, 0, 2),
			.request_id = PQgetisnull(res, 0, 3) ? NULL : PQgetvalue(res, 0, 3),
			.installation_id = PQgetisnull(res, 0, 4) ? NULL : PQgetvalue(res, 0, 4),
			.reference = PQgetisnull(res, 0, 5) ? NULL : PQgetvalue(res, 0, 5),
			.detail = PQgetisnull(res, 0, 6) ? NULL : PQgetvalue(res, 0, 6),
		};
		*event_id = r.id;
		*event = events_json(&r);
		found = *event ? 1 : -1;
	}
	PQclear(res);
	return found;
}

int64_t pg_webhook_pending(struct store *st, const struct webhook_endpoint *e)
{
	struct pg_params p = { 0 };
	pg_param_int(&p, e->delivered_through);
	pg_param_text(&p, e->types);
	return one_int(st, PG_WEBHOOK_PENDING, &p, "webhook_pending");
}

int pg_webhook_advance(struct store *st, const char *id, int64_t from, int64_t revision, int64_t event_id,
		       int64_t now, int status)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, id);
	pg_param_int(&p, from);
	pg_param_int(&p, event_id);
	pg_param_int(&p, now);
	pg_param_int(&p, status);
	pg_param_int(&p, revision);
	return pg_run_write(pg_of(st), PG_WEBHOOK_ADVANCE, &p, "webhook_advance", NULL);
}

int pg_webhook_failed(struct store *st, const char *id, int64_t from, int64_t revision, int64_t next_attempt_ms,
		      int64_t now, int status, const char *error)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, id);
	pg_param_int(&p, from);
	pg_param_int(&p, next_attempt_ms);
	pg_param_int(&p, now);
	param_optional(&p, status);
	pg_param_text(&p, error);
	pg_param_int(&p, revision);
	return pg_run_write(pg_of(st), PG_WEBHOOK_FAILED, &p, "webhook_failed", NULL);
}

int pg_webhook_disable(struct store *st, const char *id, int64_t now, const char *reason, int status,
		       const char *error)
{
	struct pg_params p = { 0 };
	int changed = 0;
	pg_param_text(&p, id);
	pg_param_int(&p, now);
	pg_param_text(&p, reason);
	param_optional(&p, status);
	pg_param_text(&p, error);
	if (pg_run_write(pg_of(st), PG_WEBHOOK_DISABLE, &p, "webhook_disable", &changed) != 0)
		return -1;
	return changed;
}

int pg_webhook_tests_sent(struct store *st, const char *id, int64_t sent)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, id);
	pg_param_int(&p, sent);
	return pg_run_write(pg_of(st), PG_WEBHOOK_TESTS_SENT, &p, "webhook_tests_sent", NULL);
}
