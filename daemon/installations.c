/*
 * installations.c — installation rows: reading, JSON, grants and revocations.
 */
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "installations.h"
#include "store.h"
#include "timestamp.h"

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
	if (store_installation_record_grant(st, installation_id, verify ? "verifying" : "granted",
					    installation_type, reference, request_id, now) != 0)
		return -1;
	return verify ? store_verification_queue(st, installation_id, now) : 0;
}

int installations_revoke(struct store *st, const char *installation_id, const char *source,
			 const char *reason, int64_t now, int *changed)
{
	struct installation in;
	int found = store_installation_find(st, installation_id, &in);
	*changed = 0;
	if (found <= 0)
		return found;
	if (store_installation_revoke(st, installation_id, now, changed) != 0)
		return -1;
	if (!*changed)
		return 1; /* already revoked: revoking is idempotent */
	json_t *detail = json_pack("{s:s}", "source", source);
	if (reason)
		json_object_set_new(detail, "reason", json_string(reason));
	if (events_append(st, now, "installation.revoked", in.request_id[0] ? in.request_id : NULL,
			  installation_id, in.reference[0] ? in.reference : NULL, detail) != 0)
		return -1;
	return 1;
}
