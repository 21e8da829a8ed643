/*
 * store_pg_retention.c — retention and erasure (retention_store.h) on the
 * PostgreSQL engine; the statements are in store_pg_sql.c. A purge batch is
 * one statement a kind; the feed's reads share a REPEATABLE READ snapshot;
 * an erasure is one transaction of the writer.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "erasure.h"
#include "log.h"
#include "store_pg.h"

long pg_retention_purge_batch(struct store *st, enum retention_kind kind, int64_t cutoff, int limit)
{
	static const enum pg_stmt statements[RETENTION_KIND_COUNT] = {
		[RETENTION_EVENTS] = PG_PURGE_EVENTS,
		[RETENTION_REJECTED_CALLBACKS] = PG_PURGE_REJECTED,
		[RETENTION_ACCESS_REQUESTS] = PG_PURGE_REQUESTS,
		[RETENTION_INSTALLATIONS] = PG_PURGE_INSTALLATIONS,
	};
	struct pg_params p = { 0 };
	pg_param_int(&p, cutoff);
	pg_param_int(&p, limit);
	PGresult *res = pg_run(pg_of(st), statements[kind], &p, "purge");
	if (res == NULL)
		return -1;
	long deleted = (long)pg_int(res, 0, 0, 0);
	PQclear(res);
	return deleted;
}

/* While the snapshot is open the connection counts as in a transaction: a
 * statement that fails on a dropped connection is not tried again outside
 * it, where it would read another moment. */
int pg_retention_snapshot_begin(struct store *st)
{
	struct pg_store *s = pg_of(st);
	PGresult *res = pg_run(s, PG_READ_BEGIN, NULL, "snapshot");
	if (res == NULL)
		return -1;
	PQclear(res);
	s->in_transaction = 1;
	return 0;
}

void pg_retention_snapshot_end(struct store *st)
{
	struct pg_store *s = pg_of(st);
	if (PQstatus(s->conn) == CONNECTION_OK && PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
		PGresult *res = pg_run(s, PG_READ_END, NULL, "snapshot_end");
		PQclear(res);
	}
	s->in_transaction = 0;
}

/* The one integer a statement without parameters returns, or -1. */
static int64_t read_int(struct store *st, enum pg_stmt id, const char *op)
{
	PGresult *res = pg_run(pg_of(st), id, NULL, op);
	if (res == NULL)
		return -1;
	int64_t value = PQntuples(res) == 1 ? pg_int(res, 0, 0, -1) : -1;
	PQclear(res);
	return value;
}

int64_t pg_retention_purged_through(struct store *st)
{
	return read_int(st, PG_EVENT_PURGED_THROUGH, "purged_through");
}

int64_t pg_retention_feed_position(struct store *st)
{
	return read_int(st, PG_EVENT_NEWEST, "feed_position");
}

/*
 * SQLite reads an erasure's events on a reader first, to keep its one writer
 * free meanwhile. Here the erasure's own transaction reads them on the
 * server, with the rows locked, and other instances write on: the scan finds
 * nothing to carry over.
 */
int pg_retention_erase_scan(struct store *st, const char *reference, const char *installation_id,
			    struct erasure_scan *out)
{
	(void)st;
	(void)reference;
	(void)installation_id;
	memset(out, 0, sizeof *out);
	return 0;
}

/* The ids a statement of the target finds, as a new JSON array text. NULL on
 * a database failure or when memory runs out. */
static char *find_ids(struct store *st, enum pg_stmt id, const char *reference, const char *installation_id)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, reference);
	pg_param_text(&p, installation_id);
	PGresult *res = pg_run(pg_of(st), id, &p, "erase_find");
	if (res == NULL)
		return NULL;
	json_t *ids = json_array();
	char *out = NULL;
	int i;
	for (i = 0; ids && i < PQntuples(res); i++)
		if (json_array_append_new(ids, json_string(PQgetvalue(res, i, 0))) != 0)
			break;
	if (ids && i == PQntuples(res))
		out = json_dumps(ids, JSON_COMPACT);
	if (out == NULL)
		log_error("event=erase.failed op=erase_find error=\"out of memory\"");
	json_decref(ids);
	PQclear(res);
	return out;
}

/* Strips every event of the target: found by the statement, each written back
 * with its detail stripped. *count is the number that changed. Returns 0 or -1. */
static int strip_events(struct store *st, const char *reference, const char *installation_id,
			const char *request_ids, const char *installation_ids, const char *const *strip_ids,
			long *count)
{
	struct pg_store *s = pg_of(st);
	struct pg_params p = { 0 };
	char *quoted = NULL;
	int rc = -1;

	*count = 0;
	if (reference && (quoted = erasure_quote(reference)) == NULL)
		return -1;
	pg_param_text(&p, reference);
	pg_param_text(&p, installation_id);
	pg_param_text(&p, request_ids);
	pg_param_text(&p, installation_ids);
	pg_param_text(&p, quoted);
	PGresult *res = pg_run(s, PG_ERASE_FIND_EVENTS, &p, "erase_events");
	if (res == NULL)
		goto done;
	for (int i = 0; i < PQntuples(res); i++) {
		char *detail = erasure_strip_detail(PQgetvalue(res, i, 1), reference, strip_ids);
		struct pg_params w = { 0 };
		int changed = 0;
		if (detail == NULL)
			goto done;
		pg_param_int(&w, pg_int(res, i, 0, 0));
		pg_param_text(&w, detail);
		int failed = pg_run_write(s, PG_ERASE_STRIP_EVENT, &w, "erase_strip_event", &changed);
		free(detail);
		if (failed)
			goto done;
		*count += changed;
	}
	rc = 0;
done:
	PQclear(res);
	free(quoted);
	return rc;
}

/* Runs a statement that takes a JSON array of ids as $1; returns the rows it
 * changed, or -1. */
static long for_ids(struct store *st, enum pg_stmt id, const char *ids)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, ids);
	PGresult *res = pg_run(pg_of(st), id, &p, "erase");
	if (res == NULL)
		return -1;
	long changed = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return changed;
}

/* In the writer's transaction: what SQLite's erasure does, the same order. */
int pg_retention_erase(struct store *st, const char *reference, const char *installation_id,
		       const struct erasure_scan *scan, struct erasure_counts *out)
{
	char *request_ids = NULL, *installation_ids = NULL;
	json_t *holder = NULL;
	const char **strip_ids = NULL;
	int rc = -1;

	(void)scan;
	if ((request_ids = find_ids(st, PG_ERASE_FIND_REQUESTS, reference, installation_id)) == NULL ||
	    (installation_ids = find_ids(st, PG_ERASE_FIND_INSTALLATIONS, reference, installation_id)) == NULL ||
	    (strip_ids = erasure_strip_ids(installation_id, installation_ids, &holder)) == NULL)
		goto done;
	if (strip_events(st, reference, installation_id, request_ids, installation_ids, strip_ids, &out->events) != 0)
		goto done;
	if (for_ids(st, PG_ERASE_UNLINK_INSTALLATIONS, request_ids) < 0 ||
	    for_ids(st, PG_ERASE_VERIFICATIONS, installation_ids) < 0)
		goto done;
	if ((out->installations = for_ids(st, PG_ERASE_INSTALLATIONS, installation_ids)) < 0 ||
	    (out->access_requests = for_ids(st, PG_ERASE_REQUESTS, request_ids)) < 0)
		goto done;
	rc = 0;
done:
	free(strip_ids);
	json_decref(holder);
	free(request_ids);
	free(installation_ids);
	return rc;
}

/* The old row versions stay in the table's pages until VACUUM reclaims them
 * and later writes reuse the space (the README says what that means); the
 * write-ahead log is the server's. Nothing to do here. */
void pg_retention_wipe_log_after_commit(struct store *st)
{
	(void)st;
}
