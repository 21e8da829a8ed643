/*
 * installations.c — installation rows: reading, JSON, grants and revocations.
 */
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "installations.h"
#include "log.h"
#include "store.h"
#include "timestamp.h"

static void copy_column(char *dst, size_t cap, sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);
	snprintf(dst, cap, "%s", s ? (const char *)s : "");
}

static int64_t int_or(sqlite3_stmt *stmt, int col, int64_t none)
{
	return sqlite3_column_type(stmt, col) == SQLITE_NULL ? none : sqlite3_column_int64(stmt, col);
}

void installations_read(sqlite3_stmt *stmt, struct installation *in)
{
	in->seq = sqlite3_column_int64(stmt, 0);
	copy_column(in->installation_id, sizeof in->installation_id, stmt, 1);
	copy_column(in->status, sizeof in->status, stmt, 2);
	in->installation_type = (int)int_or(stmt, 3, -1);
	copy_column(in->reference, sizeof in->reference, stmt, 4);
	copy_column(in->request_id, sizeof in->request_id, stmt, 5);
	in->granted_at = int_or(stmt, 6, 0);
	in->updated_at = int_or(stmt, 7, 0);
	in->revoked_at = int_or(stmt, 8, 0);
	in->verified_at = int_or(stmt, 9, 0);
	copy_column(in->name, sizeof in->name, stmt, 10);
	in->roles = int_or(stmt, 11, -1);
	copy_column(in->last_error, sizeof in->last_error, stmt, 12);
}

int installations_find(struct store *st, const char *installation_id, struct installation *in)
{
	sqlite3_stmt *stmt = store_stmt(st, STMT_INSTALLATION_BY_ID);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, installation_id);
	int rc = sqlite3_step(stmt), found = -1;
	if (rc == SQLITE_ROW) {
		installations_read(stmt, in);
		found = 1;
	} else if (rc == SQLITE_DONE) {
		found = 0;
	} else {
		log_error("event=db.error op=installation_find error=\"%s\"", sqlite3_errmsg(store_db(st)));
	}
	sqlite3_reset(stmt);
	return found;
}

static json_t *text_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

json_t *installations_json(const struct installation *in, int with_verification)
{
	json_t *verification = json_null();
	if (with_verification)
		verification = json_pack("{s:o, s:o, s:o, s:o}",
					 "verifiedAt", timestamp_json(in->verified_at),
					 "name", text_or_null(in->name),
					 "roles", in->roles >= 0 ? json_integer(in->roles) : json_null(),
					 "lastError", text_or_null(in->last_error));
	const char *type = in->installation_type == 0 ? "pro" : "go";
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "installationId", in->installation_id,
			 "status", in->status,
			 "installationType", in->installation_type < 0 ? json_null() : json_string(type),
			 "reference", text_or_null(in->reference),
			 "requestId", text_or_null(in->request_id),
			 "grantedAt", timestamp_json(in->granted_at),
			 "updatedAt", timestamp_json(in->updated_at),
			 "revokedAt", timestamp_json(in->revoked_at),
			 "verification", verification);
}

int installations_record_grant(struct store *st, const char *installation_id, int installation_type,
			       const char *reference, const char *request_id, int verify, int64_t now)
{
	sqlite3_stmt *stmt = store_stmt(st, STMT_INSTALLATION_UPSERT_GRANT);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, installation_id);
	store_bind_text(stmt, 2, verify ? "verifying" : "granted");
	sqlite3_bind_int(stmt, 3, installation_type);
	store_bind_text(stmt, 4, reference && reference[0] ? reference : NULL);
	store_bind_text(stmt, 5, request_id && request_id[0] ? request_id : NULL);
	sqlite3_bind_int64(stmt, 6, now);
	if (store_step_write(st, stmt, "installation_grant") != 0)
		return -1;
	if (!verify)
		return 0;
	stmt = store_stmt(st, STMT_VERIFICATION_QUEUE);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, installation_id);
	sqlite3_bind_int64(stmt, 2, now);
	return store_step_write(st, stmt, "verification_queue");
}

int installations_revoke(struct store *st, const char *installation_id, const char *source,
			 const char *reason, int64_t now, int *changed)
{
	struct installation in;
	int found = installations_find(st, installation_id, &in);
	*changed = 0;
	if (found <= 0)
		return found;
	sqlite3_stmt *stmt = store_stmt(st, STMT_INSTALLATION_REVOKE);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, installation_id);
	sqlite3_bind_int64(stmt, 2, now);
	if (store_step_write(st, stmt, "installation_revoke") != 0)
		return -1;
	if (sqlite3_changes(store_db(st)) == 0)
		return 1; /* already revoked: revoking is idempotent */
	*changed = 1;
	json_t *detail = json_pack("{s:s}", "source", source);
	if (reason)
		json_object_set_new(detail, "reason", json_string(reason));
	if (events_append(st, now, "installation.revoked", in.request_id[0] ? in.request_id : NULL,
			  installation_id, in.reference[0] ? in.reference : NULL, detail) != 0)
		return -1;
	return 1;
}
