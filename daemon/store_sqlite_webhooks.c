/*
 * store_sqlite_webhooks.c — the webhook store (webhook_store.h) on the SQLite
 * engine: endpoint rows, their cursors and delivery state, and the events an
 * endpoint is due; the statements are in store_sqlite_sql.c. The PostgreSQL
 * engine has no webhook store yet: on it each operation fails (logged once),
 * and the daemon does not start the deliveries.
 */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "log.h"
#include "store_sqlite.h"
#include "webhook_store.h"

/* The prepared statement on st when it is a SQLite connection, else NULL. */
static sqlite3_stmt *wstmt(struct store *st, enum sqlite_stmt id)
{
	static int warned;
	if (st->engine != &store_sqlite_engine) {
		if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
			log_error("event=webhooks.unsupported reason=\"webhooks need the SQLite engine for now\"");
		return NULL;
	}
	return sqlite_stmt(sqlite_of(st), id);
}

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

static void log_db_error(struct store *st, const char *op)
{
	log_error("event=db.error op=%s error=\"%s\"", op, sqlite3_errmsg(store_sqlite_db(st)));
}

int webhook_store_get(struct store *st, const char *id, struct webhook_endpoint *out)
{
	sqlite3_stmt *stmt = wstmt(st, STMT_WEBHOOK_BY_ID);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, id);
	int rc = sqlite3_step(stmt), found = -1;
	if (rc == SQLITE_ROW)
		found = read_row(stmt, out) == 0 ? 1 : -1;
	else if (rc == SQLITE_DONE)
		found = 0;
	else
		log_db_error(st, "webhook_get");
	sqlite3_reset(stmt);
	return found;
}

int webhook_store_list(struct store *st, struct webhook_endpoint **out, size_t *count)
{
	sqlite3_stmt *stmt = wstmt(st, STMT_WEBHOOK_LIST);
	struct webhook_endpoint *items = NULL;
	size_t n = 0, cap = 0;
	int rc = SQLITE_ERROR;

	*out = NULL;
	*count = 0;
	if (stmt == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == cap) {
			size_t grown = cap ? 2 * cap : 8;
			struct webhook_endpoint *more = realloc(items, grown * sizeof *items);
			if (more == NULL)
				break;
			items = more;
			cap = grown;
		}
		if (read_row(stmt, &items[n]) != 0)
			break;
		n++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		log_db_error(st, "webhook_list");
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < n; i++)
			webhook_endpoint_clear(&items[i]);
		free(items);
		return -1;
	}
	*out = items;
	*count = n;
	return 0;
}

/* Steps a statement that returns one integer; -1 on failure. */
static int64_t one_int(struct store *st, sqlite3_stmt *stmt, const char *op)
{
	int64_t value = -1;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		value = sqlite3_column_int64(stmt, 0);
	else
		log_db_error(st, op);
	sqlite3_reset(stmt);
	return value;
}

int64_t webhook_store_count(struct store *st)
{
	sqlite3_stmt *stmt = wstmt(st, STMT_WEBHOOK_COUNT);
	return stmt ? one_int(st, stmt, "webhook_count") : -1;
}

int webhook_store_insert(struct store *st, const struct webhook_endpoint *e)
{
	sqlite3_stmt *stmt = wstmt(st, STMT_WEBHOOK_INSERT);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, e->id);
	sqlite_bind_text(stmt, 2, e->url);
	sqlite_bind_text(stmt, 3, e->types);
	sqlite_bind_text(stmt, 4, e->description);
	sqlite3_bind_int64(stmt, 5, e->created_at);
	sqlite_bind_text(stmt, 6, e->secret);
	return sqlite_step_write(sqlite_of(st), stmt, "webhook_insert", NULL);
}

/* Binds a number that is NULL when 0. */
static void bind_optional(sqlite3_stmt *stmt, int index, int64_t value)
{
	if (value != 0)
		sqlite3_bind_int64(stmt, index, value);
	else
		sqlite3_bind_null(stmt, index);
}

int webhook_store_save(struct store *st, const struct webhook_endpoint *e)
{
	sqlite3_stmt *stmt = wstmt(st, STMT_WEBHOOK_SAVE);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, e->id);
	sqlite_bind_text(stmt, 2, e->url);
	sqlite_bind_text(stmt, 3, e->types);
	sqlite_bind_text(stmt, 4, e->description);
	sqlite3_bind_int(stmt, 5, e->enabled);
	sqlite_bind_text(stmt, 6, e->secret);
	sqlite_bind_text(stmt, 7, e->previous_secret);
	bind_optional(stmt, 8, e->previous_secret_until);
	sqlite3_bind_int64(stmt, 9, e->delivered_through);
	sqlite3_bind_int64(stmt, 10, e->revision);
	sqlite3_bind_int(stmt, 11, e->attempts);
	sqlite3_bind_int64(stmt, 12, e->next_attempt_ms);
	bind_optional(stmt, 13, e->failing_since);
	bind_optional(stmt, 14, e->disabled_at);
	sqlite_bind_text(stmt, 15, e->disabled_reason);
	sqlite3_bind_int64(stmt, 16, e->tests_requested);
	return sqlite_step_write(sqlite_of(st), stmt, "webhook_save", NULL);
}

int webhook_store_delete(struct store *st, const char *id)
{
	sqlite3_stmt *stmt = wstmt(st, STMT_WEBHOOK_DELETE);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, id);
	if (sqlite_step_write(sqlite_of(st), stmt, "webhook_delete", NULL) != 0)
		return -1;
	return sqlite3_changes(store_sqlite_db(st)) > 0;
}

int webhook_store_event_bounds(struct store *st, int64_t *oldest, int64_t *newest)
{
	sqlite3_stmt *stmt = wstmt(st, STMT_EVENT_BOUNDS);
	if (stmt == NULL)
		return -1;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*oldest = sqlite3_column_int64(stmt, 0);
		*newest = sqlite3_column_int64(stmt, 1);
	} else {
		log_db_error(st, "event_bounds");
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 0 : -1;
}

int webhook_store_next_event(struct store *st, const struct webhook_endpoint *e, int64_t after,
			     int64_t through, json_t **event, int64_t *event_id)
{
	sqlite3_stmt *stmt = wstmt(st, STMT_WEBHOOK_NEXT_EVENT);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, after);
	sqlite_bind_text(stmt, 2, e->types);
	sqlite3_bind_int64(stmt, 3, through);
	int rc = sqlite3_step(stmt), found = -1;
	if (rc == SQLITE_ROW) {
		*event_id = sqlite3_column_int64(stmt, 0);
		struct event_record r = {
			.id = sqlite3_column_int64(stmt, 0),
			.at = sqlite3_column_int64(stmt, 1),
			.type = (const char *)sqlite3_column_text(stmt, 2),
			.request_id = (const char *)sqlite3_column_text(stmt, 3),
			.installation_id = (const char *)sqlite3_column_text(stmt, 4),
			.reference = (const char *)sqlite3_column_text(stmt, 5),
			.detail = (const char *)sqlite3_column_text(stmt, 6),
		};
		*event = events_json(&r);
		found = *event ? 1 : -1;
	} else if (rc == SQLITE_DONE) {
		found = 0;
	} else {
		log_db_error(st, "webhook_next_event");
	}
	sqlite3_reset(stmt);
	return found;
}

int64_t webhook_store_pending(struct store *st, const struct webhook_endpoint *e)
{
	sqlite3_stmt *stmt = wstmt(st, STMT_WEBHOOK_PENDING);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, e->delivered_through);
	sqlite_bind_text(stmt, 2, e->types);
	return one_int(st, stmt, "webhook_pending");
}

int webhook_store_advance(struct store *st, const char *id, int64_t from, int64_t revision, int64_t event_id,
			  int64_t now, int status)
{
	sqlite3_stmt *stmt = wstmt(st, STMT_WEBHOOK_ADVANCE);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, from);
	sqlite3_bind_int64(stmt, 3, event_id);
	sqlite3_bind_int64(stmt, 4, now);
	sqlite3_bind_int(stmt, 5, status);
	sqlite3_bind_int64(stmt, 6, revision);
	return sqlite_step_write(sqlite_of(st), stmt, "webhook_advance", NULL);
}

int webhook_store_failed(struct store *st, const char *id, int64_t from, int64_t revision,
			 int64_t next_attempt_ms, int64_t now, int status, const char *error)
{
	sqlite3_stmt *stmt = wstmt(st, STMT_WEBHOOK_FAILED);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, from);
	sqlite3_bind_int64(stmt, 3, next_attempt_ms);
	sqlite3_bind_int64(stmt, 4, now);
	bind_optional(stmt, 5, status);
	sqlite_bind_text(stmt, 6, error);
	sqlite3_bind_int64(stmt, 7, revision);
	return sqlite_step_write(sqlite_of(st), stmt, "webhook_failed", NULL);
}

int webhook_store_disable(struct store *st, const char *id, int64_t now, const char *reason, int status,
			  const char *error)
{
	sqlite3_stmt *stmt = wstmt(st, STMT_WEBHOOK_DISABLE);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite_bind_text(stmt, 3, reason);
	bind_optional(stmt, 4, status);
	sqlite_bind_text(stmt, 5, error);
	if (sqlite_step_write(sqlite_of(st), stmt, "webhook_disable", NULL) != 0)
		return -1;
	return sqlite3_changes(store_sqlite_db(st)) > 0;
}

int webhook_store_tests_sent(struct store *st, const char *id, int64_t sent)
{
	sqlite3_stmt *stmt = wstmt(st, STMT_WEBHOOK_TESTS_SENT);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, sent);
	return sqlite_step_write(sqlite_of(st), stmt, "webhook_tests_sent", NULL);
}
