/*
 * retention_store.h — what retention and erasure need from the database, as
 * domain operations: delete one batch of old rows of a kind, read the feed's
 * purge horizon and position in one snapshot, erase one customer or one
 * installation. The engine's statements stay behind it.
 */
#ifndef ACCESSD_RETENTION_STORE_H
#define ACCESSD_RETENTION_STORE_H

#include <stdint.h>

struct store;

/* What a purge deletes, each with its own retention. */
enum retention_kind {
	RETENTION_EVENTS,             /* every event, after event_retention */
	RETENTION_REJECTED_CALLBACKS, /* callback.invalid, .unknown, .late */
	RETENTION_ACCESS_REQUESTS,    /* granted, denied, expired or cancelled */
	RETENTION_INSTALLATIONS,      /* revoked */
	RETENTION_KIND_COUNT
};

/*
 * Deletes (inside the caller's write transaction) at most limit of the oldest
 * rows of kind that ended before cutoff (Unix seconds). Deleted events move
 * the purge horizon; deleted requests leave their installations without a
 * requestId; deleted installations leave their events out of any later
 * installation's history. Returns the number deleted, or -1 on a database
 * failure.
 */
long retention_store_purge_batch(struct store *st, enum retention_kind kind, int64_t cutoff, int limit);

/* Starts and ends a read snapshot on a reading connection: what is read in
 * between agrees. begin returns 0 or -1; end accepts a failed begin. */
int retention_store_snapshot_begin(struct store *st);
void retention_store_snapshot_end(struct store *st);

/* The newest event id a purge has deleted (0 when none has), or -1. */
int64_t retention_store_purged_through(struct store *st);

/* The id of the newest event written, purged or not (0 when none), or -1:
 * a reader positioned there has missed nothing and is not behind the horizon. */
int64_t retention_store_feed_position(struct store *st);

/* What one erasure did. */
struct erasure_counts {
	long access_requests, installations, events;
};

/* What an erasure found on a reading connection, before its write: the ids of
 * the matching requests and installations, and of the events to strip, up to
 * the newest event of that snapshot. */
struct erasure_scan {
	char *request_ids;      /* a JSON array; owned */
	char *installation_ids; /* a JSON array; owned */
	int64_t *event_ids;     /* owned */
	size_t event_count;
	int64_t through;        /* the newest event id the scan saw */
};

/*
 * Reads (on a reading connection, in a snapshot of its own) what erasing one
 * customer (reference set) or one installation (installation_id set, the other
 * NULL) will touch. Reading every event takes a while on a large log; done
 * here, it keeps the writer free meanwhile. Returns 0, or -1 on a database
 * failure or when memory runs out; out must be released either way.
 */
int retention_store_erase_scan(struct store *st, const char *reference, const char *installation_id,
			       struct erasure_scan *out);

/* Releases what a scan holds; accepts a zeroed one. */
void retention_store_erase_scan_free(struct erasure_scan *scan);

/*
 * Erases (inside the caller's write transaction) the same target: deletes the
 * matching access requests and installations, and strips the personal data
 * from their events, which stay in the feed. With scan (may be NULL), only the
 * events written since the scan are read, unless the requests or
 * installations matched have changed since, when every event is read again.
 * Returns 0 with the counts, or -1 on a database failure or when memory runs
 * out.
 */
int retention_store_erase(struct store *st, const char *reference, const char *installation_id,
			  const struct erasure_scan *scan, struct erasure_counts *out);

/* Called inside an erasure's transaction on the writer's connection: once it
 * has committed, the engine rids its log of the old rows (SQLite copies the
 * whole write-ahead log into the database and truncates it, after the batch's
 * answers are out; when a reader of an older snapshot holds it, after the next
 * batch). */
void retention_store_wipe_log_after_commit(struct store *st);

#endif
