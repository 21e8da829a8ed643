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

/* Runs a statement that returns no rows. Returns the rows it changed, or -1. */
static long run_counted(struct store *st, enum sqlite_stmt id, const struct sqlite_params *p, const char *op)
{
	if (sqlite_run_write(sqlite_of(st), id, p, op, NULL) != 0)
		return -1;
	return (long)sqlite3_changes(sqlite_of(st)->db);
}

/* Runs one statement of a purge batch with its cutoff and limit. Returns the
 * rows it changed, or -1. */
static long purge_step(struct store *st, enum sqlite_stmt id, int64_t cutoff, int limit)
{
	struct sqlite_params p = { 0 };
	sqlite_param_int(&p, cutoff);
	sqlite_param_int(&p, limit);
	return run_counted(st, id, &p, "purge");
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
	return sqlite_run_write(sqlite_of(st), STMT_READ_BEGIN, NULL, "snapshot", NULL);
}

void sqlite_retention_snapshot_end(struct store *st)
{
	if (!sqlite3_get_autocommit(sqlite_of(st)->db))
		sqlite_run_write(sqlite_of(st), STMT_READ_END, NULL, "snapshot_end", NULL);
}

static int read_first_int(sqlite3_stmt *row, void *arg)
{
	*(int64_t *)arg = sqlite3_column_int64(row, 0);
	return 0;
}

/* The one integer a statement returns, or -1. */
static int64_t read_int(struct store *st, enum sqlite_stmt id)
{
	int64_t value = -1;
	return sqlite_run_one(sqlite_of(st), id, NULL, "feed_position", read_first_int, &value) == 1 ? value : -1;
}

int64_t sqlite_retention_purged_through(struct store *st)
{
	return read_int(st, STMT_EVENT_PURGED_THROUGH);
}

int64_t sqlite_retention_feed_position(struct store *st)
{
	return read_int(st, STMT_EVENT_NEWEST);
}

/* The erasure's reference and installation id (one of them NULL), as ?1 and ?2. */
static void target_params(struct sqlite_params *p, const char *reference, const char *installation_id)
{
	sqlite_param_text(p, reference);
	sqlite_param_text(p, installation_id);
}

/* The ids a statement finds, and whether memory ran out collecting them. */
struct found_ids {
	json_t *ids;
	int oom;
};

static int add_id(sqlite3_stmt *row, void *arg)
{
	struct found_ids *found = arg;
	const char *text = (const char *)sqlite3_column_text(row, 0);
	found->oom = text && json_array_append_new(found->ids, json_string(text)) != 0;
	return found->oom;
}

/* The ids a statement of the target finds, as a new JSON array text. NULL on
 * a database failure or when memory runs out. */
static char *find_ids(struct store *st, enum sqlite_stmt id, const char *reference, const char *installation_id)
{
	struct sqlite_params p = { 0 };
	struct found_ids found = { json_array(), 0 };
	char *out = NULL;

	target_params(&p, reference, installation_id);
	if (found.ids && sqlite_run_rows(sqlite_of(st), id, &p, "erase_find", add_id, &found) == 0 && !found.oom)
		out = json_dumps(found.ids, JSON_COMPACT);
	else if (found.ids == NULL || found.oom)
		log_error("event=db.error op=erase_find error=\"out of memory\"");
	json_decref(found.ids);
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

/* Where the rows of an event statement go: l, with details stripped when
 * strip_ids is given; oom when memory ran out. */
struct event_rows {
	struct event_list *l;
	const char *reference;
	const char *const *strip_ids;
	int oom;
};

static int add_event(sqlite3_stmt *row, void *arg)
{
	struct event_rows *rows = arg;
	rows->oom = event_list_add(rows->l, row, rows->reference, rows->strip_ids) != 0;
	return rows->oom;
}

/* Runs an event statement with p, adding its rows. Returns 0 or -1. */
static int add_events(struct store *st, enum sqlite_stmt id, const struct sqlite_params *p, const char *op,
		      struct event_rows *rows)
{
	if (sqlite_run_rows(sqlite_of(st), id, p, op, add_event, rows) != 0)
		return -1;
	if (rows->oom)
		log_error("event=db.error op=%s error=\"out of memory\"", op);
	return rows->oom ? -1 : 0;
}

/* Adds the target's events after id from to l (with stripped details when
 * strip_ids is given). Returns 0 or -1. */
static int find_events(struct store *st, const char *reference, const char *installation_id,
		       const char *request_ids, const char *installation_ids, int64_t from,
		       struct event_list *l, const char *const *strip_ids)
{
	struct event_rows rows = { l, reference, strip_ids, 0 };
	struct sqlite_params p = { 0 };
	char *quoted = NULL;

	if (reference && (quoted = erasure_quote(reference)) == NULL)
		return -1;
	target_params(&p, reference, installation_id);
	sqlite_param_text(&p, request_ids);
	sqlite_param_text(&p, installation_ids);
	sqlite_param_text(&p, quoted);
	sqlite_param_int(&p, from);
	int rc = add_events(st, STMT_ERASE_FIND_EVENTS, &p, "erase_events", &rows);
	free(quoted);
	return rc;
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
	struct event_rows rows = { l, reference, strip_ids, 0 };
	for (size_t i = 0; i < scan->event_count; i++) {
		struct sqlite_params p = { 0 };
		sqlite_param_int(&p, scan->event_ids[i]);
		if (add_events(st, STMT_ERASE_EVENT_BY_ID, &p, "erase_event", &rows) != 0)
			return -1;
	}
	return 0;
}

/* Writes the stripped events; *count is the number that changed. Returns 0 or -1. */
static int strip_events(struct store *st, const struct event_list *l, long *count)
{
	*count = 0;
	for (size_t i = 0; i < l->count; i++) {
		struct sqlite_params p = { 0 };
		sqlite_param_int(&p, l->ids[i]);
		sqlite_param_text(&p, l->details[i]);
		long changed = run_counted(st, STMT_ERASE_STRIP_EVENT, &p, "erase_strip_event");
		if (changed < 0)
			return -1;
		*count += changed;
	}
	return 0;
}

/* Runs a statement that takes a JSON array of ids as ?1; returns the rows it
 * changed, or -1. */
static long for_ids(struct store *st, enum sqlite_stmt id, const char *ids)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, ids);
	return run_counted(st, id, &p, "erase");
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
