/*
 * callback.c — parsing and recording Zaptec's redirect.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "callback.h"
#include "events.h"
#include "installations.h"
#include "log.h"
#include "status.h"
#include "store.h"
#include "timestamp.h"
#include "validate.h"

static const char *const outcome_names[CALLBACK_OUTCOME_COUNT] = {
	"granted", "denied", "repeated", "invalid", "unknown", "conflict", "late", "contested", "failed",
};

const char *callback_outcome_name(int outcome)
{
	return outcome >= 0 && outcome < CALLBACK_OUTCOME_COUNT ? outcome_names[outcome] : NULL;
}

/* Percent-decodes s[0..n) into out (cap bytes with NUL), '+' as space. Returns
 * the length, or -1 for a bad escape, %00, or too long a value. */
static int decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			int hi = validate_hex_digit((unsigned char)s[i + 1]), lo = validate_hex_digit((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return (int)o;
}

static void invalid(struct callback_query *q, const char *problem)
{
	q->valid = 0;
	q->problem = problem;
}

void callback_parse_query(const char *raw, size_t len, struct callback_query *q)
{
	char success[16] = "", installation[64] = "";
	int seen_success = 0, seen_installation = 0;

	memset(q, 0, sizeof *q);
	if (len > CALLBACK_MAX_QUERY)
		return invalid(q, "the query is too long");
	for (size_t pos = 0; pos <= len;) {
		const char *part = raw + pos;
		const char *amp = memchr(part, '&', len - pos);
		size_t n = amp ? (size_t)(amp - part) : len - pos;
		const char *eq = memchr(part, '=', n);
		size_t name_len = eq ? (size_t)(eq - part) : n;
		pos += n + 1;

		char *value;
		int *seen;
		size_t cap;
		if (name_len == 7 && memcmp(part, "success", 7) == 0) {
			value = success, seen = &seen_success, cap = sizeof success;
		} else if (name_len == 14 && memcmp(part, "installationId", 14) == 0) {
			value = installation, seen = &seen_installation, cap = sizeof installation;
		} else {
			continue; /* another parameter: not ours to judge */
		}
		if ((*seen)++)
			return invalid(q, "a parameter is given more than once");
		if (eq == NULL || eq + 1 == part + n)
			return invalid(q, "a parameter has no value");
		if (decode(eq + 1, (size_t)(part + n - (eq + 1)), value, cap) < 0)
			return invalid(q, "a parameter is not properly encoded");
	}
	if (!seen_success)
		return invalid(q, "success is missing");
	if (strcasecmp(success, "true") == 0)
		q->success = 1;
	else if (strcasecmp(success, "false") == 0)
		q->success = 0;
	else
		return invalid(q, "success is neither true nor false");
	if (seen_installation) {
		const char *why;
		if (validate_guid(installation, q->installation_id, &why) == 0)
			q->has_installation_id = 1;
		else if (q->success)
			return invalid(q, "installationId is not a GUID");
		/* A denial needs no installation: a malformed one is left out. */
	}
	if (q->success && !q->has_installation_id)
		return invalid(q, "installationId is missing");
	q->valid = 1;
}

/* Whether this hit repeats the completed request's own outcome. */
static int same_outcome(const struct access_request *r, const struct callback_query *q)
{
	if (r->result_success != q->success)
		return 0;
	if (!q->success)
		return 1;
	return strcmp(r->result_installation_id, q->installation_id) == 0;
}

/* Whether the installation's row binds it to a customer other than the
 * request's: verifying or granted under another request, with a different
 * reference, or with no reference on one side or the other. */
static int bound_elsewhere(const struct installation *in, const struct access_request *r)
{
	if (!status_installation_is(in->status, STATUS_INSTALLATION_VERIFYING) &&
	    !status_installation_is(in->status, STATUS_INSTALLATION_GRANTED))
		return 0;
	if (strcmp(in->request_id, r->id) == 0)
		return 0;
	return !(in->reference[0] && r->reference[0] && strcmp(in->reference, r->reference) == 0);
}

/* Reads the installation as the hit leaves it, for the page. Returns 0 or -1. */
static int read_installation(struct store *st, struct callback_job *job, const char *installation_id)
{
	int found = store_installation_find(st, installation_id, &job->in);
	job->has_installation = found > 0;
	return found < 0 ? -1 : 0;
}

/* Sorts the hit into its kind, from the request and the query alone (the
 * installation's binding is looked at afterwards); notes the reason of an
 * invalid hit and the earlier answer a grant replaces. */
static enum callback_outcome kind_of(struct callback_job *job, int64_t now)
{
	const struct access_request *r = &job->r;
	const struct callback_query *q = &job->query;
	int late = now > r->expires_at + job->grace;

	if (!job->found)
		return CALLBACK_UNKNOWN;
	if (!q->valid) {
		job->problem = q->problem;
		return CALLBACK_INVALID;
	}
	/* The customer may change a "no" into a "yes" while the link lives. */
	if (status_request_is(r->status, STATUS_REQUEST_DENIED) && q->success) {
		if (late)
			return CALLBACK_LATE;
		job->previous = status_request_names[STATUS_REQUEST_DENIED];
	} else if (requests_completed(r)) {
		return same_outcome(r, q) ? CALLBACK_REPEATED : CALLBACK_CONFLICT;
	} else if (requests_cancelled(r) || late) {
		return CALLBACK_LATE;
	}
	if (!q->success)
		return CALLBACK_DENIED;
	if (r->installation_id[0] && strcmp(r->installation_id, q->installation_id) != 0) {
		job->previous = NULL;
		job->problem = "installationId is not the installation this request was made for";
		return CALLBACK_INVALID;
	}
	return CALLBACK_GRANTED;
}

/* Decides what the hit is, and makes the change it calls for. */
static int classify(struct store *st, struct callback_job *job, int64_t now)
{
	struct access_request *r = &job->r;
	const struct callback_query *q = &job->query;

	if (!job->token_valid) {
		job->kind = CALLBACK_UNKNOWN;
		return 0;
	}
	job->found = store_request_find_by_token(st, job->hash, r);
	if (job->found < 0)
		return -1;
	job->kind = kind_of(job, now);

	const char *installation = q->has_installation_id ? q->installation_id : NULL;
	switch (job->kind) {
	case CALLBACK_DENIED:
		return requests_complete(st, r, status_request_names[STATUS_REQUEST_DENIED], installation, now);
	case CALLBACK_REPEATED:
		return q->success ? read_installation(st, job, installation) : 0;
	case CALLBACK_GRANTED:
		if (read_installation(st, job, installation) != 0)
			return -1;
		if (job->has_installation && bound_elsewhere(&job->in, r)) {
			job->kind = CALLBACK_CONTESTED;
			return requests_complete(st, r, status_request_names[STATUS_REQUEST_CONTESTED], installation, now);
		}
		if (requests_complete(st, r, status_request_names[STATUS_REQUEST_GRANTED], installation, now) != 0 ||
		    installations_record_grant(st, installation, r->installation_type, r->reference, r->id,
					       job->verify, now) != 0)
			return -1;
		return read_installation(st, job, installation);
	default:
		return 0;
	}
}

int callback_record(struct store *st, void *arg)
{
	struct callback_job *job = arg;
	int64_t now = timestamp_now();
	char type[32];

	if (classify(st, job, now) != 0)
		return -1;
	json_t *detail = json_pack("{s:s, s:s}", "query", job->raw_query, "client", job->client);
	if (detail && job->query.valid)
		json_object_set_new(detail, "success", json_boolean(job->query.success));
	if (detail && job->kind == CALLBACK_INVALID)
		json_object_set_new(detail, "reason", json_string(job->problem));
	if (detail && job->previous)
		json_object_set_new(detail, "previous", json_string(job->previous));
	/* A contest names the request the installation stays with. */
	if (detail && job->kind == CALLBACK_CONTESTED && job->in.request_id[0])
		json_object_set_new(detail, "boundRequestId", json_string(job->in.request_id));
	snprintf(type, sizeof type, "callback.%s", callback_outcome_name(job->kind));
	const struct access_request *r = job->found > 0 ? &job->r : NULL;
	const char *installation = job->query.has_installation_id ? job->query.installation_id : NULL;
	return events_append(st, now, type, r ? r->id : NULL, installation,
			     r && r->reference[0] ? r->reference : NULL, detail);
}
