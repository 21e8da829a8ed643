/*
 * api_webhooks.c — the admin API's webhook endpoints: create, list, get,
 * patch, delete, rotate-secret, replay and test. Every change runs on the
 * writer as a read-modify-write of the endpoint, then wakes the deliveries.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "handlers.h"
#include "log.h"
#include "store.h"
#include "timestamp.h"
#include "token.h"
#include "webhook.h"
#include "webhook_wake.h"
#include "webhook_sign.h"

#define ROTATION_OVERLAP (24 * 3600)

/* What a change needs on the writer, and what it found there. */
struct webhook_job {
	char id[TOKEN_ID_LEN + 1];
	struct webhook_input in;
	struct webhook_endpoint e;              /* the endpoint after the change */
	char secret[WEBHOOK_SECRET_LEN + 1];    /* a new secret, shown once */
	int64_t after;                          /* replay */
	int64_t oldest;                         /* replay: the oldest event kept */
	enum { JOB_DONE, JOB_NOT_FOUND, JOB_TOO_MANY, JOB_TOO_OLD, JOB_TOO_NEW, JOB_DISABLED } result;
};

static void job_free(void *arg)
{
	struct webhook_job *job = arg;
	webhook_input_clear(&job->in);
	webhook_endpoint_clear(&job->e);
	sodium_memzero(job->secret, sizeof job->secret);
	free(job);
}

/* A job for the request, owned by it from here on, with the endpoint id of
 * the path when the route has one; NULL when memory runs out. A path segment
 * that is not an id in our form (too long, or bytes PostgreSQL refuses as
 * text) names no endpoint: the id stays empty and the lookup finds nothing. */
static struct webhook_job *new_job(struct http_request *req)
{
	struct webhook_job *job = http_new_job(req, sizeof *job, job_free, NULL);
	if (job == NULL)
		return NULL;
	if (req->params[0] != NULL && token_is_id(req->params[0]))
		snprintf(job->id, sizeof job->id, "%s", req->params[0]);
	return job;
}

/* The endpoint as the API shows it, plus the new secret when there is one. */
static enum http_outcome reply_endpoint(struct http_request *req, unsigned status, struct webhook_job *job)
{
	struct store *st = store_reader();
	int64_t pending = st ? webhook_store_pending(st, &job->e) : -1;
	json_t *obj = webhook_endpoint_json(&job->e, pending);
	if (obj != NULL && job->secret[0] != '\0' && json_object_set_new(obj, "secret", json_string(job->secret)) != 0) {
		json_decref(obj);
		obj = NULL;
	}
	return obj ? http_reply_json_steal(req, status, obj) : http_reply_problem(req, 500, "out of memory");
}

/* What every change answers once the writer is done: the problem of a
 * refused change, or the endpoint. */
static enum http_outcome change_resume(struct http_request *req, unsigned status)
{
	struct webhook_job *job = req->state;
	char detail[160];

	if (req->job_status != 0)
		return http_reply_problem(req, 503, "the change could not be stored; try again");
	switch (job->result) {
	case JOB_NOT_FOUND:
		return http_reply_problem(req, 404, "no webhook endpoint has this id");
	case JOB_TOO_MANY:
		snprintf(detail, sizeof detail, "there are already %d webhook endpoints", WEBHOOK_MAX_ENDPOINTS);
		return http_reply_problem(req, 409, detail);
	case JOB_DISABLED:
		return http_reply_problem(req, 409, "the endpoint is disabled; enable it first");
	case JOB_TOO_NEW: {
		json_t *errors = json_pack("[{s:s, s:s}]", "field", "after", "message", "is past the newest event");
		return http_reply_invalid(req, "the replay is not valid", errors);
	}
	case JOB_TOO_OLD: {
		json_t *body = json_pack("{s:s, s:s, s:i, s:s, s:I}", "type", "about:blank", "title", "Gone",
					 "status", 410, "detail", "events after this id are no longer kept",
					 "oldestAvailable", (json_int_t)job->oldest);
		log_info("event=http.client_error status=410 detail=\"replay before the oldest event\"");
		if (body == NULL)
			return http_reply_problem(req, 500, "out of memory");
		char *text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		return http_reply_text(req, 410, "application/problem+json", text, text ? strlen(text) : 0);
	}
	case JOB_DONE:
		break;
	}
	webhook_wake_notify();
	return reply_endpoint(req, status, job);
}

static enum http_outcome resume_200(struct http_request *req)
{
	return change_resume(req, 200);
}

static enum http_outcome resume_202(struct http_request *req)
{
	return change_resume(req, 202);
}

/* Reads the endpoint into job->e on the writer's connection. Returns 1
 * found, 0 not (result set), -1. */
static int load(struct store *st, struct webhook_job *job)
{
	int found = webhook_store_get(st, job->id, &job->e);
	if (found == 0)
		job->result = JOB_NOT_FOUND;
	return found;
}

/* Replaces a string field with a copy of value (NULL clears it). */
static int set_text(char **field, const char *value)
{
	char *copy = value ? strdup(value) : NULL;
	if (value && copy == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

static int create_run(struct store *st, void *arg)
{
	struct webhook_job *job = arg;
	int64_t count = webhook_store_count(st);
	if (count < 0)
		return -1;
	if (count >= WEBHOOK_MAX_ENDPOINTS) {
		job->result = JOB_TOO_MANY;
		return 0;
	}
	struct webhook_endpoint e = {
		.url = (char *)job->in.url,
		.types = job->in.types,
		.description = (char *)job->in.description,
		.created_at = timestamp_now(),
		.secret = job->secret,
	};
	snprintf(e.id, sizeof e.id, "%s", job->id);
	if (webhook_store_insert(st, &e) != 0)
		return -1;
	return load(st, job) == 1 ? 0 : -1;
}

static enum http_outcome create_resume(struct http_request *req)
{
	struct webhook_job *job = req->state;
	if (req->job_status == 0 && job->result == JOB_DONE) {
		char location[96];
		snprintf(location, sizeof location, "/api/v1/webhook-endpoints/%s", job->id);
		http_set_header(req, MHD_HTTP_HEADER_LOCATION, location);
		log_info("event=webhook.endpoint_created endpoint=%s", job->id);
	}
	return change_resume(req, 201);
}

enum http_outcome api_webhooks_create(struct http_request *req)
{
	struct webhook_job *job = new_job(req);
	json_t *errors = json_array();

	if (job == NULL || errors == NULL) {
		json_decref(errors);
		return http_reply_problem(req, 500, "out of memory");
	}
	if (webhook_input_read(req->json, 1, http_ctx.cfg->webhook_allow_http, &job->in, errors) != 0)
		return http_reply_invalid(req, "the webhook endpoint is not valid", errors);
	json_decref(errors);
	token_new_id(job->id);
	webhook_secret_new(job->secret);
	return http_defer(req, create_run, job, create_resume);
}

enum http_outcome api_webhooks_list(struct http_request *req)
{
	struct store *st = store_reader();
	struct webhook_endpoint *items = NULL;
	size_t count = 0;

	if (st == NULL || webhook_store_list(st, &items, &count) != 0)
		return http_reply_problem(req, 503, "the database is not available");
	json_t *array = json_array();
	for (size_t i = 0; i < count; i++) {
		if (array && json_array_append_new(array, webhook_endpoint_json(&items[i],
						   webhook_store_pending(st, &items[i]))) != 0) {
			json_decref(array);
			array = NULL;
		}
		webhook_endpoint_clear(&items[i]);
	}
	free(items);
	json_t *body = array ? json_pack("{s:o}", "items", array) : NULL;
	return body ? http_reply_json_steal(req, 200, body) : http_reply_problem(req, 500, "out of memory");
}

enum http_outcome api_webhooks_get(struct http_request *req)
{
	struct webhook_job *job = new_job(req);
	struct store *st = store_reader();
	if (job == NULL)
		return http_reply_problem(req, 500, "out of memory");
	int found = st ? webhook_store_get(st, job->id, &job->e) : -1;
	if (found < 0)
		return http_reply_problem(req, 503, "the database is not available");
	if (found == 0)
		return http_reply_problem(req, 404, "no webhook endpoint has this id");
	return reply_endpoint(req, 200, job);
}

static int patch_run(struct store *st, void *arg)
{
	struct webhook_job *job = arg;
	struct webhook_endpoint *e = &job->e;
	const struct webhook_input *in = &job->in;
	int found = load(st, job);
	if (found <= 0)
		return found;
	if (in->has_url && strcmp(in->url, e->url) != 0) {
		/* A new address is tried at once. */
		if (set_text(&e->url, in->url) != 0)
			return -1;
		e->next_attempt_ms = 0;
	}
	if (in->has_types) {
		if (set_text(&e->types, in->types) != 0)
			return -1;
		e->revision++;
	}
	if (in->has_description && set_text(&e->description, in->description) != 0)
		return -1;
	if (in->has_enabled && in->enabled && !e->enabled) {
		/* Enabled again: resume where it stopped, with a fresh count. */
		e->enabled = 1;
		e->attempts = 0;
		e->next_attempt_ms = 0;
		e->failing_since = 0;
		e->disabled_at = 0;
		if (set_text(&e->disabled_reason, NULL) != 0)
			return -1;
		e->revision++;
	} else if (in->has_enabled && !in->enabled && e->enabled) {
		e->enabled = 0;
		e->disabled_at = timestamp_now();
		if (set_text(&e->disabled_reason, "disabled through the API") != 0)
			return -1;
	}
	return webhook_store_save(st, e);
}

enum http_outcome api_webhooks_patch(struct http_request *req)
{
	struct webhook_job *job = new_job(req);
	json_t *errors = json_array();

	if (job == NULL || errors == NULL) {
		json_decref(errors);
		return http_reply_problem(req, 500, "out of memory");
	}
	if (webhook_input_read(req->json, 0, http_ctx.cfg->webhook_allow_http, &job->in, errors) != 0)
		return http_reply_invalid(req, "the change is not valid", errors);
	json_decref(errors);
	return http_defer(req, patch_run, job, resume_200);
}

static int delete_run(struct store *st, void *arg)
{
	struct webhook_job *job = arg;
	int rc = webhook_store_delete(st, job->id);
	if (rc == 0)
		job->result = JOB_NOT_FOUND;
	return rc < 0 ? -1 : 0;
}

static enum http_outcome delete_resume(struct http_request *req)
{
	struct webhook_job *job = req->state;
	if (req->job_status != 0)
		return http_reply_problem(req, 503, "the change could not be stored; try again");
	if (job->result == JOB_NOT_FOUND)
		return http_reply_problem(req, 404, "no webhook endpoint has this id");
	log_info("event=webhook.endpoint_deleted endpoint=%s", job->id);
	webhook_wake_notify();
	return http_queue(req, 204, MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT));
}

enum http_outcome api_webhooks_delete(struct http_request *req)
{
	struct webhook_job *job = new_job(req);
	if (job == NULL)
		return http_reply_problem(req, 500, "out of memory");
	return http_defer(req, delete_run, job, delete_resume);
}

static int rotate_run(struct store *st, void *arg)
{
	struct webhook_job *job = arg;
	int found = load(st, job);
	if (found <= 0)
		return found;
	free(job->e.previous_secret);
	job->e.previous_secret = job->e.secret;
	job->e.previous_secret_until = timestamp_now() + ROTATION_OVERLAP;
	job->e.secret = strdup(job->secret);
	return job->e.secret ? webhook_store_save(st, &job->e) : -1;
}

enum http_outcome api_webhooks_rotate(struct http_request *req)
{
	struct webhook_job *job = new_job(req);
	if (job == NULL)
		return http_reply_problem(req, 500, "out of memory");
	webhook_secret_new(job->secret);
	return http_defer(req, rotate_run, job, resume_200);
}

static int replay_run(struct store *st, void *arg)
{
	struct webhook_job *job = arg;
	int64_t newest;
	int found = load(st, job);
	if (found <= 0)
		return found;
	if (webhook_store_event_bounds(st, &job->oldest, &newest) != 0)
		return -1;
	if (job->after > newest) {
		job->result = JOB_TOO_NEW;
		return 0;
	}
	/* Events up to `after` need not exist any more, but the one after it
	 * must: an older `after` would silently skip what was purged. */
	if (job->oldest > 0 && job->after < job->oldest - 1) {
		job->result = JOB_TOO_OLD;
		return 0;
	}
	job->e.delivered_through = job->after;
	job->e.attempts = 0;
	job->e.next_attempt_ms = 0;
	job->e.failing_since = 0;
	job->e.revision++;
	return webhook_store_save(st, &job->e);
}

enum http_outcome api_webhooks_replay(struct http_request *req)
{
	struct webhook_job *job = new_job(req);
	json_t *errors = json_array();
	const char *key;
	json_t *value;

	if (job == NULL || errors == NULL) {
		json_decref(errors);
		return http_reply_problem(req, 500, "out of memory");
	}
	json_object_foreach(req->json, key, value) {
		if (strcmp(key, "after") != 0)
			json_array_append_new(errors, json_pack("{s:s, s:s}", "field", key, "message", "is not a known field"));
	}
	json_t *after = json_object_get(req->json, "after");
	if (!json_is_integer(after) || json_integer_value(after) < 0)
		json_array_append_new(errors, json_pack("{s:s, s:s}", "field", "after", "message",
							"is required: the id of an event, or 0 for the start"));
	else
		job->after = json_integer_value(after);
	if (http_reply_if_invalid(req, "the replay is not valid", errors))
		return HTTP_QUEUED;
	return http_defer(req, replay_run, job, resume_202);
}

static int test_run(struct store *st, void *arg)
{
	struct webhook_job *job = arg;
	int found = load(st, job);
	if (found <= 0)
		return found;
	if (!job->e.enabled) {
		job->result = JOB_DISABLED;
		return 0;
	}
	job->e.tests_requested++;
	return webhook_store_save(st, &job->e);
}

enum http_outcome api_webhooks_test(struct http_request *req)
{
	struct webhook_job *job = new_job(req);
	if (job == NULL)
		return http_reply_problem(req, 500, "out of memory");
	return http_defer(req, test_run, job, resume_202);
}
