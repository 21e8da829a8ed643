/*
 * store_retention.c — the retention and erasure operations of
 * retention_store.h, handed to the engine of the connection.
 */
#include <stdlib.h>
#include <string.h>

#include "store_engine.h"

long retention_store_purge_batch(struct store *st, enum retention_kind kind, int64_t cutoff, int limit)
{
	return st->engine->retention_purge_batch(st, kind, cutoff, limit);
}

int retention_store_snapshot_begin(struct store *st)
{
	return st->engine->retention_snapshot_begin(st);
}

void retention_store_snapshot_end(struct store *st)
{
	st->engine->retention_snapshot_end(st);
}

int64_t retention_store_purged_through(struct store *st)
{
	return st->engine->retention_purged_through(st);
}

int64_t retention_store_feed_position(struct store *st)
{
	return st->engine->retention_feed_position(st);
}

int retention_store_erase_scan(struct store *st, const char *reference, const char *installation_id,
			       struct erasure_scan *out)
{
	return st->engine->retention_erase_scan(st, reference, installation_id, out);
}

void retention_store_erase_scan_free(struct erasure_scan *scan)
{
	free(scan->request_ids);
	free(scan->installation_ids);
	free(scan->event_ids);
	memset(scan, 0, sizeof *scan);
}

int retention_store_erase(struct store *st, const char *reference, const char *installation_id,
			  const struct erasure_scan *scan, struct erasure_counts *out)
{
	return st->engine->retention_erase(st, reference, installation_id, scan, out);
}

void retention_store_wipe_log_after_commit(struct store *st)
{
	st->engine->retention_wipe_log_after_commit(st);
}
