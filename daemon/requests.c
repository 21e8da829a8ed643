/*
 * requests.c — access requests: validation, rows, JSON, links and state changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "events.h"
#include "field_error.h"
#include "log.h"
#include "page.h"
#include "portal.h"
#include "requests.h"
#include "status.h"
#include "store.h"
#include "timestamp.h"

#define EXPIRY_BATCH 500

/* Copies a checked text value into a fixed buffer (sizes cover the limits). */
static void copy_text(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

int requests_prepare(struct access_request *r, const struct request_input *in,
		     const struct config *cfg, int64_t now, json_t *errors)
{
	const char *why;
	size_t before = json_array_size(errors);

	memset(r, 0, sizeof *r);
	r->result_success = -1;
	token_new_id(r->id);
	snprintf(r->status, sizeof r->status, "%s", status_request_names[STATUS_REQUEST_PENDING]);

	if (in->reference != NULL) {
		if (validate_text(in->reference, strlen(in->reference), REQUEST_REFERENCE_MAX, 0, &why) != 0)
			field_error_add(errors, "reference", why);
		else
			copy_text(r->reference, sizeof r->reference, in->reference);
	}

	const char *type = in->installation_type ? in->installation_type : "go";
	int is_pro = strcmp(type, "pro") == 0;
	r->installation_type = is_pro ? PORTAL_TYPE_PRO : PORTAL_TYPE_GO;
	if (!is_pro && strcmp(type, "go") != 0 && strcmp(type, "home") != 0)
		field_error_add(errors, "installationType", "must be \"go\", \"home\" or \"pro\"");

	if (in->installation_id != NULL) {
		if (validate_guid(in->installation_id, r->installation_id, &why) != 0)
			field_error_add(errors, "installationId", why);
	} else if (is_pro) {
		field_error_add(errors, "installationId", "is required for a Pro installation");
	}

	const char *partner = in->partner_name ? in->partner_name : cfg->partner_name;
	if (validate_text(partner, strlen(partner), REQUEST_PARTNER_NAME_MAX, 0, &why) != 0)
		field_error_add(errors, "partnerName", why);
	else
		copy_text(r->partner_name, sizeof r->partner_name, partner);

	const char *lang = in->lang ? in->lang : cfg->default_lang;
	if (validate_lang(lang, &why) != 0)
		field_error_add(errors, "lang", why);
	else
		copy_text(r->lang, sizeof r->lang, lang);
	r->lang_given = in->lang != NULL;

	r->show_existing = in->show_existing ? 1 : 0;

	if (in->return_to != NULL) {
		if (strlen(in->return_to) > REQUEST_RETURN_TO_MAX)
			field_error_add(errors, "returnTo", "is longer than 2048 bytes");
		else if (validate_return_to(in->return_to, cfg->redirect_allow, cfg->redirect_allow_count, &why) != 0)
			field_error_add(errors, "returnTo", why);
		else
			copy_text(r->return_to, sizeof r->return_to, in->return_to);
	}

	int64_t ttl = in->has_ttl ? in->ttl : cfg->request_ttl;
	if (ttl < 60 || ttl > cfg->max_request_ttl) {
		char message[96];
		snprintf(message, sizeof message, "must be between 60 and %lld seconds",
			 (long long)cfg->max_request_ttl);
		field_error_add(errors, "ttl", message);
	}
	r->created_at = now;
	/* Only a checked ttl is added: any other could overflow the sum. */
	if (ttl >= 60 && ttl <= cfg->max_request_ttl) {
		r->ttl = ttl;
		r->expires_at = now + ttl;
	}
	return json_array_size(errors) == before ? 0 : -1;
}

int requests_holds_grant(const struct access_request *r)
{
	return status_request_is(r->status, STATUS_REQUEST_GRANTED) ||
	       status_request_is(r->status, STATUS_REQUEST_CONTESTED);
}

int requests_completed(const struct access_request *r)
{
	return requests_holds_grant(r) || status_request_is(r->status, STATUS_REQUEST_DENIED);
}

int requests_cancelled(const struct access_request *r)
{
	return status_request_is(r->status, STATUS_REQUEST_CANCELLED);
}

int requests_cancellable(const struct access_request *r)
{
	return !requests_holds_grant(r);
}

const char *requests_status(const struct access_request *r, int64_t now)
{
	if (!requests_completed(r) && !requests_cancelled(r) && now >= r->expires_at)
		return status_request_names[STATUS_REQUEST_EXPIRED];
	return r->status;
}

static json_t *text_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

json_t *requests_json(const struct access_request *r, int64_t now)
{
	json_t *result = json_null();
	/* A Go/Home request is made for no installation: once granted, its
	 * installation is the one granted. */
	const char *installation = r->installation_id;
	if (!installation[0] && status_request_is(r->status, STATUS_REQUEST_GRANTED))
		installation = r->result_installation_id;
	if (r->result_success >= 0)
		result = json_pack("{s:b, s:o}", "success", r->result_success,
				   "installationId", text_or_null(r->result_installation_id));
	return json_pack("{s:s, s:s, s:o, s:s, s:o, s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "id", r->id,
			 "status", requests_status(r, now),
			 "reference", text_or_null(r->reference),
			 "installationType", r->installation_type == PORTAL_TYPE_PRO ? "pro" : "go",
			 "installationId", text_or_null(installation),
			 "partnerName", r->partner_name,
			 "lang", r->lang,
			 "showExisting", r->show_existing,
			 "returnTo", text_or_null(r->return_to),
			 "createdAt", timestamp_json(r->created_at),
			 "expiresAt", timestamp_json(r->expires_at),
			 "openedAt", timestamp_json(r->opened_at),
			 "completedAt", timestamp_json(r->completed_at),
			 "result", result);
}

char *requests_portal_url(const struct access_request *r, const char *token, const struct config *cfg)
{
	struct portal_link link = {
		.portal_url = cfg->portal_url,
		.lookup_key = cfg->lookup_key,
		.partner_name = r->partner_name,
		.lang = r->lang,
		.installation_id = r->installation_id[0] ? r->installation_id : NULL,
		.installation_type = (enum portal_type)r->installation_type,
		.public_url = cfg->public_url,
		.token = token,
		.show_existing = r->show_existing,
	};
	return portal_build_url(&link);
}

int requests_add_links(json_t *obj, const struct access_request *r, const char *token,
		       const struct config *cfg)
{
	char *connect = portal_connect_url(cfg->public_url, token);
	char *portal = requests_portal_url(r, token, cfg);
	int rc = -1;
	if (connect && portal && json_object_set_new(obj, "connectUrl", json_string(connect)) == 0 &&
	    json_object_set_new(obj, "portalUrl", json_string(portal)) == 0)
		rc = 0;
	free(connect);
	free(portal);
	return rc;
}

static const char *opt(const char *s)
{
	return s[0] ? s : NULL;
}

int requests_insert(struct store *st, struct access_request *r, const unsigned char hash[TOKEN_HASH_LEN])
{
	if (store_request_insert(st, r, hash) != 0)
		return -1;
	char expires[TIMESTAMP_LEN + 1];
	timestamp_format(r->expires_at, expires);
	json_t *detail = json_pack("{s:s, s:s}", "installationType",
				   r->installation_type == PORTAL_TYPE_PRO ? "pro" : "go", "expiresAt", expires);
	return events_append(st, r->created_at, "request.created", r->id, opt(r->installation_id),
			     opt(r->reference), detail);
}

int requests_set_token(struct store *st, struct access_request *r,
		       const unsigned char hash[TOKEN_HASH_LEN], int64_t expires_at, int64_t now)
{
	if (store_request_set_token(st, r->seq, hash, expires_at) != 0)
		return -1;
	if (status_request_is(r->status, STATUS_REQUEST_EXPIRED) || status_request_is(r->status, STATUS_REQUEST_DENIED) ||
	    requests_cancelled(r))
		snprintf(r->status, sizeof r->status, "%s",
			 status_request_names[r->opened_at ? STATUS_REQUEST_OPENED : STATUS_REQUEST_PENDING]);
	r->completed_at = 0;
	r->result_success = -1;
	r->result_installation_id[0] = '\0';
	r->expires_at = expires_at;
	char expires[TIMESTAMP_LEN + 1];
	timestamp_format(expires_at, expires);
	return events_append(st, now, "request.reissued", r->id, opt(r->installation_id),
			     opt(r->reference), json_pack("{s:s}", "expiresAt", expires));
}

int requests_mark_opened(struct store *st, struct access_request *r, int64_t now)
{
	int changed;
	if (store_request_mark_opened(st, r->seq, now, &changed) != 0)
		return -1;
	/* Two first clicks at once: only the one that changed the row records it. */
	if (!changed)
		return 0;
	r->opened_at = now;
	snprintf(r->status, sizeof r->status, "%s", status_request_names[STATUS_REQUEST_OPENED]);
	return events_append(st, now, "request.opened", r->id, opt(r->installation_id),
			     opt(r->reference), NULL);
}

int requests_complete(struct store *st, struct access_request *r, const char *status,
		      const char *installation_id, int64_t now)
{
	int success = !status_request_is(status, STATUS_REQUEST_DENIED);
	if (store_request_complete(st, r->seq, status, success, installation_id, now) != 0)
		return -1;
	snprintf(r->status, sizeof r->status, "%s", status);
	r->completed_at = now;
	r->result_success = success;
	copy_text(r->result_installation_id, sizeof r->result_installation_id, installation_id);
	return 0;
}

int requests_cancel(struct store *st, struct access_request *r, int64_t now)
{
	int changed;
	if (requests_cancelled(r))
		return 0;
	if (store_request_cancel(st, r->seq, &changed) != 0)
		return -1;
	if (!changed)
		return 0;
	json_t *detail = json_pack("{s:s}", "previous", requests_status(r, now));
	snprintf(r->status, sizeof r->status, "%s", status_request_names[STATUS_REQUEST_CANCELLED]);
	return events_append(st, now, "request.cancelled", r->id, opt(r->installation_id),
			     opt(r->reference), detail);
}

/* The requests an expiry pass found due, read before any is changed. */
struct due_expiry {
	int n, oom;
	struct {
		int64_t seq;
		char id[TOKEN_ID_LEN + 1];
		char *reference;
	} rows[EXPIRY_BATCH];
};

static int note_due(void *arg, int64_t seq, const char *id, const char *reference)
{
	struct due_expiry *d = arg;
	if (d->n == EXPIRY_BATCH)
		return 1;
	d->rows[d->n].seq = seq;
	copy_text(d->rows[d->n].id, sizeof d->rows[d->n].id, id);
	d->rows[d->n].reference = reference ? strdup(reference) : NULL;
	if (reference && d->rows[d->n].reference == NULL)
		d->oom = 1;
	d->n++;
	return 0;
}

int requests_expire_due(struct store *st, void *arg)
{
	struct due_expiry *d = calloc(1, sizeof *d);
	int64_t now = timestamp_now();
	int rc;
	(void)arg;

	if (d == NULL)
		return -1;
	rc = store_request_list_due_expiry(st, now, EXPIRY_BATCH, note_due, d);
	for (int i = 0; i < d->n && rc == 0 && !d->oom; i++) {
		rc = store_request_expire(st, d->rows[i].seq);
		if (rc == 0)
			rc = events_append(st, now, "request.expired", d->rows[i].id, NULL, d->rows[i].reference,
					   NULL);
	}
	for (int i = 0; i < d->n; i++)
		free(d->rows[i].reference);
	if (d->n > 0 && rc == 0 && !d->oom)
		log_info("event=requests.expired count=%d", d->n);
	if (d->oom)
		rc = -1;
	free(d);
	return rc;
}
