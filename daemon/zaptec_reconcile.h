/*
 * zaptec_reconcile.h — comparing the installations Zaptec lists for the service
 * account with the ones recorded here.
 *
 * A pass pages through GET /api/installation (at most one page every
 * ZAPTEC_RECONCILE_PAGE_INTERVAL seconds, so a pass never comes near 30 list calls a
 * minute), and only when every page came back does it act: a "granted"
 * installation missing from the list is asked for once more by id, and becomes
 * "revoked" (detail.source "zaptec") when the API says it is not visible; one
 * listed but unknown here is recorded as "granted" with no request
 * (installation.discovered). The extra lookup guards against a list that
 * shifted between pages. Installations changed after the pass began are left
 * for the next pass.
 *
 * The work is done in steps, each short (one page, the diff in bounded writer
 * jobs, or a few lookups), so that the verifier's thread can confirm grants in
 * between. A struct zaptec_reconcile is used by that one thread.
 */
#ifndef ACCESSD_ZAPTEC_RECONCILE_H
#define ACCESSD_ZAPTEC_RECONCILE_H

#include <stdint.h>

struct zaptec_client;

/* Since 2025-03-01 Zaptec's list pages hold at most 100 rows; a larger
 * PageSize may be refused. Pages are followed by the Pages count the API
 * answers, whatever size each page comes back with. */
#define ZAPTEC_RECONCILE_PAGE_SIZE 100
#define ZAPTEC_RECONCILE_PAGE_INTERVAL 2.0
/* A pass that would need more pages is given up (with a warning): its
 * listing could not be complete. 1000 pages of 100 are 100 000 installations,
 * listed in about half an hour at one page every ZAPTEC_RECONCILE_PAGE_INTERVAL. */
#define ZAPTEC_RECONCILE_MAX_PAGES 1000

struct zaptec_reconcile;

/* Whether an HTTP status is Zaptec's way of saying that the service account
 * cannot see an installation: 204, 401, 403 or 404. */
int zaptec_reconcile_no_access(int status);

/* A reconciler with no pass under way, or NULL when out of memory. */
struct zaptec_reconcile *zaptec_reconcile_new(void);

/* Releases r and whatever a pass under way holds; accepts NULL. */
void zaptec_reconcile_free(struct zaptec_reconcile *r);

/* Begins a pass at wall time now (Unix seconds), dropping one under way. */
void zaptec_reconcile_begin(struct zaptec_reconcile *r, int64_t now);

/* Whether a pass is under way. */
int zaptec_reconcile_active(const struct zaptec_reconcile *r);

/* Seconds (0 or more, on CLOCK_MONOTONIC) until the next step may run; a
 * large number when no pass is under way. */
double zaptec_reconcile_wait(const struct zaptec_reconcile *r);

/*
 * Runs the next step of the pass when its time has come, with client (borrowed).
 * *api_status receives the status of the last API call made (see zaptec.h), or
 * 0 when none was made. Returns 1 while the pass goes on, 0 when it ended
 * (finished or given up, both logged) or none is under way.
 */
int zaptec_reconcile_step(struct zaptec_reconcile *r, struct zaptec_client *client, int *api_status);

#endif
