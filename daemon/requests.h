/*
 * requests.h — access requests: one invitation for one customer. Validation of
 * a new request, its rows in the store, its JSON form, its links, and the state
 * changes that append events (created, opened, reissued, expired, cancelled).
 */
#ifndef ACCESSD_REQUESTS_H
#define ACCESSD_REQUESTS_H

#include <jansson.h>
#include <stdint.h>

#include "records.h"

struct config;
struct store;

/* What a partner asks for; NULL means "not given". */
struct request_input {
	const char *reference;
	const char *installation_type;  /* "go", "home" or "pro" */
	const char *installation_id;
	const char *partner_name;
	const char *lang;
	int show_existing;
	const char *return_to;
	int64_t ttl;                    /* 0: request_ttl */
	int has_ttl;
};

/*
 * Validates in against the contract and cfg and fills r (id, times and status
 * included, the token not). Each problem is appended to errors as
 * {"field","message"}. Returns 0 when valid, -1 otherwise.
 */
int requests_prepare(struct access_request *r, const struct request_input *in,
		     const struct config *cfg, int64_t now, json_t *errors);

/* The status a client sees: an open request past expires_at is "expired". */
const char *requests_status(const struct access_request *r, int64_t now);

/* Whether the request is completed (granted, denied or contested). */
int requests_completed(const struct access_request *r);

/* Whether the request holds a grant: granted, or contested (a grant of an
 * installation bound to another customer). Such a request is never reopened. */
int requests_holds_grant(const struct access_request *r);

/* Whether the partner cancelled the request. */
int requests_cancelled(const struct access_request *r);

/* Whether the request may still be cancelled: it has not ended in a grant
 * (granted, or contested for an installation bound elsewhere). */
int requests_cancellable(const struct access_request *r);

/* The access request object of the contract, new. NULL when memory runs out. */
json_t *requests_json(const struct access_request *r, int64_t now);

/* The Zaptec portal URL of the request with token in its returnUrl, as a new
 * string (caller frees); NULL when memory runs out. */
char *requests_portal_url(const struct access_request *r, const char *token, const struct config *cfg);

/* Adds "connectUrl" and "portalUrl" for token to obj. Returns 0 or -1. */
int requests_add_links(json_t *obj, const struct access_request *r, const char *token,
		       const struct config *cfg);

/* Writer-side changes; each appends its event. Return 0, or -1 on a database
 * failure. */
int requests_insert(struct store *st, struct access_request *r, const unsigned char hash[TOKEN_HASH_LEN]);
int requests_set_token(struct store *st, struct access_request *r,
		       const unsigned char hash[TOKEN_HASH_LEN], int64_t expires_at, int64_t now);
int requests_mark_opened(struct store *st, struct access_request *r, int64_t now);
/* Completes the request with status "granted", "denied" or "contested" and
 * the installation named (NULL for none); appends no event. */
int requests_complete(struct store *st, struct access_request *r, const char *status,
		      const char *installation_id, int64_t now);
/* Cancels a cancellable request and appends request.cancelled; a request that
 * is already cancelled is left as it is, with no second event. */
int requests_cancel(struct store *st, struct access_request *r, int64_t now);

/* Stores "expired" for the open requests past expiry and appends their
 * request.expired events, a bounded number per call; a writer job. arg unused.
 * Returns 0 or -1. */
int requests_expire_due(struct store *st, void *arg);

#endif
