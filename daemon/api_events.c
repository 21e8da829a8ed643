/*
 * api_events.c — the admin API's event feed: the event log read forward from
 * an id, oldest first, so that a partner's backend can poll it as a change log.
 * A position older than the purge horizon is answered 410: events the reader
 * has not seen are gone, and it must list installations to resume.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "api_list.h"
#include "events.h"
#include "handlers.h"
#include "http_query.h"
#include "log.h"
#include "retention_store.h"
#include "store.h"

/* Event ids are 64-bit; 18 digits keep any of them without overflow. */
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

static int add_event(void *arg, const struct event_record *e)
{
	return api_list_add(arg, events_json(e), 0, e->id);
}

static enum http_outcome list_in_snapshot(struct http_request *req, struct store *st, int64_t after,
					  long limit);

enum http_outcome api_events_list(struct http_request *req)
{
	static const char *const params[] = { "after", "limit", NULL };
	json_t *errors = json_array();

	if (errors == NULL)
		return http_reply_problem(req, 500, "out of memory");
	http_query_check_names(req, params, errors);
	int64_t after = read_after(req, errors);
	long limit = api_list_limit(req, errors);
	if (http_reply_if_invalid(req, "the query is not valid", errors))
		return HTTP_QUEUED;

	struct store *st = store_reader();
	if (st == NULL || retention_store_snapshot_begin(st) != 0)
		return http_reply_problem(req, 503, "the database is not available");
	enum http_outcome outcome = list_in_snapshot(req, st, after, limit);
	retention_store_snapshot_end(st);
	return outcome;
}

/*
 * Answers the feed from after, in the snapshot the caller opened: the purge
 * horizon and the events read are of the same moment, so no purge can slip
 * between the check and the read.
 */
static enum http_outcome list_in_snapshot(struct http_request *req, struct store *st, int64_t after, long limit)
{
	int64_t purged = retention_store_purged_through(st);
	if (purged < 0)
		return http_reply_problem(req, 503, "the database is not available");
	if (after < purged)
		return http_reply_problem_with(req, 410,
					       "events after this position were deleted by the retention policy; "
					       "list the installations and read on from their feedPosition",
					       "oldestAvailable", json_integer(purged + 1));
	struct api_list page;
	if (api_list_init(&page, limit, 0, after) != 0)
		return http_reply_problem(req, 500, "out of memory");
	int rc = store_event_list_after(st, after, limit, add_event, &page);
	return api_list_reply(req, &page, rc, API_LIST_AFTER);
}
