/*
 * lease.h — background work of one kind (the expiry pass; the Zaptec work of
 * verification and reconciliation; the purge) runs on one instance at a time: the one
 * holding its lease in the database. The holder renews it while it works;
 * when it stops or dies, another instance takes it over once it has expired,
 * within LEASE_TTL + LEASE_RENEW seconds. With SQLite's one instance the
 * lease is always taken, on the same code path.
 */
#ifndef ACCESSD_LEASE_H
#define ACCESSD_LEASE_H

#include <stdint.h>

/* Seconds a lease lasts without renewal, and between renewals. */
#define LEASE_TTL 20
#define LEASE_RENEW 5

/* The kinds of work under a lease. */
enum lease_kind { LEASE_EXPIRY, LEASE_ZAPTEC, LEASE_PURGE, LEASE_KIND_COUNT };

/* Whether this instance holds the lease of kind now; takes or renews it
 * through the writer when LEASE_RENEW has passed since the last time. A
 * failed write counts as not held. Thread-safe; may block on the writer. */
int lease_held(enum lease_kind kind);

/* A lease whose kind the caller names (each webhook endpoint has one,
 * "webhook:<endpoint id>"), kept by the one thread that works under it. */
struct lease_own {
	char kind[64];
	int held;
	int64_t checked_at; /* wall time of the last take or renewal */
};

/* Whether this instance holds l now, taking or renewing it through the writer
 * when LEASE_RENEW has passed since the last time: 0 not held, 1 held since
 * the last call, 2 newly taken (or held again after a lapse, when another
 * instance may have done the work meanwhile). May block on the writer. */
int lease_own_keep(struct lease_own *l);

/* Gives l up, when held, so that another instance need not wait for it to
 * expire. */
void lease_own_release(struct lease_own *l);

/* Gives up every lease this instance holds (at shutdown, before the writer
 * stops), so that another instance need not wait for them to expire. */
void lease_release_all(void);

/* This instance's name as a lease holder: host, process and a random part. */
const char *lease_holder(void);

#endif
