/*
 * store_sqlite_events.c — the SQLite engine's operations on the event log and
 * the leases of background work. Event ids are rowids given in commit order:
 * one writer commits at a time.
 */
#include "store_sqlite.h"

int sqlite_event_append(struct store *st, int64_t at, const char *type, const char *request_id,
			const char *installation_id, const char *reference, const char *detail)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_EVENT_INSERT);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, at);
	sqlite_bind_text(stmt, 2, type);
	sqlite_bind_text(stmt, 3, request_id);
	sqlite_bind_text(stmt, 4, installation_id);
	sqlite_bind_text(stmt, 5, reference);
	sqlite_bind_text(stmt, 6, detail ? detail : "{}");
	return sqlite_step_write(s, stmt, "event_append", NULL);
}

/* Visits the rows of a statement that selects EVENT_COLUMNS, already bound. */
static int visit_events(struct sqlite_store *s, sqlite3_stmt *stmt, const char *op,
			int (*visit)(void *arg, const struct event_record *e), void *arg)
{
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct event_record e = {
			.id = sqlite3_column_int64(stmt, 0),
			.at = sqlite3_column_int64(stmt, 1),
			.type = (const char *)sqlite3_column_text(stmt, 2),
			.request_id = (const char *)sqlite3_column_text(stmt, 3),
			.installation_id = (const char *)sqlite3_column_text(stmt, 4),
			.reference = (const char *)sqlite3_column_text(stmt, 5),
			.detail = (const char *)sqlite3_column_text(stmt, 6),
		};
		if (visit(arg, &e) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		sqlite_log_error(s, op);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sqlite_event_list_after(struct store *st, int64_t after, long limit,
			    int (*visit)(void *arg, const struct event_record *e), void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_EVENT_LIST_AFTER);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, after);
	sqlite3_bind_int64(stmt, 2, limit);
	return visit_events(s, stmt, "event_list", visit, arg);
}

int sqlite_event_list_by_installation(struct store *st, const char *installation_id, long limit,
				      int (*visit)(void *arg, const struct event_record *e), void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_EVENT_BY_INSTALLATION);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, installation_id);
	sqlite3_bind_int64(stmt, 2, limit);
	return visit_events(s, stmt, "installation_history", visit, arg);
}

int sqlite_lease_take(struct store *st, const char *kind, const char *holder, int64_t now, int64_t expires_at,
		      int *held)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_LEASE_TAKE);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, kind);
	sqlite_bind_text(stmt, 2, holder);
	sqlite3_bind_int64(stmt, 3, now);
	sqlite3_bind_int64(stmt, 4, expires_at);
	return sqlite_step_write(s, stmt, "lease_take", held);
}

int sqlite_lease_release(struct store *st, const char *kind, const char *holder)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_LEASE_RELEASE);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, kind);
	sqlite_bind_text(stmt, 2, holder);
	return sqlite_step_write(s, stmt, "lease_release", NULL);
}
