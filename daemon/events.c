/*
 * events.c — appending to the event log and reading its rows as JSON.
 */
#include <stdlib.h>

#include "events.h"
#include "log.h"
#include "store.h"
#include "timestamp.h"

int events_append(struct store *st, int64_t at, const char *type, const char *request_id,
		  const char *installation_id, const char *reference, json_t *detail)
{
	char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	sqlite3_stmt *stmt = store_stmt(st, STMT_EVENT_INSERT);
	int rc = -1;

	json_decref(detail);
	if (stmt == NULL || (detail && text == NULL))
		goto done;
	sqlite3_bind_int64(stmt, 1, at);
	store_bind_text(stmt, 2, type);
	store_bind_text(stmt, 3, request_id);
	store_bind_text(stmt, 4, installation_id);
	store_bind_text(stmt, 5, reference);
	store_bind_text(stmt, 6, text ? text : "{}");
	if (sqlite3_step(stmt) == SQLITE_DONE)
		rc = 0;
	else
		log_error("event=db.error op=event_append error=\"%s\"", sqlite3_errmsg(store_db(st)));
	sqlite3_reset(stmt);
done:
	free(text);
	return rc;
}

static json_t *text_or_null(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);
	return s ? json_string((const char *)s) : json_null();
}

json_t *events_row_json(sqlite3_stmt *stmt)
{
	const char *detail_text = (const char *)sqlite3_column_text(stmt, 6);
	json_t *detail = detail_text ? json_loads(detail_text, 0, NULL) : NULL;
	if (detail == NULL)
		detail = json_object();
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "id", (json_int_t)sqlite3_column_int64(stmt, 0),
			 "at", timestamp_json(sqlite3_column_int64(stmt, 1)),
			 "type", text_or_null(stmt, 2),
			 "requestId", text_or_null(stmt, 3),
			 "installationId", text_or_null(stmt, 4),
			 "reference", text_or_null(stmt, 5),
			 "detail", detail);
}
