/*
 * api_requests.c — the admin API's access requests: create, get, list, reissue,
 * cancel.
 */
#include <stdlib.h>
#include <string.h>

#include "api_list.h"
#include "config.h"
#include "cursor.h"
#include "handlers.h"
#include "http_query.h"
#include "log.h"
#include "request_json.h"
#include "requests.h"
#include "status.h"
#include "store.h"
#include "timestamp.h"


/* What a create or reissue carries from the handler to the writer and back. */
struct request_job {
	struct access_request r;
	char token[TOKEN_TEXT_LEN + 1];
	unsigned char hash[TOKEN_HASH_LEN];
	int found;      /* reissue, cancel: 1 found, 0 not found */
	int completed;  /* reissue: the request holds a grant (granted or contested) */
	int refused;    /* cancel: the request ended in a grant */
	int64_t ttl;    /* reissue: the lifetime asked for; 0 for the request's own */
};

/* The object with its links, as create and reissue answer. */
static enum http_outcome reply_with_links(struct http_request *req, unsigned status, struct request_job *job)
{
	json_t *obj = requests_json(&job->r, timestamp_now());
	if (obj == NULL || requests_add_links(obj, &job->r, job->token, http_ctx.cfg) != 0) {
		json_decref(obj);
		return http_reply_problem(req, 500, "out of memory");
	}
	if (status == 201) {
		char location[128];
		snprintf(location, sizeof location, "/api/v1/access-requests/%s", job->r.id);
		http_set_header(req, MHD_HTTP_HEADER_LOCATION, location);
	}
	return http_reply_json_steal(req, status, obj);
}

static int create_run(struct store *st, void *arg)
{
	struct request_job *job = arg;
	return requests_insert(st, &job->r, job->hash);
}

static enum http_outcome create_resume(struct http_request *req)
{
	struct request_job *job = req->state;
	if (req->job_status != 0)
		return http_reply_problem(req, 503, "the request could not be stored; try again");
	log_info("event=request.created request=%s", job->r.id);
	return reply_with_links(req, 201, job);
}

enum http_outcome api_requests_create(struct http_request *req)
{
	struct request_input in;
	json_t *errors;
	struct request_job *job = http_new_job(req, sizeof *job, free, &errors);

	if (job == NULL)
		return http_reply_problem(req, 500, "out of memory");
	request_json_read(req->json, &in, errors);
	requests_prepare(&job->r, &in, http_ctx.cfg, timestamp_now(), errors);
	if (http_reply_if_invalid(req, "the access request is not valid", errors))
		return HTTP_QUEUED;
	token_generate(job->token, job->hash);
	return http_defer(req, create_run, job, create_resume);
}

enum http_outcome api_requests_get(struct http_request *req)
{
	struct access_request r;
	struct store *st = store_reader();
	if (st == NULL)
		return http_reply_problem(req, 503, "the database is not available");
	/* Anything but an id names no request (and is not asked of the database,
	 * which may refuse text that is not UTF-8). */
	int found = token_is_id(req->params[0]) ? store_request_find_by_id(st, req->params[0], &r) : 0;
	if (found < 0)
		return http_reply_problem(req, 503, "the database is not available");
	if (found == 0)
		return http_reply_problem(req, 404, "no access request has this id");
	json_t *obj = requests_json(&r, timestamp_now());
	return obj ? http_reply_json_steal(req, 200, obj) : http_reply_problem(req, 500, "out of memory");
}

/* A page of the list being read, and the time its statuses are seen at. */
struct request_page {
	struct api_list list;
	int64_t now;
};

static int add_request(void *arg, const struct access_request *r)
{
	struct request_page *page = arg;
	if (api_list_full(&page->list))
		return 1;
	return api_list_add(&page->list, requests_json(r, page->now), 0, r->seq);
}

enum http_outcome api_requests_list(struct http_request *req)
{
	static const char *const params[] = { "status", "reference", "limit", "cursor", NULL };
	const char *status, *reference, *cursor;
	int64_t before = INT64_MAX, unused;
	long limit;
	json_t *errors = json_array();

	http_query_check_names(req, params, errors);
	status = http_query_one_of(req, "status", status_request_names, errors);
	reference = http_query_text(req, "reference", 200, errors);
	limit = api_list_limit(req, errors);
	cursor = http_query_text(req, "cursor", 64, errors);
	if (cursor && cursor_decode(cursor, &unused, &before) != 0)
		field_error_add(errors, "cursor", "is not a cursor this API returned");
	if (http_reply_if_invalid(req, "the query is not valid", errors))
		return HTTP_QUEUED;

	struct request_page page = { .now = timestamp_now() };
	if (api_list_init(&page.list, limit, 0, 0) != 0)
		return http_reply_problem(req, 500, "out of memory");
	struct store *st = store_reader();
	int rc = st ? store_request_list(st, before, reference, status, page.now, limit + 1, add_request, &page) : -1;
	return api_list_reply(req, &page.list, rc, API_LIST_CURSOR);
}

/* Reads the request job->r.id names into job->r on the writer's connection,
 * noting in job->found whether it exists. Returns 1 when found, 0 when not,
 * -1 when the store failed. */
static int find_job_request(struct store *st, struct request_job *job)
{
	char id[TOKEN_ID_LEN + 1];
	snprintf(id, sizeof id, "%s", job->r.id);
	int found = store_request_find_by_id(st, id, &job->r);
	if (found < 0)
		return -1;
	job->found = found;
	return found;
}

static int reissue_run(struct store *st, void *arg)
{
	struct request_job *job = arg;
	int found = find_job_request(st, job);
	if (found <= 0)
		return found;
	job->completed = requests_holds_grant(&job->r);
	if (job->completed)
		return 0;
	int64_t now = timestamp_now();
	/* The lifetime it was created with, never longer with each reissue; a
	 * max_request_ttl lowered since caps it. */
	int64_t ttl = job->ttl ? job->ttl : job->r.ttl;
	if (ttl > http_ctx.cfg->max_request_ttl)
		ttl = http_ctx.cfg->max_request_ttl;
	token_generate(job->token, job->hash);
	return requests_set_token(st, &job->r, job->hash, now + ttl, now);
}

static enum http_outcome reissue_resume(struct http_request *req)
{
	struct request_job *job = req->state;
	if (req->job_status != 0)
		return http_reply_problem(req, 503, "the request could not be reissued; try again");
	if (!job->found)
		return http_reply_problem(req, 404, "no access request has this id");
	if (job->completed)
		return http_reply_problem(req, 409, "the access request holds a grant (granted or contested)");
	log_info("event=request.reissued request=%s", job->r.id);
	return reply_with_links(req, 200, job);
}

/* Reads the optional {"ttl": seconds} of a reissue into *ttl (0 when not
 * given), checked against the same range as on create without any arithmetic
 * on it, noting what is wrong in errors. */
static void read_reissue_ttl(json_t *body, int64_t *ttl, json_t *errors)
{
	const char *key;
	json_t *value;
	char message[96];

	*ttl = 0;
	json_object_foreach(body, key, value) {
		if (strcmp(key, "ttl") != 0)
			field_error_add(errors, key, "is not a known field");
	}
	value = json_object_get(body, "ttl");
	if (value == NULL || json_is_null(value))
		return;
	snprintf(message, sizeof message, "must be a whole number of seconds between 60 and %lld",
		 (long long)http_ctx.cfg->max_request_ttl);
	if (!json_is_integer(value) || json_integer_value(value) < 60 ||
	    json_integer_value(value) > http_ctx.cfg->max_request_ttl)
		field_error_add(errors, "ttl", message);
	else
		*ttl = json_integer_value(value);
}

enum http_outcome api_requests_reissue(struct http_request *req)
{
	json_t *errors;
	struct request_job *job = http_new_job(req, sizeof *job, free, &errors);
	if (job == NULL)
		return http_reply_problem(req, 500, "out of memory");
	read_reissue_ttl(req->json, &job->ttl, errors);
	if (http_reply_if_invalid(req, "the reissue is not valid", errors))
		return HTTP_QUEUED;
	if (!token_is_id(req->params[0]))
		return http_reply_problem(req, 404, "no access request has this id");
	snprintf(job->r.id, sizeof job->r.id, "%s", req->params[0]);
	return http_defer(req, reissue_run, job, reissue_resume);
}

static int cancel_run(struct store *st, void *arg)
{
	struct request_job *job = arg;
	int found = find_job_request(st, job);
	if (found <= 0)
		return found;
	job->refused = !requests_cancellable(&job->r);
	if (job->refused)
		return 0;
	return requests_cancel(st, &job->r, timestamp_now());
}

static enum http_outcome cancel_resume(struct http_request *req)
{
	struct request_job *job = req->state;
	if (req->job_status != 0)
		return http_reply_problem(req, 503, "the request could not be cancelled; try again");
	if (!job->found)
		return http_reply_problem(req, 404, "no access request has this id");
	if (job->refused)
		return http_reply_problem(req, 409, "the access request is already granted");
	log_info("event=request.cancelled request=%s", job->r.id);
	json_t *obj = requests_json(&job->r, timestamp_now());
	return obj ? http_reply_json_steal(req, 200, obj) : http_reply_problem(req, 500, "out of memory");
}

/* Cancels on the writer, so that the check and the change see the same row and
 * the link stops working (the redirect cache included) before the answer. */
enum http_outcome api_requests_cancel(struct http_request *req)
{
	struct request_job *job = http_new_job(req, sizeof *job, free, NULL);
	if (job == NULL)
		return http_reply_problem(req, 500, "out of memory");
	if (strlen(req->params[0]) != TOKEN_ID_LEN)
		return http_reply_problem(req, 404, "no access request has this id");
	snprintf(job->r.id, sizeof job->r.id, "%s", req->params[0]);
	return http_defer(req, cancel_run, job, cancel_resume);
}
