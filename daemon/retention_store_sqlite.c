/*
 * retention_store_sqlite.c — retention and erasure on SQLite: the operations
 * of retention_store.h over the statements of store_sql.c.
 */
#include <jansson.h>
#include <stdlib.h>

#include "erasure.h"
#include "log.h"
#include "retention_store.h"
#include "store.h"

const char *retention_kind_name(enum retention_kind kind)
{
	static const char *const names[RETENTION_KIND_COUNT] = {
		[RETENTION_EVENTS] = "events",
		[RETENTION_REJECTED_CALLBACKS] = "rejected_callbacks",
		[RETENTION_ACCESS_REQUESTS] = "access_requests",
		[RETENTION_INSTALLATIONS] = "installations",
	};
	return names[kind];
}

/* Runs one statement of a purge batch with its cutoff and limit (and, for
 * events, the newest id that may go). Returns the rows it changed, or -1. */
static long purge_step(struct store *st, enum store_stmt id, int is_event, int64_t cutoff, int limit)
{
	sqlite3_stmt *stmt = store_stmt(st, id);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, cutoff);
	if (is_event) {
		sqlite3_bind_int64(stmt, 2, INT64_MAX);
		sqlite3_bind_int(stmt, 3, limit);
	} else {
		sqlite3_bind_int(stmt, 2, limit);
	}
	if (store_step_write(st, stmt, "purge") != 0)
		return -1;
	return (long)sqlite3_changes(store_db(st));
}

long retention_store_purge_batch(struct store *st, enum retention_kind kind, int64_t cutoff, int limit)
{
	/* The statements of each kind, in order; the last one deletes and counts. */
	static const enum store_stmt steps[RETENTION_KIND_COUNT][3] = {
		[RETENTION_EVENTS] = { STMT_PURGE_EVENTS_MARK, STMT_PURGE_EVENTS, STMT_COUNT },
		[RETENTION_REJECTED_CALLBACKS] = { STMT_PURGE_REJECTED_MARK, STMT_PURGE_REJECTED, STMT_COUNT },
		[RETENTION_ACCESS_REQUESTS] = { STMT_PURGE_REQUESTS_UNLINK, STMT_PURGE_REQUESTS, STMT_COUNT },
		[RETENTION_INSTALLATIONS] = { STMT_PURGE_INSTALLATIONS_HISTORY,
					      STMT_PURGE_INSTALLATIONS_VERIFICATIONS, STMT_PURGE_INSTALLATIONS },
	};
	int is_event = kind == RETENTION_EVENTS || kind == RETENTION_REJECTED_CALLBACKS;
	long changed = 0;
	for (int i = 0; i < 3 && steps[kind][i] != STMT_COUNT; i++)
		if ((changed = purge_step(st, steps[kind][i], is_event, cutoff, limit)) < 0)
			return -1;
	return changed;
}

int retention_store_snapshot_begin(struct store *st)
{
	return store_exec(st, STMT_READ_BEGIN) == SQLITE_DONE ? 0 : -1;
}

void retention_store_snapshot_end(struct store *st)
{
	if (!sqlite3_get_autocommit(store_db(st)))
		store_exec(st, STMT_READ_END);
}

/* The one integer a statement returns, or -1. */
static int64_t read_int(struct store *st, enum store_stmt id)
{
	sqlite3_stmt *stmt = store_stmt(st, id);
	int64_t value = -1;
	if (stmt == NULL)
		return -1;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		value = sqlite3_column_int64(stmt, 0);
	else
		log_error("event=db.error op=feed_position error=\"%s\"", sqlite3_errmsg(store_db(st)));
	sqlite3_reset(stmt);
	return value;
}

int64_t retention_store_purged_through(struct store *st)
{
	return read_int(st, STMT_EVENT_PURGED_THROUGH);
}

int64_t retention_store_feed_position(struct store *st)
{
	return read_int(st, STMT_EVENT_NEWEST);
}

/* Binds the erasure's reference and installation id (one of them NULL). */
static void bind_target(sqlite3_stmt *stmt, const char *reference, const char *installation_id)
{
	store_bind_text(stmt, 1, reference);
	store_bind_text(stmt, 2, installation_id);
}

/* The first column of every row of a statement, as a new JSON array text.
 * NULL on a database failure or when memory runs out. */
static char *collect_ids(struct store *st, sqlite3_stmt *stmt)
{
	json_t *ids = json_array();
	int rc = SQLITE_NOMEM;
	while (ids && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(stmt, 0);
		if (id && json_array_append_new(ids, json_string(id)) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	char *text = NULL;
	if (rc == SQLITE_DONE)
		text = json_dumps(ids, JSON_COMPACT);
	else
		log_error("event=db.error op=erase_find error=\"%s\"",
			  rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(store_db(st)));
	sqlite3_reset(stmt);
	json_decref(ids);
	return text;
}

/* An event to strip: its id and its stripped detail. */
struct stripped_event {
	int64_t id;
	char *detail;
};

/* Finds the erased targets' events and strips each; *count is the number
 * changed. Returns 0 or -1. */
static int strip_events(struct store *st, const char *reference, const char *installation_id,
			const char *request_ids, const char *installation_ids, long *count)
{
	sqlite3_stmt *stmt = store_stmt(st, STMT_ERASE_FIND_EVENTS);
	struct stripped_event *found = NULL;
	size_t n = 0, cap = 0;
	char *quoted = NULL;
	int rc = SQLITE_NOMEM, failed = 0;

	*count = 0;
	if (stmt == NULL)
		return -1;
	if (reference) {
		json_t *s = json_string(reference);
		quoted = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
		json_decref(s);
		if (quoted == NULL)
			return -1;
	}
	bind_target(stmt, reference, installation_id);
	store_bind_text(stmt, 3, request_ids);
	store_bind_text(stmt, 4, installation_ids);
	store_bind_text(stmt, 5, quoted);
	/* The rows are collected first: they are changed after the scan ends. */
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == cap) {
			size_t more = cap ? cap * 2 : 64;
			struct stripped_event *grown = realloc(found, more * sizeof *found);
			if (grown == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			found = grown;
			cap = more;
		}
		found[n].id = sqlite3_column_int64(stmt, 0);
		found[n].detail = erasure_strip_detail((const char *)sqlite3_column_text(stmt, 1), reference,
						       installation_id);
		if (found[n++].detail == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		log_error("event=db.error op=erase_events error=\"%s\"",
			  rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(store_db(st)));
	sqlite3_reset(stmt);
	failed = rc != SQLITE_DONE;
	for (size_t i = 0; i < n; i++) {
		if (!failed && (stmt = store_stmt(st, STMT_ERASE_STRIP_EVENT)) != NULL) {
			sqlite3_bind_int64(stmt, 1, found[i].id);
			store_bind_text(stmt, 2, found[i].detail);
			failed = store_step_write(st, stmt, "erase_strip_event") != 0;
			*count += failed ? 0 : sqlite3_changes(store_db(st));
		} else {
			failed = 1;
		}
		free(found[i].detail);
	}
	free(found);
	free(quoted);
	return failed ? -1 : 0;
}

/* Runs a statement that takes a JSON array of ids as ?1; returns the rows it
 * changed, or -1. */
static long for_ids(struct store *st, enum store_stmt id, const char *ids)
{
	sqlite3_stmt *stmt = store_stmt(st, id);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, ids);
	if (store_step_write(st, stmt, "erase") != 0)
		return -1;
	return (long)sqlite3_changes(store_db(st));
}

int retention_store_erase(struct store *st, const char *reference, const char *installation_id,
			  struct erasure_counts *out)
{
	char *request_ids = NULL, *installation_ids = NULL;
	int rc = -1;
	sqlite3_stmt *stmt;

	if ((stmt = store_stmt(st, STMT_ERASE_FIND_REQUESTS)) == NULL)
		goto done;
	bind_target(stmt, reference, installation_id);
	if ((request_ids = collect_ids(st, stmt)) == NULL)
		goto done;
	if ((stmt = store_stmt(st, STMT_ERASE_FIND_INSTALLATIONS)) == NULL)
		goto done;
	bind_target(stmt, reference, installation_id);
	if ((installation_ids = collect_ids(st, stmt)) == NULL)
		goto done;
	if (strip_events(st, reference, installation_id, request_ids, installation_ids, &out->events) != 0)
		goto done;
	if (for_ids(st, STMT_ERASE_UNLINK_INSTALLATIONS, request_ids) < 0 ||
	    for_ids(st, STMT_ERASE_VERIFICATIONS, installation_ids) < 0)
		goto done;
	if ((out->installations = for_ids(st, STMT_ERASE_INSTALLATIONS, installation_ids)) < 0 ||
	    (out->access_requests = for_ids(st, STMT_ERASE_REQUESTS, request_ids)) < 0)
		goto done;
	rc = 0;
done:
	free(request_ids);
	free(installation_ids);
	return rc;
}
