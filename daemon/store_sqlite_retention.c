/*
 * store_sqlite_retention.c — retention and erasure (retention_store.h) on the
 * SQLite engine; the statements are in store_sqlite_sql.c.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "erasure.h"
#include "log.h"
#include "retention_store.h"
#include "store_sqlite.h"

/* The prepared statement on st (NULL when it cannot be prepared). */
static sqlite3_stmt *rstmt(struct store *st, enum sqlite_stmt id)
{
	return sqlite_stmt(sqlite_of(st), id);
}

/* Runs one statement of a purge batch with its cutoff and limit. Returns the
 * rows it changed, or -1. */
static long purge_step(struct store *st, enum sqlite_stmt id, int64_t cutoff, int limit)
{
	sqlite3_stmt *stmt = rstmt(st, id);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, cutoff);
	sqlite3_bind_int(stmt, 2, limit);
	if (sqlite_step_write(sqlite_of(st), stmt, "purge", NULL) != 0)
		return -1;
	return (long)sqlite3_changes(sqlite_of(st)->db);
}

long sqlite_retention_purge_batch(struct store *st, enum retention_kind kind, int64_t cutoff, int limit)
{
	/* The statements of each kind, in order; the last one deletes and counts. */
	static const enum sqlite_stmt steps[RETENTION_KIND_COUNT][3] = {
		[RETENTION_EVENTS] = { STMT_PURGE_EVENTS_MARK, STMT_PURGE_EVENTS, STMT_COUNT },
		[RETENTION_REJECTED_CALLBACKS] = { STMT_PURGE_REJECTED_MARK, STMT_PURGE_REJECTED, STMT_COUNT },
		[RETENTION_ACCESS_REQUESTS] = { STMT_PURGE_REQUESTS_UNLINK, STMT_PURGE_REQUESTS, STMT_COUNT },
		[RETENTION_INSTALLATIONS] = { STMT_PURGE_INSTALLATIONS_HISTORY,
					      STMT_PURGE_INSTALLATIONS_VERIFICATIONS, STMT_PURGE_INSTALLATIONS },
	};
	long changed = 0;
	for (int i = 0; i < 3 && steps[kind][i] != STMT_COUNT; i++)
		if ((changed = purge_step(st, steps[kind][i], cutoff, limit)) < 0)
			return -1;
	return changed;
}

int sqlite_retention_snapshot_begin(struct store *st)
{
	sqlite3_stmt *stmt = rstmt(st, STMT_READ_BEGIN);
	return stmt ? sqlite_step_write(sqlite_of(st), stmt, "snapshot", NULL) : -1;
}

void sqlite_retention_snapshot_end(struct store *st)
{
	if (!sqlite3_get_autocommit(sqlite_of(st)->db))
		sqlite_step_write(sqlite_of(st), rstmt(st, STMT_READ_END), "snapshot_end", NULL);
}

/* The one integer a statement returns, or -1. */
static int64_t read_int(struct store *st, enum sqlite_stmt id)
{
	sqlite3_stmt *stmt = rstmt(st, id);
	int64_t value = -1;
	if (stmt == NULL)
		return -1;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		value = sqlite3_column_int64(stmt, 0);
	else
		log_error("event=db.error op=feed_position error=\"%s\"", sqlite3_errmsg(sqlite_of(st)->db));
	sqlite3_reset(stmt);
	return value;
}

int64_t sqlite_retention_purged_through(struct store *st)
{
	return read_int(st, STMT_EVENT_PURGED_THROUGH);
}

int64_t sqlite_retention_feed_position(struct store *st)
{
	return read_int(st, STMT_EVENT_NEWEST);
}

/* Binds the erasure's reference and installation id (one of them NULL). */
static void bind_target(sqlite3_stmt *stmt, const char *reference, const char *installation_id)
{
	sqlite_bind_text(stmt, 1, reference);
	sqlite_bind_text(stmt, 2, installation_id);
}

/* The ids a statement of the target finds, as a new JSON array text. NULL on
 * a database failure or when memory runs out. */
static char *find_ids(struct store *st, enum sqlite_stmt id, const char *reference, const char *installation_id)
{
	sqlite3_stmt *stmt = rstmt(st, id);
	json_t *ids = json_array();
	int rc = SQLITE_NOMEM;

	if (stmt == NULL) {
		json_decref(ids);
		return NULL;
	}
	bind_target(stmt, reference, installation_id);
	while (ids && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(stmt, 0);
		if (text && json_array_append_new(ids, json_string(text)) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	char *out = NULL;
	if (rc == SQLITE_DONE)
		out = json_dumps(ids, JSON_COMPACT);
	else
		log_error("event=db.error op=erase_find error=\"%s\"",
			  rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(sqlite_of(st)->db));
	sqlite3_reset(stmt);
	json_decref(ids);
	return out;
}

/* A growing list of events: ids, and (in the writer) their stripped details. */
struct event_list {
	int64_t *ids;
	char **details;
	size_t count, cap;
};

static void event_list_free(struct event_list *l)
{
	for (size_t i = 0; l->details && i < l->count; i++)
		free(l->details[i]);
	free(l->ids);
	free(l->details);
}

/* Appends an event; with strip_ids given (the erased installations,
 * NULL-terminated), its detail stripped of them and of reference. Returns 0,
 * or -1 when memory runs out. */
static int event_list_add(struct event_list *l, sqlite3_stmt *row, const char *reference,
			  const char *const *strip_ids)
{
	if (l->count == l->cap) {
		size_t more = l->cap ? l->cap * 2 : 64;
		int64_t *ids = realloc(l->ids, more * sizeof *ids);
		if (ids == NULL)
			return -1;
		l->ids = ids;
		if (strip_ids) {
			char **details = realloc(l->details, more * sizeof *details);
			if (details == NULL)
				return -1;
			l->details = details;
		}
		l->cap = more;
	}
	l->ids[l->count] = sqlite3_column_int64(row, 0);
	if (strip_ids) {
		l->details[l->count] = erasure_strip_detail((const char *)sqlite3_column_text(row, 1), reference,
							    strip_ids);
		if (l->details[l->count] == NULL)
			return -1;
	}
	l->count++;
	return 0;
}

/* Adds the target's events after id from to l (with stripped details when
 * strip_ids is given). Returns 0 or -1. */
static int find_events(struct store *st, const char *reference, const char *installation_id,
		       const char *request_ids, const char *installation_ids, int64_t from,
		       struct event_list *l, const char *const *strip_ids)
{
	sqlite3_stmt *stmt = rstmt(st, STMT_ERASE_FIND_EVENTS);
	char *quoted = NULL;
	int rc = SQLITE_NOMEM;

	if (stmt == NULL)
		return -1;
	if (reference && (quoted = erasure_quote(reference)) == NULL)
		return -1;
	bind_target(stmt, reference, installation_id);
	sqlite_bind_text(stmt, 3, request_ids);
	sqlite_bind_text(stmt, 4, installation_ids);
	sqlite_bind_text(stmt, 5, quoted);
	sqlite3_bind_int64(stmt, 6, from);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (event_list_add(l, stmt, reference, strip_ids) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		log_error("event=db.error op=erase_events error=\"%s\"",
			  rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(sqlite_of(st)->db));
	sqlite3_reset(stmt);
	free(quoted);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sqlite_retention_erase_scan(struct store *st, const char *reference, const char *installation_id,
			       struct erasure_scan *out)
{
	struct event_list l = { 0 };
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (sqlite_retention_snapshot_begin(st) != 0)
		return -1;
	out->through = sqlite_retention_feed_position(st);
	if (out->through < 0 ||
	    (out->request_ids = find_ids(st, STMT_ERASE_FIND_REQUESTS, reference, installation_id)) == NULL ||
	    (out->installation_ids = find_ids(st, STMT_ERASE_FIND_INSTALLATIONS, reference, installation_id)) == NULL)
		goto done;
	if (find_events(st, reference, installation_id, out->request_ids, out->installation_ids, 0, &l, NULL) != 0)
		goto done;
	out->event_ids = l.ids;
	out->event_count = l.count;
	l.ids = NULL;
	rc = 0;
done:
	event_list_free(&l);
	sqlite_retention_snapshot_end(st);
	return rc;
}

/* Adds the scan's events, as they are now, to l with their stripped details.
 * An event purged since is gone and skipped. Returns 0 or -1. */
static int reread_events(struct store *st, const struct erasure_scan *scan, const char *reference,
			 const char *const *strip_ids, struct event_list *l)
{
	for (size_t i = 0; i < scan->event_count; i++) {
		sqlite3_stmt *stmt = rstmt(st, STMT_ERASE_EVENT_BY_ID);
		if (stmt == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, scan->event_ids[i]);
		int rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW && event_list_add(l, stmt, reference, strip_ids) != 0)
			rc = SQLITE_NOMEM;
		sqlite3_reset(stmt);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			log_error("event=db.error op=erase_event error=\"%s\"",
				  rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(sqlite_of(st)->db));
			return -1;
		}
	}
	return 0;
}

/* Writes the stripped events; *count is the number that changed. Returns 0 or -1. */
static int strip_events(struct store *st, const struct event_list *l, long *count)
{
	*count = 0;
	for (size_t i = 0; i < l->count; i++) {
		sqlite3_stmt *stmt = rstmt(st, STMT_ERASE_STRIP_EVENT);
		if (stmt == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, l->ids[i]);
		sqlite_bind_text(stmt, 2, l->details[i]);
		if (sqlite_step_write(sqlite_of(st), stmt, "erase_strip_event", NULL) != 0)
			return -1;
		*count += sqlite3_changes(sqlite_of(st)->db);
	}
	return 0;
}

/* Runs a statement that takes a JSON array of ids as ?1; returns the rows it
 * changed, or -1. */
static long for_ids(struct store *st, enum sqlite_stmt id, const char *ids)
{
	sqlite3_stmt *stmt = rstmt(st, id);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, ids);
	if (sqlite_step_write(sqlite_of(st), stmt, "erase", NULL) != 0)
		return -1;
	return (long)sqlite3_changes(sqlite_of(st)->db);
}

int sqlite_retention_erase(struct store *st, const char *reference, const char *installation_id,
			  const struct erasure_scan *scan, struct erasure_counts *out)
{
	char *request_ids = NULL, *installation_ids = NULL;
	struct event_list l = { 0 };
	json_t *holder = NULL;
	const char **strip_ids = NULL;
	int64_t from = 0;
	int rc = -1;

	if ((request_ids = find_ids(st, STMT_ERASE_FIND_REQUESTS, reference, installation_id)) == NULL ||
	    (installation_ids = find_ids(st, STMT_ERASE_FIND_INSTALLATIONS, reference, installation_id)) == NULL ||
	    (strip_ids = erasure_strip_ids(installation_id, installation_ids, &holder)) == NULL)
		goto done;
	/* The scan's events still are the whole story up to its snapshot when it
	 * matched the same requests and installations: an event's columns and
	 * detail only ever change by being stripped. */
	if (scan && strcmp(scan->request_ids, request_ids) == 0 &&
	    strcmp(scan->installation_ids, installation_ids) == 0) {
		if (reread_events(st, scan, reference, strip_ids, &l) != 0)
			goto done;
		from = scan->through;
	}
	if (find_events(st, reference, installation_id, request_ids, installation_ids, from, &l, strip_ids) != 0 ||
	    strip_events(st, &l, &out->events) != 0)
		goto done;
	if (for_ids(st, STMT_ERASE_UNLINK_INSTALLATIONS, request_ids) < 0 ||
	    for_ids(st, STMT_ERASE_VERIFICATIONS, installation_ids) < 0)
		goto done;
	if ((out->installations = for_ids(st, STMT_ERASE_INSTALLATIONS, installation_ids)) < 0 ||
	    (out->access_requests = for_ids(st, STMT_ERASE_REQUESTS, request_ids)) < 0)
		goto done;
	rc = 0;
done:
	event_list_free(&l);
	free(strip_ids);
	json_decref(holder);
	free(request_ids);
	free(installation_ids);
	return rc;
}

void sqlite_retention_wipe_log_after_commit(struct store *st)
{
	if (sqlite_of(st)->wal)
		sqlite_wal_truncate_after_commit(sqlite_of(st));
}
