/*
 * api_installations.c — the admin API's installations: list, get (with its
 * history from the event log) and revoke.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cursor.h"
#include "events.h"
#include "handlers.h"
#include "http_query.h"
#include "installations.h"
#include "log.h"
#include "retention_store.h"
#include "store.h"
#include "timestamp.h"
#include "validate.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define HISTORY_MAX 1000
#define REASON_MAX 500

/* What a revoke carries from the handler to the writer and back. */
struct revoke_job {
	char installation_id[VALIDATE_GUID_LEN + 1];
	char *reason;             /* owned; NULL when none was given */
	int found;                /* 1 found, 0 not found */
	int changed;              /* this call revoked it (it was not revoked before) */
	struct installation in;   /* the row as it is after the revoke */
};

static void revoke_job_free(void *arg)
{
	struct revoke_job *job = arg;
	if (job == NULL)
		return;
	free(job->reason);
	free(job);
}

static int with_verification(void)
{
	return http_ctx.cfg->zaptec_username != NULL;
}

/*
 * Normalises the path's installation id into out (lower case). Returns 1 when it
 * is a GUID, else 0 with a 400 problem queued naming installationId.
 */
static int valid_id(struct http_request *req, const char *text, char out[VALIDATE_GUID_LEN + 1])
{
	const char *why;
	if (validate_guid(text, out, &why) == 0)
		return 1;
	json_t *errors = json_array();
	if (errors == NULL) {
		http_reply_problem(req, 500, "out of memory");
		return 0;
	}
	http_query_error(errors, "installationId", why);
	http_reply_invalid(req, "the installation id is not a GUID", errors);
	return 0;
}

/* A page of the list being read: limit rows, and whether one more exists. */
struct installation_page {
	json_t *items;
	long limit, rows;
	int64_t last_updated, last_seq;
	int more, oom;
};

static int add_installation(void *arg, const struct installation *in)
{
	struct installation_page *page = arg;
	if (page->rows == page->limit) {
		page->more = 1;
		return 1;
	}
	page->oom = json_array_append_new(page->items, installations_json(in, with_verification())) != 0;
	page->last_updated = in->updated_at;
	page->last_seq = in->seq;
	page->rows++;
	return page->oom;
}

enum http_outcome api_installations_list(struct http_request *req)
{
	static const char *const statuses[] = { "verifying", "granted", "unconfirmed", "revoked", NULL };
	static const char *const params[] = { "status", "reference", "updatedSince", "limit", "cursor", NULL };
	const char *status, *reference, *since_text, *cursor;
	int64_t before_updated = INT64_MAX, before_seq = INT64_MAX, since = 0;
	long limit;
	json_t *errors = json_array();

	if (errors == NULL)
		return http_reply_problem(req, 500, "out of memory");
	http_query_check_names(req, params, errors);
	status = http_query_one_of(req, "status", statuses, errors);
	reference = http_query_text(req, "reference", 200, errors);
	since_text = http_query_text(req, "updatedSince", 64, errors);
	if (since_text && timestamp_parse(since_text, &since) != 0)
		http_query_error(errors, "updatedSince", "must be an RFC 3339 time such as 2026-11-28T10:00:00Z");
	limit = http_query_limit(req, LIST_DEFAULT, LIST_MAX, errors);
	cursor = http_query_text(req, "cursor", 64, errors);
	if (cursor && cursor_decode(cursor, &before_updated, &before_seq) != 0)
		http_query_error(errors, "cursor", "is not a cursor this API returned");
	if (json_array_size(errors) > 0)
		return http_reply_invalid(req, "the query is not valid", errors);
	json_decref(errors);

	struct installation_page page = { .items = json_array(), .limit = limit };
	struct store *st = store_reader();
	if (page.items == NULL)
		return http_reply_problem(req, 500, "out of memory");
	/* The list and the feed's position are read in one snapshot: every change
	 * the list does not show is an event after feedPosition. */
	int64_t position = -1;
	int failed = st == NULL || retention_store_snapshot_begin(st) != 0;
	if (!failed) {
		position = retention_store_feed_position(st);
		failed = position < 0 || store_installation_list(st, before_updated, before_seq, since, status,
								 reference, limit + 1, add_installation, &page) != 0;
		retention_store_snapshot_end(st);
	}
	if (failed) {
		json_decref(page.items);
		return http_reply_problem(req, 503, "the database is not available");
	}
	if (page.oom) {
		json_decref(page.items);
		return http_reply_problem(req, 500, "out of memory");
	}
	json_t *items = page.items;
	int more = page.more;
	int64_t last_updated = page.last_updated, last_seq = page.last_seq;
	char next[CURSOR_TEXT_LEN + 1];
	if (more)
		cursor_encode(last_updated, last_seq, next);
	json_t *body = json_pack("{s:o, s:o, s:I}", "items", items, "nextCursor", more ? json_string(next) : json_null(),
				 "feedPosition", (json_int_t)position);
	return body ? http_reply_json_steal(req, 200, body) : http_reply_problem(req, 500, "out of memory");
}

/* The history being read, and whether memory ran out. */
struct history {
	json_t *events;
	int oom;
};

static int add_history(void *arg, const struct event_record *e)
{
	struct history *h = arg;
	h->oom = json_array_append_new(h->events, events_json(e)) != 0;
	return h->oom;
}

/*
 * The installation's events, oldest first, as a new JSON array (at most
 * HISTORY_MAX). Returns NULL on a database failure or when memory runs out.
 */
static json_t *history_json(struct store *st, const char *installation_id)
{
	struct history h = { .events = json_array() };
	if (h.events == NULL)
		return NULL;
	if (store_event_list_by_installation(st, installation_id, HISTORY_MAX, add_history, &h) != 0 || h.oom) {
		json_decref(h.events);
		return NULL;
	}
	return h.events;
}

enum http_outcome api_installations_get(struct http_request *req)
{
	char id[VALIDATE_GUID_LEN + 1];
	struct installation in;

	if (!valid_id(req, req->params[0], id))
		return HTTP_QUEUED;
	struct store *st = store_reader();
	if (st == NULL)
		return http_reply_problem(req, 503, "the database is not available");
	int found = store_installation_find(st, id, &in);
	if (found < 0)
		return http_reply_problem(req, 503, "the database is not available");
	if (found == 0)
		return http_reply_problem(req, 404, "no installation has this id");
	json_t *history = history_json(st, id);
	if (history == NULL)
		return http_reply_problem(req, 503, "the database is not available");
	json_t *obj = installations_json(&in, with_verification());
	if (obj == NULL || json_object_set_new(obj, "history", history) != 0) {
		json_decref(obj);
		return http_reply_problem(req, 500, "out of memory");
	}
	return http_reply_json_steal(req, 200, obj);
}

/* Revokes on the writer, then reads the row back on the same connection so the
 * answer shows what was committed with it. */
static int revoke_run(struct store *st, void *arg)
{
	struct revoke_job *job = arg;
	int found = installations_revoke(st, job->installation_id, "api", job->reason, timestamp_now(),
					 &job->changed);
	if (found < 0)
		return -1;
	job->found = found;
	if (!found)
		return 0;
	return store_installation_find(st, job->installation_id, &job->in) == 1 ? 0 : -1;
}

static enum http_outcome revoke_resume(struct http_request *req)
{
	struct revoke_job *job = req->state;
	if (req->job_status != 0)
		return http_reply_problem(req, 503, "the installation could not be revoked; try again");
	if (!job->found)
		return http_reply_problem(req, 404, "no installation has this id");
	if (job->changed)
		log_info("event=installation.revoked installation=%s source=api", job->installation_id);
	json_t *obj = installations_json(&job->in, with_verification());
	return obj ? http_reply_json_steal(req, 200, obj) : http_reply_problem(req, 500, "out of memory");
}

/* Reads the optional {"reason": string} body into job, noting what is wrong. */
static void read_reason(json_t *body, struct revoke_job *job, json_t *errors)
{
	const char *key, *why;
	json_t *value;

	json_object_foreach(body, key, value) {
		if (strcmp(key, "reason") != 0)
			http_query_error(errors, key, "is not a known field");
	}
	value = json_object_get(body, "reason");
	if (value == NULL || json_is_null(value))
		return;
	if (!json_is_string(value)) {
		http_query_error(errors, "reason", "must be a string");
		return;
	}
	const char *text = json_string_value(value);
	size_t len = json_string_length(value);
	if (validate_text(text, len, REASON_MAX, 1, &why) != 0) {
		http_query_error(errors, "reason", why);
		return;
	}
	/* An empty reason says nothing: it is recorded as none. */
	if (len > 0 && (job->reason = strdup(text)) == NULL)
		http_query_error(errors, "reason", "could not be stored");
}

enum http_outcome api_installations_revoke(struct http_request *req)
{
	struct revoke_job *job = calloc(1, sizeof *job);
	json_t *errors = json_array();

	if (job == NULL || errors == NULL) {
		free(job);
		json_decref(errors);
		return http_reply_problem(req, 500, "out of memory");
	}
	req->state = job;
	req->free_state = revoke_job_free;
	if (!valid_id(req, req->params[0], job->installation_id)) {
		json_decref(errors);
		return HTTP_QUEUED;
	}
	read_reason(req->json, job, errors);
	if (json_array_size(errors) > 0)
		return http_reply_invalid(req, "the revocation is not valid", errors);
	json_decref(errors);
	return http_defer(req, revoke_run, job, revoke_resume);
}
