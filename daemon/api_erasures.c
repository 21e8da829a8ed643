/*
 * api_erasures.c — POST /api/v1/erasures: erases one customer (by the
 * partner's reference) or one installation, in one writer job, and answers
 * what it deleted and stripped. Idempotent: a second erasure finds nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "handlers.h"
#include "http_query.h"
#include "log.h"
#include "retention_store.h"
#include "store.h"
#include "timestamp.h"
#include "validate.h"

#define REFERENCE_MAX 200

struct erasure_job {
	char *reference;                                   /* owned; NULL when by installation */
	char installation_id[VALIDATE_GUID_LEN + 1];       /* empty when by reference */
	struct erasure_scan scan;                          /* what the reader found */
	struct erasure_counts counts;
};

static void erasure_job_free(void *arg)
{
	struct erasure_job *job = arg;
	if (job == NULL)
		return;
	free(job->reference);
	retention_store_erase_scan_free(&job->scan);
	free(job);
}

/*
 * Erases on the writer, appends erasure.completed with the counts only, and
 * asks for the engine's log to be emptied once this commits: the old rows must
 * not survive in it.
 */
static int erase_run(struct store *st, void *arg)
{
	struct erasure_job *job = arg;
	memset(&job->counts, 0, sizeof job->counts);
	if (retention_store_erase(st, job->reference, job->installation_id[0] ? job->installation_id : NULL,
				  &job->scan, &job->counts) != 0)
		return -1;
	json_t *detail = json_pack("{s:I, s:I, s:I}", "accessRequests", (json_int_t)job->counts.access_requests,
				   "installations", (json_int_t)job->counts.installations,
				   "events", (json_int_t)job->counts.events);
	if (detail == NULL ||
	    events_append(st, timestamp_now(), "erasure.completed", NULL, NULL, NULL, detail) != 0)
		return -1;
	retention_store_wipe_log_after_commit(st);
	return 0;
}

static enum http_outcome erase_resume(struct http_request *req)
{
	struct erasure_job *job = req->state;
	if (req->job_status != 0)
		return http_reply_problem(req, 503, "the erasure could not be made; nothing was erased; try again");
	/* The log says what was done, never whom it was done for. */
	log_info("event=erasure.completed by=%s access_requests=%ld installations=%ld events=%ld",
		 job->reference ? "reference" : "installationId", job->counts.access_requests,
		 job->counts.installations, job->counts.events);
	json_t *body = json_pack("{s:I, s:I, s:I}", "accessRequests", (json_int_t)job->counts.access_requests,
				 "installations", (json_int_t)job->counts.installations,
				 "events", (json_int_t)job->counts.events);
	return body ? http_reply_json_steal(req, 200, body) : http_reply_problem(req, 500, "out of memory");
}

/* Reads {"reference"} or {"installationId"} into job, noting what is wrong. */
static void read_target(json_t *body, struct erasure_job *job, json_t *errors)
{
	const char *key, *why;
	json_t *value;

	json_object_foreach(body, key, value) {
		if (strcmp(key, "reference") != 0 && strcmp(key, "installationId") != 0)
			field_error_add(errors, key, "is not a known field");
	}
	json_t *reference = json_object_get(body, "reference");
	json_t *installation = json_object_get(body, "installationId");
	if (reference && installation) {
		field_error_add(errors, "installationId", "give either reference or installationId, not both");
		return;
	}
	if (reference == NULL && installation == NULL) {
		field_error_add(errors, "reference", "give the reference or the installationId to erase");
		return;
	}
	if (installation) {
		if (!json_is_string(installation))
			field_error_add(errors, "installationId", "must be a string");
		else if (validate_guid(json_string_value(installation), job->installation_id, &why) != 0)
			field_error_add(errors, "installationId", why);
		return;
	}
	if (!json_is_string(reference)) {
		field_error_add(errors, "reference", "must be a string");
		return;
	}
	if (validate_text(json_string_value(reference), json_string_length(reference), REFERENCE_MAX, 0, &why) != 0)
		field_error_add(errors, "reference", why);
	else if ((job->reference = strdup(json_string_value(reference))) == NULL)
		field_error_add(errors, "reference", "could not be stored");
}

enum http_outcome api_erasures_create(struct http_request *req)
{
	json_t *errors;
	struct erasure_job *job = http_new_job(req, sizeof *job, erasure_job_free, &errors);

	if (job == NULL)
		return http_reply_problem(req, 500, "out of memory");
	read_target(req->json, job, errors);
	if (http_reply_if_invalid(req, "the erasure is not valid", errors))
		return HTTP_QUEUED;
	struct store *st = store_reader();
	if (st == NULL || retention_store_erase_scan(st, job->reference,
						     job->installation_id[0] ? job->installation_id : NULL,
						     &job->scan) != 0)
		return http_reply_problem(req, 503, "the database is not available; nothing was erased");
	return http_defer(req, erase_run, job, erase_resume);
}
