/*
 * store_pg_pipeline.c — the writer's transactions in libpq's pipeline mode.
 *
 * A callback is a handful of statements, and sent one by one each is a round
 * trip during which the writer, and every callback behind it, waits. In its
 * transactions the writer's connection is in pipeline mode instead: a
 * statement whose result nobody needs at once (a write, a savepoint) is only
 * queued, and goes out with the next statement whose result is needed or at
 * the end of the job. A granted callback takes four round trips, not eight.
 *
 * Failures keep their meaning. After a failed statement the server skips what
 * was queued behind it up to the next sync, and the transaction is in error,
 * as it would be had each statement been sent alone; the writer settles a
 * job's queue before it takes the job's outcome (pg_release in store_pg.c),
 * so a failure stays with the job that made it.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store_pg.h"

static void log_failure(const char *op, const PGresult *res, PGconn *conn)
{
	const char *message = res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res) : PQerrorMessage(conn);
	log_error("event=db.error op=%s error=\"%.*s\"", op, (int)strcspn(message, "\n"), message);
}

int pg_pipeline_enter(struct pg_store *s)
{
	s->queued_count = 0;
	if (PQenterPipelineMode(s->conn) != 1) {
		log_failure("pipeline_enter", NULL, s->conn);
		return -1;
	}
	s->pipeline = 1;
	return 0;
}

int pg_pipeline_leave(struct pg_store *s)
{
	int rc = pg_pipeline_drain(s, NULL);
	if (PQexitPipelineMode(s->conn) != 1) {
		log_failure("pipeline_leave", NULL, s->conn);
		rc = -1;
	}
	s->pipeline = 0;
	return rc;
}

/* Notes what was sent, or logs why it could not be. */
static int sent(struct pg_store *s, int ok, const char *op, int prepares)
{
	if (!ok) {
		log_failure(op, NULL, s->conn);
		return -1;
	}
	s->queued[s->queued_count++] = (struct pg_queued){ .op = op, .prepares = prepares };
	return 0;
}

/* Makes room for two more statements: a full queue is settled first. */
static int room(struct pg_store *s)
{
	return s->queued_count + 2 <= PG_QUEUE_MAX ? 0 : pg_pipeline_drain(s, NULL);
}

int pg_pipeline_queue(struct pg_store *s, enum pg_stmt id, const struct pg_params *p, const char *op)
{
	char name[16];
	if (room(s) != 0)
		return -1;
	pg_stmt_name(id, name);
	if (!s->prepared[id]) {
		if (sent(s, PQsendPrepare(s->conn, name, store_pg_sql[id].sql, store_pg_sql[id].params, NULL), op,
			 (int)id) != 0)
			return -1;
		s->prepared[id] = 1;
	}
	return sent(s,
		    PQsendQueryPrepared(s->conn, name, p ? p->n : 0, p ? p->values : NULL, p ? p->lengths : NULL,
					p ? p->formats : NULL, 0),
		    op, -1);
}

int pg_pipeline_queue_sql(struct pg_store *s, const char *sql)
{
	if (room(s) != 0)
		return -1;
	return sent(s, PQsendQueryParams(s->conn, sql, 0, NULL, NULL, NULL, NULL, 0), sql, -1);
}

int pg_pipeline_drain(struct pg_store *s, PGresult **last)
{
	int count = s->queued_count, failed = 0;
	if (last != NULL)
		*last = NULL;
	if (count == 0)
		return 0;
	s->queued_count = 0;
	if (PQpipelineSync(s->conn) != 1) {
		log_failure(s->queued[count - 1].op, NULL, s->conn);
		return -1;
	}
	for (int i = 0; i < count; i++) {
		PGresult *res = PQgetResult(s->conn);
		if (res == NULL) { /* the connection failed: nothing more comes */
			log_failure(s->queued[i].op, NULL, s->conn);
			return -1;
		}
		ExecStatusType status = PQresultStatus(res);
		if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
			if (last != NULL && i == count - 1 && !failed)
				*last = res;
			else
				PQclear(res);
		} else {
			/* Skipped behind an earlier failure, which was logged. */
			if (status != PGRES_PIPELINE_ABORTED)
				log_failure(s->queued[i].op, res, s->conn);
			if (s->queued[i].prepares >= 0)
				s->prepared[s->queued[i].prepares] = 0;
			PQclear(res);
			failed = 1;
		}
		/* A statement's results end with a NULL. */
		while ((res = PQgetResult(s->conn)) != NULL)
			PQclear(res);
	}
	PGresult *sync = PQgetResult(s->conn);
	if (PQresultStatus(sync) != PGRES_PIPELINE_SYNC)
		failed = 1;
	PQclear(sync);
	return failed ? -1 : 0;
}
