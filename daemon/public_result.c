/*
 * public_result.c — GET /access-result/{token}: where Zaptec's portal sends the
 * customer back. Every hit is recorded by the writer before the answer is sent;
 * a failing database gives a "try again" page, never a false "granted".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callback.h"
#include "config.h"
#include "handlers.h"
#include "log.h"
#include "metrics.h"
#include "public.h"
#include "status.h"
#include "timestamp.h"

/* Copies the raw query for the event log, at most CALLBACK_MAX_QUERY bytes,
 * with bytes outside printable ASCII written as %XX so the log stays text. */
static void copy_raw_query(char *out, const char *raw)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)raw; *p; p++) {
		if (*p > ' ' && *p < 0x7f) {
			if (o + 1 > CALLBACK_MAX_QUERY)
				break;
			out[o++] = (char)*p;
		} else {
			if (o + 3 > CALLBACK_MAX_QUERY)
				break;
			out[o++] = '%';
			out[o++] = digits[*p >> 4];
			out[o++] = digits[*p & 15];
		}
	}
	out[o] = '\0';
}

/* A 303 back to the partner's returnTo, with the outcome appended. */
static enum http_outcome back_to_partner(struct http_request *req, const struct access_request *r)
{
	char url[REQUEST_RETURN_TO_MAX + 160];
	const char *sep = strchr(r->return_to, '?') ? "&" : "?";
	if (r->result_success)
		snprintf(url, sizeof url, "%s%sstatus=granted&requestId=%s&installationId=%s", r->return_to,
			 sep, r->id, r->result_installation_id);
	else
		snprintf(url, sizeof url, "%s%sstatus=denied&requestId=%s", r->return_to, sep, r->id);
	return http_reply_redirect(req, url);
}

/* The page of a granted request: "being confirmed" while its installation
 * waits for the Zaptec API (as the hit's own transaction left it), else
 * "granted", with the installation's Zaptec name once known. */
static enum http_outcome granted_page(struct http_request *req, const struct callback_job *job)
{
	const struct access_request *r = &job->r;
	const struct installation *in = job->has_installation ? &job->in : NULL;

	if (in && strcmp(in->request_id, r->id) == 0 && status_installation_is(in->status, STATUS_INSTALLATION_VERIFYING))
		return public_page(req, 200, PAGE_VERIFYING, r, r->result_installation_id);
	return public_page(req, 200, PAGE_GRANTED, r, r->result_installation_id);
}

static enum http_outcome result_resume(struct http_request *req)
{
	struct callback_job *job = req->state;
	const struct access_request *r = job->found > 0 ? &job->r : NULL;

	if (req->job_status != 0) {
		metrics_count_callback(CALLBACK_FAILED);
		/* Nothing reached the database: the log keeps the hit. */
		log_error("event=callback.failed client=%s query=\"%s\"", job->client, job->raw_query);
		return public_page(req, 503, PAGE_UNAVAILABLE, r, NULL);
	}
	metrics_count_callback(job->kind);
	log_info("event=callback.%s request=%s", callback_outcome_name(job->kind), r ? r->id : "-");
	switch (job->kind) {
	case CALLBACK_CONTESTED:
		return public_page(req, 409, PAGE_CONTESTED, r, r->result_installation_id);
	case CALLBACK_GRANTED:
	case CALLBACK_DENIED:
	case CALLBACK_REPEATED:
		if (status_request_is(r->status, STATUS_REQUEST_CONTESTED))
			return public_page(req, 409, PAGE_CONTESTED, r, r->result_installation_id);
		if (r->return_to[0])
			return back_to_partner(req, r);
		if (r->result_success)
			return granted_page(req, job);
		return public_page(req, 200, PAGE_DENIED, r, NULL);
	case CALLBACK_CONFLICT:
		return public_page(req, 409, PAGE_CONFLICT, r, r->result_installation_id);
	case CALLBACK_LATE:
		return public_page(req, 410, requests_cancelled(r) ? PAGE_CANCELLED : PAGE_LATE, r, NULL);
	case CALLBACK_INVALID:
		return public_page(req, 400, PAGE_INVALID, r, NULL);
	case CALLBACK_UNKNOWN:
	default:
		return public_page(req, 404, PAGE_UNKNOWN, NULL, NULL);
	}
}

enum http_outcome public_result(struct http_request *req)
{
	const struct config *cfg = http_ctx.cfg;
	const char *token = req->params[0];
	struct callback_job *job = http_new_job(req, sizeof *job, free, NULL);

	if (job == NULL)
		return http_queue(req, 500, NULL);

	const char *q = strchr(req->raw_uri, '?');
	q = q ? q + 1 : "";
	callback_parse_query(q, strlen(q), &job->query);
	copy_raw_query(job->raw_query, q);
	snprintf(job->client, sizeof job->client, "%s", req->client_ip);
	job->token_valid = token_decode(token, strlen(token), job->hash) == 0;
	job->grace = cfg->callback_grace;
	job->verify = cfg->zaptec_username != NULL;
	/* Even a malformed or unknown hit is written to the event log. */
	return http_defer(req, callback_record, job, result_resume);
}
