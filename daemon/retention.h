/*
 * retention.h — keeping personal data only as long as configured: the purge
 * pass (every purge_interval on its own thread, or once from the command
 * line), deleting in small batches, each one short write transaction.
 */
#ifndef ACCESSD_RETENTION_H
#define ACCESSD_RETENTION_H

#include <stddef.h>

#include "retention_store.h"

struct config;
struct store;

/* Rows one batch deletes at most: one short transaction, between callbacks. */
#define RETENTION_BATCH 500

/* "events", "rejected_callbacks", ... for logs and metrics. */
const char *retention_kind_name(enum retention_kind kind);

/* What one pass deleted, by kind. */
struct retention_counts {
	long deleted[RETENTION_KIND_COUNT];
};

/* Runs one write transaction: run(st, arg) committed (0) or not (-1). The
 * daemon's goes through the writer; the command line's is its own. */
typedef int (*retention_runner)(int (*run)(struct store *st, void *arg), void *arg, void *ctx);

/*
 * Runs one purge pass: for each kind whose retention is not 0, deletes what
 * ended longer ago than that, RETENTION_BATCH rows a transaction, until a
 * batch comes back short. Logs one line with the counts and adds them to the
 * metrics. Returns 0, or -1 when a batch failed (what was deleted before
 * stays deleted and is counted in out).
 */
int retention_purge(const struct config *cfg, retention_runner runner, void *ctx, struct retention_counts *out);

/* Starts the thread that runs a pass at start and then every purge_interval,
 * through the writer. Returns 0, or -1 with err. */
int retention_start(const struct config *cfg, char *err, size_t errlen);

/* Stops it, between two batches. */
void retention_stop(void);

#endif
