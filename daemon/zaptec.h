/*
 * zaptec.h — the client of Zaptec's API that verification and reconciliation
 * use: one installation by id, and the paged list of every installation the
 * service account can see.
 *
 * Every call waits for the rate limits (zaptec_http.h), logs in when needed
 * (zaptec_auth.h), and after a 401 logs in again once and retries once. A
 * client is used by one thread at a time; zaptec_client_stats() and
 * zaptec_client_stop() may be called from any thread.
 */
#ifndef ACCESSD_ZAPTEC_H
#define ACCESSD_ZAPTEC_H

#include <stddef.h>

#include "zaptec_auth.h"
#include "zaptec_http.h"

/* Returned instead of an HTTP status: no usable answer (network error,
 * timeout, an answer that does not parse, stopping). Worth retrying. */
#define ZAPTEC_ERROR (-1)
/* Zaptec refused the service account's credentials: a configuration problem. */
#define ZAPTEC_LOGIN_REFUSED ZAPTEC_AUTH_REFUSED
/* The list callback asked to stop. */
#define ZAPTEC_STOPPED (-3)

#define ZAPTEC_ID_LEN 36

/* An installation as the API shows it. Only id is sure to be there. */
struct zaptec_installation {
	char id[ZAPTEC_ID_LEN + 1]; /* lowercase GUID */
	char *name;                 /* owned; NULL when the API did not say */
	long roles;                 /* CurrentUserRoles bit flags; -1 when not given */
	int type;                   /* InstallationType: 0 Pro, 1 Smart; -1 when not given */
};

struct zaptec_client;

/* Does libcurl's global setup; call once at start, before any thread exists.
 * Returns 0 or -1. */
int zaptec_global_init(void);

/* Undoes zaptec_global_init() at exit, after every client is freed. */
void zaptec_global_cleanup(void);

/*
 * A client for the API at api_url, logging in as username with password (both
 * copied; the password is kept in memory only and wiped on free). user_agent
 * NULL means "zaptec-accessd/<version>". Returns NULL with a reason in err.
 */
struct zaptec_client *zaptec_client_new(const char *api_url, const char *username, const char *password,
					const char *user_agent, char *err, size_t errlen);

/* Releases client; accepts NULL. */
void zaptec_client_free(struct zaptec_client *client);

/*
 * GET /api/installation/{id}. Returns the HTTP status; on 200, *out is filled
 * and must be cleared with zaptec_installation_clear(). Zaptec answers 401,
 * 403 or 404 when the installation is not (yet) visible, 429 when over its
 * limit, 5xx when in trouble. Otherwise ZAPTEC_ERROR, ZAPTEC_LOGIN_REFUSED, or
 * the status of a failed login (429, 5xx), with a reason in err. id must be a
 * GUID; a 200 about another id is ZAPTEC_ERROR.
 */
int zaptec_get_installation(struct zaptec_client *client, const char *id, struct zaptec_installation *out,
			    char *err, size_t errlen);

/*
 * GET /api/installation?PageSize=page_size&PageIndex=page_index (from 0): calls
 * each(inst, arg) for every installation of the page, in order; inst is
 * borrowed for the call only. A non-zero return from each stops the page and
 * makes the result ZAPTEC_STOPPED. On 200 *pages receives the page count Zaptec
 * gives. Returns as zaptec_get_installation() does; an answer that does not
 * parse (or an item without a GUID Id) is ZAPTEC_ERROR before any call of each.
 */
int zaptec_list_installations(struct zaptec_client *client, int page_index, int page_size,
			      int (*each)(const struct zaptec_installation *inst, void *arg), void *arg,
			      int *pages, char *err, size_t errlen);

/* Releases what an installation owns and empties it; accepts an emptied one. */
void zaptec_installation_clear(struct zaptec_installation *inst);

/* Copies the call counters (by endpoint and outcome, and 429s) into *out. */
void zaptec_client_stats(const struct zaptec_client *client, struct zaptec_http_stats *out);

/* Ends waits and transfers under way and fails later calls, so the thread
 * using the client can be joined. */
void zaptec_client_stop(struct zaptec_client *client);

/*
 * How long to wait before retry number attempt (0 for the first retry):
 * base * 2^attempt seconds, at most cap, of which a random half is taken off
 * (libsodium's randombytes_uniform) so that many retries do not fall together.
 * The result lies in [d/2, d] for that d.
 */
double zaptec_backoff_delay(int attempt, double base, double cap);

#endif
