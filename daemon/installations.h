/*
 * installations.h — the Zaptec installations the partner has been granted, one
 * row each: recorded by a granted callback, confirmed or refused by the
 * verifier, revoked by the partner or found gone by reconciliation.
 */
#ifndef ACCESSD_INSTALLATIONS_H
#define ACCESSD_INSTALLATIONS_H

#include <jansson.h>
#include <stdint.h>

#include "records.h"

struct store;

/* The installation object of the contract, new; NULL when memory runs out.
 * with_verification: whether the daemon verifies grants (else "verification"
 * is null). */
json_t *installations_json(const struct installation *in, int with_verification);

/*
 * Records a grant (on the writer): the row is created or updated with the
 * request's reference and id; its status is "verifying" and a verification is
 * queued when verify is set, else "granted". Returns 0 or -1.
 */
int installations_record_grant(struct store *st, const char *installation_id, int installation_type,
			       const char *reference, const char *request_id, int verify, int64_t now);

/*
 * Revokes (on the writer) and appends installation.revoked with detail.source
 * ("api" or "zaptec") and the reason (may be NULL). *changed is 1 when the row
 * was not already revoked. Returns 1 when the installation exists, 0 when it
 * does not, -1 on a database failure.
 */
int installations_revoke(struct store *st, const char *installation_id, const char *source,
			 const char *reason, int64_t now, int *changed);

#endif
