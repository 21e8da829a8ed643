/*
 * store_sqlite_webhooks.c — the webhook store (webhook_store.h) on the SQLite
 * engine: endpoint rows, their cursors and delivery state, and the events an
 * endpoint is due; the statements are in store_sqlite_sql.c.
 */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "store_sqlite.h"
#include "webhook_store.h"

/* A column's text as a new string (NULL for SQL NULL); sets *oom on failure. */
static char *column_strdup(sqlite3_stmt *stmt, int col, int *oom)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);
	if (text == NULL)
		return NULL;
	char *copy = strdup((const char *)text);
	if (copy == NULL)
		*oom = 1;
	return copy;
}

static int64_t int_or_zero(sqlite3_stmt *stmt, int col)
{
	return sqlite3_column_type(stmt, col) == SQLITE_NULL ? 0 : sqlite3_column_int64(stmt, col);
}

/* Reads a row of WEBHOOK_COLUMNS into out. Returns 0, or -1 when memory ran out
 * (out is then cleared). */
static int read_row(sqlite3_stmt *stmt, struct webhook_endpoint *out)
{
	int oom = 0;

	memset(out, 0, sizeof *out);
	const char *id = (const char *)sqlite3_column_text(stmt, 0);
	snprintf(out->id, sizeof out->id, "%s", id ? id : "");
	out->url = column_strdup(stmt, 1, &oom);
	out->types = column_strdup(stmt, 2, &oom);
	out->description = column_strdup(stmt, 3, &oom);
	out->enabled = sqlite3_column_int(stmt, 4);
	out->created_at = sqlite3_column_int64(stmt, 5);
	out->secret = column_strdup(stmt, 6, &oom);
	out->previous_secret = column_strdup(stmt, 7, &oom);
	out->previous_secret_until = int_or_zero(stmt, 8);
	out->delivered_through = sqlite3_column_int64(stmt, 9);
	out->revision = sqlite3_column_int64(stmt, 10);
	out->attempts = sqlite3_column_int(stmt, 11);
	out->next_attempt_ms = sqlite3_column_int64(stmt, 12);
	out->last_attempt_at = int_or_zero(stmt, 13);
	out->last_status = (int)int_or_zero(stmt, 14);
	out->last_error = column_strdup(stmt, 15, &oom);
	out->failing_since = int_or_zero(stmt, 16);
	out->disabled_at = int_or_zero(stmt, 17);
	out->disabled_reason = column_strdup(stmt, 18, &oom);
	out->tests_requested = sqlite3_column_int64(stmt, 19);
	out->tests_sent = sqlite3_column_int64(stmt, 20);
	if (oom) {
		webhook_endpoint_clear(out);
		return -1;
	}
	return 0;
}

static int read_endpoint_row(sqlite3_stmt *stmt, void *out)
{
	return read_row(stmt, out);
}

int sqlite_webhook_get(struct store *st, const char *id, struct webhook_endpoint *out)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, id);
	return sqlite_run_one(sqlite_of(st), STMT_WEBHOOK_BY_ID, &p, "webhook_get", read_endpoint_row, out);
}

/* The endpoints read so far; failed when memory ran out. */
struct endpoint_list {
	struct webhook_endpoint *items;
	size_t n, cap;
	int failed;
};

static int add_endpoint_row(sqlite3_stmt *stmt, void *ctx)
{
	struct endpoint_list *l = ctx;
	if (l->n == l->cap) {
		size_t grown = l->cap ? 2 * l->cap : 8;
		struct webhook_endpoint *more = realloc(l->items, grown * sizeof *l->items);
		if (more == NULL) {
			l->failed = 1;
			return 1;
		}
		l->items = more;
		l->cap = grown;
	}
	if (read_row(stmt, &l->items[l->n]) != 0) {
		l->failed = 1;
		return 1;
	}
	l->n++;
	return 0;
}

int sqlite_webhook_list(struct store *st, struct webhook_endpoint **out, size_t *count)
{
	struct endpoint_list l = { 0 };

	*out = NULL;
	*count = 0;
	if (sqlite_run_rows(sqlite_of(st), STMT_WEBHOOK_LIST, NULL, "webhook_list", add_endpoint_row, &l) != 0 ||
	    l.failed) {
		for (size_t i = 0; i < l.n; i++)
			webhook_endpoint_clear(&l.items[i]);
		free(l.items);
		return -1;
	}
	*out = l.items;
	*count = l.n;
	return 0;
}

static int read_int_row(sqlite3_stmt *stmt, void *value)
{
	*(int64_t *)value = sqlite3_column_int64(stmt, 0);
	return 0;
}

/* Runs a statement that returns one integer; -1 on failure. */
static int64_t one_int(struct store *st, enum sqlite_stmt id, const struct sqlite_params *p, const char *op)
{
	int64_t value = -1;
	return sqlite_run_one(sqlite_of(st), id, p, op, read_int_row, &value) == 1 ? value : -1;
}

int64_t sqlite_webhook_count(struct store *st)
{
	return one_int(st, STMT_WEBHOOK_COUNT, NULL, "webhook_count");
}

/* The columns an endpoint is created with and saved with first: ?1 id, ?2 url,
 * ?3 types, ?4 description. */
static void param_definition(struct sqlite_params *p, const struct webhook_endpoint *e)
{
	sqlite_param_text(p, e->id);
	sqlite_param_text(p, e->url);
	sqlite_param_text(p, e->types);
	sqlite_param_text(p, e->description);
}

int sqlite_webhook_insert(struct store *st, const struct webhook_endpoint *e)
{
	struct sqlite_params p = { 0 };
	param_definition(&p, e);
	sqlite_param_int(&p, e->created_at);
	sqlite_param_text(&p, e->secret);
	return sqlite_run_write(sqlite_of(st), STMT_WEBHOOK_INSERT, &p, "webhook_insert", NULL);
}

int sqlite_webhook_save(struct store *st, const struct webhook_endpoint *e)
{
	struct sqlite_params p = { 0 };
	param_definition(&p, e);
	sqlite_param_int(&p, e->enabled);
	sqlite_param_text(&p, e->secret);
	sqlite_param_text(&p, e->previous_secret);
	sqlite_param_nonzero(&p, e->previous_secret_until);
	sqlite_param_int(&p, e->delivered_through);
	sqlite_param_int(&p, e->revision);
	sqlite_param_int(&p, e->attempts);
	sqlite_param_int(&p, e->next_attempt_ms);
	sqlite_param_nonzero(&p, e->failing_since);
	sqlite_param_nonzero(&p, e->disabled_at);
	sqlite_param_text(&p, e->disabled_reason);
	sqlite_param_int(&p, e->tests_requested);
	return sqlite_run_write(sqlite_of(st), STMT_WEBHOOK_SAVE, &p, "webhook_save", NULL);
}

int sqlite_webhook_delete(struct store *st, const char *id)
{
	struct sqlite_params p = { 0 };
	int changed;
	sqlite_param_text(&p, id);
	if (sqlite_run_write(sqlite_of(st), STMT_WEBHOOK_DELETE, &p, "webhook_delete", &changed) != 0)
		return -1;
	return changed;
}

/* The oldest and the newest event id, from the one row of their statement. */
struct event_bounds {
	int64_t *oldest, *newest;
};

static int read_bounds_row(sqlite3_stmt *stmt, void *ctx)
{
	struct event_bounds *b = ctx;
	*b->oldest = sqlite3_column_int64(stmt, 0);
	*b->newest = sqlite3_column_int64(stmt, 1);
	return 0;
}

int sqlite_webhook_event_bounds(struct store *st, int64_t *oldest, int64_t *newest)
{
	struct event_bounds b = { oldest, newest };
	int found = sqlite_run_one(sqlite_of(st), STMT_EVENT_BOUNDS, NULL, "event_bounds", read_bounds_row, &b);
	return found == 1 ? 0 : -1;
}

/* The next event due, as its id and its JSON. */
struct next_event {
	json_t **event;
	int64_t *event_id;
};

static int read_next_event_row(sqlite3_stmt *stmt, void *ctx)
{
	struct next_event *next = ctx;
	struct event_record r = { 0 };
	sqlite_read_event(stmt, &r);
	*next->event_id = r.id;
	*next->event = events_json(&r);
	return *next->event ? 0 : -1;
}

int sqlite_webhook_next_event(struct store *st, const struct webhook_endpoint *e, int64_t after,
			     int64_t through, json_t **event, int64_t *event_id)
{
	struct next_event next = { event, event_id };
	struct sqlite_params p = { 0 };
	sqlite_param_int(&p, after);
	sqlite_param_text(&p, e->types);
	sqlite_param_int(&p, through);
	return sqlite_run_one(sqlite_of(st), STMT_WEBHOOK_NEXT_EVENT, &p, "webhook_next_event", read_next_event_row,
			      &next);
}

int64_t sqlite_webhook_pending(struct store *st, const struct webhook_endpoint *e)
{
	struct sqlite_params p = { 0 };
	sqlite_param_int(&p, e->delivered_through);
	sqlite_param_text(&p, e->types);
	return one_int(st, STMT_WEBHOOK_PENDING, &p, "webhook_pending");
}

int sqlite_webhook_advance(struct store *st, const char *id, int64_t from, int64_t revision, int64_t event_id,
			  int64_t now, int status)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, id);
	sqlite_param_int(&p, from);
	sqlite_param_int(&p, event_id);
	sqlite_param_int(&p, now);
	sqlite_param_int(&p, status);
	sqlite_param_int(&p, revision);
	return sqlite_run_write(sqlite_of(st), STMT_WEBHOOK_ADVANCE, &p, "webhook_advance", NULL);
}

int sqlite_webhook_failed(struct store *st, const char *id, int64_t from, int64_t revision,
			 int64_t next_attempt_ms, int64_t now, int status, const char *error)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, id);
	sqlite_param_int(&p, from);
	sqlite_param_int(&p, next_attempt_ms);
	sqlite_param_int(&p, now);
	sqlite_param_nonzero(&p, status);
	sqlite_param_text(&p, error);
	sqlite_param_int(&p, revision);
	return sqlite_run_write(sqlite_of(st), STMT_WEBHOOK_FAILED, &p, "webhook_failed", NULL);
}

int sqlite_webhook_disable(struct store *st, const char *id, int64_t now, const char *reason, int status,
			  const char *error)
{
	struct sqlite_params p = { 0 };
	int changed;
	sqlite_param_text(&p, id);
	sqlite_param_int(&p, now);
	sqlite_param_text(&p, reason);
	sqlite_param_nonzero(&p, status);
	sqlite_param_text(&p, error);
	if (sqlite_run_write(sqlite_of(st), STMT_WEBHOOK_DISABLE, &p, "webhook_disable", &changed) != 0)
		return -1;
	return changed;
}

int sqlite_webhook_tests_sent(struct store *st, const char *id, int64_t sent)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, id);
	sqlite_param_int(&p, sent);
	return sqlite_run_write(sqlite_of(st), STMT_WEBHOOK_TESTS_SENT, &p, "webhook_tests_sent", NULL);
}
