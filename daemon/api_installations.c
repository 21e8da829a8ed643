/*
 * api_installations.c — the admin API's installations: list, get (with its
 * history from the event log) and revoke.
 */
#include <stdlib.h>
#include <string.h>

#include "api_list.h"
#include "config.h"
#include "cursor.h"
#include "events.h"
#include "handlers.h"
#include "http_query.h"
#include "installations.h"
#include "log.h"
#include "retention_store.h"
#include "status.h"
#include "store.h"
#include "timestamp.h"
#include "validate.h"

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
	field_error_add(errors, "installationId", why);
	http_reply_invalid(req, "the installation id is not a GUID", errors);
	return 0;
}

static int add_installation(void *arg, const struct installation *in)
{
	struct api_list *page = arg;
	if (api_list_full(page))
		return 1;
	return api_list_add(page, installations_json(in, with_verification()), in->updated_at, in->seq);
}

enum http_outcome api_installations_list(struct http_request *req)
{
	static const char *const params[] = { "status", "reference", "updatedSince", "limit", "cursor", NULL };
	const char *status, *reference, *since_text, *cursor;
	int64_t before_updated = INT64_MAX, before_seq = INT64_MAX, since = 0;
	long limit;
	json_t *errors = json_array();

	if (errors == NULL)
		return http_reply_problem(req, 500, "out of memory");
	http_query_check_names(req, params, errors);
	status = http_query_one_of(req, "status", status_installation_names, errors);
	reference = http_query_text(req, "reference", 200, errors);
	since_text = http_query_text(req, "updatedSince", 64, errors);
	if (since_text && timestamp_parse(since_text, &since) != 0)
		field_error_add(errors, "updatedSince", "must be an RFC 3339 time such as 2026-11-28T10:00:00Z");
	limit = api_list_limit(req, errors);
	cursor = http_query_text(req, "cursor", 64, errors);
	if (cursor && cursor_decode(cursor, &before_updated, &before_seq) != 0)
		field_error_add(errors, "cursor", "is not a cursor this API returned");
	if (http_reply_if_invalid(req, "the query is not valid", errors))
		return HTTP_QUEUED;

	struct api_list page;
	if (api_list_init(&page, limit, 0, 0) != 0)
		return http_reply_problem(req, 500, "out of memory");
	struct store *st = store_reader();
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
	if (!failed)
		api_list_set(&page, "feedPosition", json_integer(position));
	return api_list_reply(req, &page, failed, API_LIST_CURSOR);
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
			field_error_add(errors, key, "is not a known field");
	}
	value = json_object_get(body, "reason");
	if (value == NULL || json_is_null(value))
		return;
	if (!json_is_string(value)) {
		field_error_add(errors, "reason", "must be a string");
		return;
	}
	const char *text = json_string_value(value);
	size_t len = json_string_length(value);
	if (validate_text(text, len, REASON_MAX, 1, &why) != 0) {
		field_error_add(errors, "reason", why);
		return;
	}
	/* An empty reason says nothing: it is recorded as none. */
	if (len > 0 && (job->reason = strdup(text)) == NULL)
		field_error_add(errors, "reason", "could not be stored");
}

enum http_outcome api_installations_revoke(struct http_request *req)
{
	json_t *errors;
	struct revoke_job *job = http_new_job(req, sizeof *job, revoke_job_free, &errors);

	if (job == NULL)
		return http_reply_problem(req, 500, "out of memory");
	if (!valid_id(req, req->params[0], job->installation_id)) {
		json_decref(errors);
		return HTTP_QUEUED;
	}
	read_reason(req->json, job, errors);
	if (http_reply_if_invalid(req, "the revocation is not valid", errors))
		return HTTP_QUEUED;
	return http_defer(req, revoke_run, job, revoke_resume);
}
