/*
 * api_events.c — the admin API's event feed: the event log read forward from
 * an id, oldest first, so that a partner's backend can poll it as a change log.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "handlers.h"
#include "http_query.h"
#include "log.h"
#include "store.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000
/* Event ids are SQLite rowids; 18 digits keep any of them without overflow. */
#define AFTER_MAX_DIGITS 18

/* "after": a whole number (digits only), 0 when absent. */
static int64_t read_after(struct http_request *req, json_t *errors)
{
	const char *value = http_query(req, "after");
	if (value == NULL)
		return 0;
	size_t n = strlen(value);
	int digits = n > 0 && n <= AFTER_MAX_DIGITS;
	for (size_t i = 0; i < n && digits; i++)
		digits = isdigit((unsigned char)value[i]);
	if (!digits) {
		field_error_add(errors, "after", "must be a whole number, the id of an event or 0");
		return 0;
	}
	return strtoll(value, NULL, 10);
}

enum http_outcome api_events_list(struct http_request *req)
{
	static const char *const params[] = { "after", "limit", NULL };
	json_t *errors = json_array();

	if (errors == NULL)
		return http_reply_problem(req, 500, "out of memory");
	http_query_check_names(req, params, errors);
	int64_t after = read_after(req, errors);
	long limit = http_query_limit(req, LIST_DEFAULT, LIST_MAX, errors);
	if (json_array_size(errors) > 0)
		return http_reply_invalid(req, "the query is not valid", errors);
	json_decref(errors);

	struct store *st = store_reader();
	sqlite3_stmt *stmt = st ? store_stmt(st, STMT_EVENT_LIST_AFTER) : NULL;
	if (stmt == NULL)
		return http_reply_problem(req, 503, "the database is not available");
	sqlite3_bind_int64(stmt, 1, after);
	sqlite3_bind_int64(stmt, 2, limit);

	json_t *items = json_array();
	int64_t last = after;
	int rc = SQLITE_NOMEM;
	while (items && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		last = sqlite3_column_int64(stmt, 0);
		if (json_array_append_new(items, events_row_json(stmt)) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	if (rc != SQLITE_DONE && rc != SQLITE_NOMEM)
		log_error("event=db.error op=event_list error=\"%s\"", sqlite3_errmsg(store_db(st)));
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		json_decref(items);
		return rc == SQLITE_NOMEM ? http_reply_problem(req, 500, "out of memory")
					  : http_reply_problem(req, 503, "the database is not available");
	}
	json_t *body = json_pack("{s:o, s:I}", "items", items, "nextAfter", (json_int_t)last);
	return body ? http_reply_json_steal(req, 200, body) : http_reply_problem(req, 500, "out of memory");
}
