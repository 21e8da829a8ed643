/*
 * lease.h — background work of one kind (the expiry pass; the Zaptec work of
 * verification and reconciliation) runs on one instance at a time: the one
 * holding its lease in the database. The holder renews it while it works;
 * when it stops or dies, another instance takes it over once it has expired,
 * within LEASE_TTL + LEASE_RENEW seconds. With SQLite's one instance the
 * lease is always taken, on the same code path.
 */
#ifndef ACCESSD_LEASE_H
#define ACCESSD_LEASE_H

/* Seconds a lease lasts without renewal, and between renewals. */
#define LEASE_TTL 20
#define LEASE_RENEW 5

/* The kinds of work under a lease. */
enum lease_kind { LEASE_EXPIRY, LEASE_ZAPTEC, LEASE_KIND_COUNT };

/* Whether this instance holds the lease of kind now; takes or renews it
 * through the writer when LEASE_RENEW has passed since the last time. A
 * failed write counts as not held. Thread-safe; may block on the writer. */
int lease_held(enum lease_kind kind);

/* Gives up every lease this instance holds (at shutdown, before the writer
 * stops), so that another instance need not wait for them to expire. */
void lease_release_all(void);

/* This instance's name as a lease holder: host, process and a random part. */
const char *lease_holder(void);

#endif
