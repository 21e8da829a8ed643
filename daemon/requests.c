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
	snprintf(r->status, sizeof r->status, "pending");

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

void requests_read(sqlite3_stmt *stmt, struct access_request *r)
{
	memset(r, 0, sizeof *r);
	r->seq = sqlite3_column_int64(stmt, 0);
	copy_text(r->id, sizeof r->id, (const char *)sqlite3_column_text(stmt, 1));
	copy_text(r->reference, sizeof r->reference, (const char *)sqlite3_column_text(stmt, 2));
	r->installation_type = sqlite3_column_int(stmt, 3);
	copy_text(r->installation_id, sizeof r->installation_id, (const char *)sqlite3_column_text(stmt, 4));
	copy_text(r->partner_name, sizeof r->partner_name, (const char *)sqlite3_column_text(stmt, 5));
	copy_text(r->lang, sizeof r->lang, (const char *)sqlite3_column_text(stmt, 6));
	r->show_existing = sqlite3_column_int(stmt, 7);
	copy_text(r->return_to, sizeof r->return_to, (const char *)sqlite3_column_text(stmt, 8));
	copy_text(r->status, sizeof r->status, (const char *)sqlite3_column_text(stmt, 9));
	r->created_at = sqlite3_column_int64(stmt, 10);
	r->expires_at = sqlite3_column_int64(stmt, 11);
	r->opened_at = sqlite3_column_int64(stmt, 12);
	r->completed_at = sqlite3_column_int64(stmt, 13);
	r->result_success = sqlite3_column_type(stmt, 14) == SQLITE_NULL ? -1 : sqlite3_column_int(stmt, 14);
	copy_text(r->result_installation_id, sizeof r->result_installation_id,
		  (const char *)sqlite3_column_text(stmt, 15));
	r->lang_given = sqlite3_column_int(stmt, 16);
	r->ttl = sqlite3_column_int64(stmt, 17);
}

/* Runs a lookup statement already bound; fills r from its one row. */
static int find_one(struct store *st, sqlite3_stmt *stmt, struct access_request *r)
{
	int rc = sqlite3_step(stmt);
	int found = -1;
	if (rc == SQLITE_ROW) {
		requests_read(stmt, r);
		found = 1;
	} else if (rc == SQLITE_DONE) {
		found = 0;
	} else {
		log_error("event=db.error op=request_find error=\"%s\"", sqlite3_errmsg(store_db(st)));
	}
	sqlite3_reset(stmt);
	return found;
}

int requests_find_by_id(struct store *st, const char *id, struct access_request *r)
{
	sqlite3_stmt *stmt = store_stmt(st, STMT_REQUEST_BY_ID);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, id);
	return find_one(st, stmt, r);
}

int requests_find_by_token(struct store *st, const unsigned char hash[TOKEN_HASH_LEN],
			   struct access_request *r)
{
	sqlite3_stmt *stmt = store_stmt(st, STMT_REQUEST_BY_TOKEN);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_blob(stmt, 1, hash, TOKEN_HASH_LEN, SQLITE_STATIC);
	return find_one(st, stmt, r);
}

int requests_holds_grant(const struct access_request *r)
{
	return strcmp(r->status, "granted") == 0 || strcmp(r->status, "contested") == 0;
}

int requests_completed(const struct access_request *r)
{
	return requests_holds_grant(r) || strcmp(r->status, "denied") == 0;
}

int requests_cancelled(const struct access_request *r)
{
	return strcmp(r->status, "cancelled") == 0;
}

int requests_cancellable(const struct access_request *r)
{
	return !requests_holds_grant(r);
}

const char *requests_status(const struct access_request *r, int64_t now)
{
	if (!requests_completed(r) && !requests_cancelled(r) && now >= r->expires_at)
		return "expired";
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
	if (!installation[0] && strcmp(r->status, "granted") == 0)
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
	sqlite3_stmt *stmt = store_stmt(st, STMT_REQUEST_INSERT);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, r->id);
	sqlite3_bind_blob(stmt, 2, hash, TOKEN_HASH_LEN, SQLITE_STATIC);
	store_bind_text(stmt, 3, opt(r->reference));
	sqlite3_bind_int(stmt, 4, r->installation_type);
	store_bind_text(stmt, 5, opt(r->installation_id));
	store_bind_text(stmt, 6, r->partner_name);
	store_bind_text(stmt, 7, r->lang);
	sqlite3_bind_int(stmt, 8, r->show_existing);
	store_bind_text(stmt, 9, opt(r->return_to));
	sqlite3_bind_int64(stmt, 10, r->created_at);
	sqlite3_bind_int64(stmt, 11, r->expires_at);
	sqlite3_bind_int(stmt, 12, r->lang_given);
	sqlite3_bind_int64(stmt, 13, r->ttl);
	if (store_step_write(st, stmt, "request_insert") != 0)
		return -1;
	r->seq = sqlite3_last_insert_rowid(store_db(st));
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
	sqlite3_stmt *stmt = store_stmt(st, STMT_REQUEST_SET_TOKEN);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, r->seq);
	sqlite3_bind_blob(stmt, 2, hash, TOKEN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, expires_at);
	if (store_step_write(st, stmt, "request_reissue") != 0)
		return -1;
	if (strcmp(r->status, "expired") == 0 || strcmp(r->status, "denied") == 0 || requests_cancelled(r))
		snprintf(r->status, sizeof r->status, "%s", r->opened_at ? "opened" : "pending");
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
	sqlite3_stmt *stmt = store_stmt(st, STMT_REQUEST_SET_OPENED);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, r->seq);
	sqlite3_bind_int64(stmt, 2, now);
	if (store_step_write(st, stmt, "request_open") != 0)
		return -1;
	/* Two first clicks at once: only the one that changed the row records it. */
	if (sqlite3_changes(store_db(st)) == 0)
		return 0;
	r->opened_at = now;
	snprintf(r->status, sizeof r->status, "opened");
	return events_append(st, now, "request.opened", r->id, opt(r->installation_id),
			     opt(r->reference), NULL);
}

int requests_complete(struct store *st, struct access_request *r, const char *status,
		      const char *installation_id, int64_t now)
{
	int success = strcmp(status, "denied") != 0;
	sqlite3_stmt *stmt = store_stmt(st, STMT_REQUEST_COMPLETE);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, r->seq);
	store_bind_text(stmt, 2, status);
	sqlite3_bind_int64(stmt, 3, now);
	sqlite3_bind_int(stmt, 4, success);
	store_bind_text(stmt, 5, installation_id);
	if (store_step_write(st, stmt, "request_complete") != 0)
		return -1;
	snprintf(r->status, sizeof r->status, "%s", status);
	r->completed_at = now;
	r->result_success = success;
	copy_text(r->result_installation_id, sizeof r->result_installation_id, installation_id);
	return 0;
}

int requests_cancel(struct store *st, struct access_request *r, int64_t now)
{
	if (requests_cancelled(r))
		return 0;
	sqlite3_stmt *stmt = store_stmt(st, STMT_REQUEST_CANCEL);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, r->seq);
	if (store_step_write(st, stmt, "request_cancel") != 0)
		return -1;
	if (sqlite3_changes(store_db(st)) == 0)
		return 0;
	json_t *detail = json_pack("{s:s}", "previous", requests_status(r, now));
	snprintf(r->status, sizeof r->status, "cancelled");
	return events_append(st, now, "request.cancelled", r->id, opt(r->installation_id),
			     opt(r->reference), detail);
}

int requests_expire_due(struct store *st, void *arg)
{
	struct due {
		int64_t seq;
		char id[TOKEN_ID_LEN + 1];
		char *reference;
	} due[EXPIRY_BATCH];
	int n = 0, rc = 0;
	int64_t now = timestamp_now();
	(void)arg;

	sqlite3_stmt *stmt = store_stmt(st, STMT_REQUEST_DUE_EXPIRY);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_int(stmt, 2, EXPIRY_BATCH);
	int oom = 0;
	while (n < EXPIRY_BATCH && sqlite3_step(stmt) == SQLITE_ROW) {
		due[n].seq = sqlite3_column_int64(stmt, 0);
		copy_text(due[n].id, sizeof due[n].id, (const char *)sqlite3_column_text(stmt, 1));
		due[n].reference = store_column_strdup(stmt, 2, &oom);
		n++;
	}
	sqlite3_reset(stmt);
	for (int i = 0; i < n && rc == 0 && !oom; i++) {
		stmt = store_stmt(st, STMT_REQUEST_SET_EXPIRED);
		if (stmt == NULL) {
			rc = -1;
			break;
		}
		sqlite3_bind_int64(stmt, 1, due[i].seq);
		rc = store_step_write(st, stmt, "request_expire");
		if (rc == 0)
			rc = events_append(st, now, "request.expired", due[i].id, NULL, due[i].reference, NULL);
	}
	for (int i = 0; i < n; i++)
		free(due[i].reference);
	if (n > 0 && rc == 0)
		log_info("event=requests.expired count=%d", n);
	return oom ? -1 : rc;
}
