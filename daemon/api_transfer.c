/*
 * api_transfer.c — POST /api/v1/installations/{id}/transfer {"requestId"}: the
 * partner's way to resolve a contest. A grant that named an installation bound
 * to another customer left its request "contested" and the installation where
 * it was; once the partner has found out who owns it, this binds the
 * installation to that request, which becomes "granted".
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "events.h"
#include "handlers.h"
#include "http_query.h"
#include "installations.h"
#include "log.h"
#include "requests.h"
#include "status.h"
#include "timestamp.h"
#include "validate.h"

/* What a transfer carries from the handler to the writer and back. */
struct transfer_job {
	char installation_id[VALIDATE_GUID_LEN + 1];
	char request_id[TOKEN_ID_LEN + 1];
	int verify;
	/* out */
	int found_installation, found_request;
	int not_contested;          /* the request is not contested for this installation */
	struct installation in;     /* the row as it is after the transfer */
};

/* The {"requestId", "reference"} of one side of a transfer. */
static json_t *side(const char *request_id, const char *reference)
{
	return json_pack("{s:o, s:o}", "requestId", request_id[0] ? json_string(request_id) : json_null(),
			 "reference", reference[0] ? json_string(reference) : json_null());
}

/* Binds the installation to the contested request r and records it. Returns
 * 0 or -1. */
static int bind_to_request(struct store *st, struct transfer_job *job, struct access_request *r, int64_t now)
{
	json_t *detail = json_pack("{s:o, s:o}", "from", side(job->in.request_id, job->in.reference), "to",
				   side(r->id, r->reference));
	if (requests_complete(st, r, status_request_names[STATUS_REQUEST_GRANTED], job->installation_id, now) != 0 ||
	    installations_record_grant(st, job->installation_id, r->installation_type, r->reference, r->id,
				       job->verify, now) != 0) {
		json_decref(detail);
		return -1;
	}
	if (events_append(st, now, "installation.transferred", r->id, job->installation_id,
			  r->reference[0] ? r->reference : NULL, detail) != 0)
		return -1;
	return store_installation_find(st, job->installation_id, &job->in) == 1 ? 0 : -1;
}

/*
 * Writer job: checks the installation and the request on the writer's own
 * connection, so the check and the change are one transaction, then binds the
 * installation to the request (verifying again when grants are verified),
 * marks the request granted and appends installation.transferred. Returns 0,
 * or -1 on a database failure.
 */
static int transfer_run(struct store *st, void *arg)
{
	struct transfer_job *job = arg;
	struct access_request *r = malloc(sizeof *r);
	int64_t now = timestamp_now();

	if (r == NULL)
		return -1;
	job->found_installation = store_installation_find(st, job->installation_id, &job->in);
	job->found_request = job->found_installation > 0 ? store_request_find_by_id(st, job->request_id, r) : 0;
	int rc = job->found_installation < 0 || job->found_request < 0 ? -1 : 0;
	if (rc == 0 && job->found_installation && job->found_request) {
		job->not_contested = !status_request_is(r->status, STATUS_REQUEST_CONTESTED) ||
				     strcmp(r->result_installation_id, job->installation_id) != 0;
		if (!job->not_contested)
			rc = bind_to_request(st, job, r, now);
	}
	free(r);
	return rc;
}

static enum http_outcome transfer_resume(struct http_request *req)
{
	struct transfer_job *job = req->state;
	if (req->job_status != 0)
		return http_reply_problem(req, 503, "the installation could not be transferred; try again");
	if (!job->found_installation)
		return http_reply_problem(req, 404, "no installation has this id");
	if (!job->found_request)
		return http_reply_problem(req, 404, "no access request has this requestId");
	if (job->not_contested)
		return http_reply_problem(req, 409, "the access request is not contested for this installation");
	log_info("event=installation.transferred installation=%s request=%s", job->installation_id,
		 job->request_id);
	json_t *obj = installations_json(&job->in, job->verify);
	return obj ? http_reply_json_steal(req, 200, obj) : http_reply_problem(req, 500, "out of memory");
}

/* Reads {"requestId": string} into job; a string of another length than an
 * id's is kept empty, which no request has. Notes what is wrong in errors. */
static void read_body(json_t *body, struct transfer_job *job, json_t *errors)
{
	const char *key;
	json_t *value;

	json_object_foreach(body, key, value) {
		if (strcmp(key, "requestId") != 0)
			field_error_add(errors, key, "is not a known field");
	}
	value = json_object_get(body, "requestId");
	if (value == NULL || json_is_null(value)) {
		field_error_add(errors, "requestId", "is required");
		return;
	}
	if (!json_is_string(value)) {
		field_error_add(errors, "requestId", "must be a string");
		return;
	}
	if (json_string_length(value) == TOKEN_ID_LEN)
		memcpy(job->request_id, json_string_value(value), TOKEN_ID_LEN + 1);
}

enum http_outcome api_transfer(struct http_request *req)
{
	json_t *errors;
	struct transfer_job *job = http_new_job(req, sizeof *job, free, &errors);
	const char *why;

	if (job == NULL)
		return http_reply_problem(req, 500, "out of memory");
	if (validate_guid(req->params[0], job->installation_id, &why) != 0)
		field_error_add(errors, "installationId", why);
	read_body(req->json, job, errors);
	if (http_reply_if_invalid(req, "the transfer is not valid", errors))
		return HTTP_QUEUED;
	job->verify = http_ctx.cfg->zaptec_username != NULL;
	return http_defer(req, transfer_run, job, transfer_resume);
}
