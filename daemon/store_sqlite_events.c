/*
 * store_sqlite_events.c — the SQLite engine's operations on the event log and
 * the leases of background work. Event ids are rowids given in commit order:
 * one writer commits at a time.
 */
#include "store_sqlite.h"

int sqlite_event_append(struct store *st, int64_t at, const char *type, const char *request_id,
			const char *installation_id, const char *reference, const char *detail)
{
	struct sqlite_params p = { 0 };
	sqlite_param_int(&p, at);
	sqlite_param_text(&p, type);
	sqlite_param_text(&p, request_id);
	sqlite_param_text(&p, installation_id);
	sqlite_param_text(&p, reference);
	sqlite_param_text(&p, detail ? detail : "{}");
	return sqlite_run_write(sqlite_of(st), STMT_EVENT_INSERT, &p, "event_append", NULL);
}

void sqlite_read_event(sqlite3_stmt *stmt, struct event_record *e)
{
	e->id = sqlite3_column_int64(stmt, 0);
	e->at = sqlite3_column_int64(stmt, 1);
	e->type = (const char *)sqlite3_column_text(stmt, 2);
	e->request_id = (const char *)sqlite3_column_text(stmt, 3);
	e->installation_id = (const char *)sqlite3_column_text(stmt, 4);
	e->reference = (const char *)sqlite3_column_text(stmt, 5);
	e->detail = (const char *)sqlite3_column_text(stmt, 6);
}

/* A list's visitor, called with each event read. */
struct event_visit {
	int (*visit)(void *arg, const struct event_record *e);
	void *arg;
};

static int visit_event_row(sqlite3_stmt *stmt, void *ctx)
{
	struct event_visit *v = ctx;
	struct event_record e = { 0 };
	sqlite_read_event(stmt, &e);
	return v->visit(v->arg, &e);
}

int sqlite_event_list_after(struct store *st, int64_t after, long limit,
			    int (*visit)(void *arg, const struct event_record *e), void *arg)
{
	struct event_visit v = { visit, arg };
	struct sqlite_params p = { 0 };
	sqlite_param_int(&p, after);
	sqlite_param_int(&p, limit);
	return sqlite_run_rows(sqlite_of(st), STMT_EVENT_LIST_AFTER, &p, "event_list", visit_event_row, &v);
}

int sqlite_event_list_by_installation(struct store *st, const char *installation_id, long limit,
				      int (*visit)(void *arg, const struct event_record *e), void *arg)
{
	struct event_visit v = { visit, arg };
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, installation_id);
	sqlite_param_int(&p, limit);
	return sqlite_run_rows(sqlite_of(st), STMT_EVENT_BY_INSTALLATION, &p, "installation_history",
			       visit_event_row, &v);
}

int sqlite_lease_take(struct store *st, const char *kind, const char *holder, int64_t now, int64_t expires_at,
		      int *held)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, kind);
	sqlite_param_text(&p, holder);
	sqlite_param_int(&p, now);
	sqlite_param_int(&p, expires_at);
	return sqlite_run_write(sqlite_of(st), STMT_LEASE_TAKE, &p, "lease_take", held);
}

int sqlite_lease_release(struct store *st, const char *kind, const char *holder)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, kind);
	sqlite_param_text(&p, holder);
	return sqlite_run_write(sqlite_of(st), STMT_LEASE_RELEASE, &p, "lease_release", NULL);
}
