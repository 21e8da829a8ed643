/*
 * store_pg_events.c — the PostgreSQL engine's operations on the event log.
 * Ids come from the one-row counter (see PG_EVENT_INSERT): gap-free and in
 * commit order across every instance that shares the database.
 */
#include "store_pg.h"

int pg_event_append(struct store *st, int64_t at, const char *type, const char *request_id,
		    const char *installation_id, const char *reference, const char *detail)
{
	struct pg_params p = { 0 };
	pg_param_int(&p, at);
	pg_param_text(&p, type);
	pg_param_text(&p, request_id);
	pg_param_text(&p, installation_id);
	pg_param_text(&p, reference);
	pg_param_text(&p, detail ? detail : "{}");
	pg_of(st)->changes.events_added = 1;
	return pg_run_write(pg_of(st), PG_EVENT_INSERT, &p, "event_append", NULL);
}

/* Visits the rows of a result that selects EVENT_COLUMNS. */
static void visit_events(PGresult *res, int (*visit)(void *arg, const struct event_record *e), void *arg)
{
	for (int i = 0; i < PQntuples(res); i++) {
		struct event_record e = {
			.id = pg_int(res, i, 0, 0),
			.at = pg_int(res, i, 1, 0),
			.type = PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2),
			.request_id = PQgetisnull(res, i, 3) ? NULL : PQgetvalue(res, i, 3),
			.installation_id = PQgetisnull(res, i, 4) ? NULL : PQgetvalue(res, i, 4),
			.reference = PQgetisnull(res, i, 5) ? NULL : PQgetvalue(res, i, 5),
			.detail = PQgetisnull(res, i, 6) ? NULL : PQgetvalue(res, i, 6),
		};
		if (visit(arg, &e) != 0)
			break;
	}
}

int pg_event_list_after(struct store *st, int64_t after, long limit,
			int (*visit)(void *arg, const struct event_record *e), void *arg)
{
	struct pg_params p = { 0 };
	pg_param_int(&p, after);
	pg_param_int(&p, limit);
	PGresult *res = pg_run(pg_of(st), PG_EVENT_LIST_AFTER, &p, "event_list");
	if (res == NULL)
		return -1;
	visit_events(res, visit, arg);
	PQclear(res);
	return 0;
}

int pg_event_list_by_installation(struct store *st, const char *installation_id, long limit,
				  int (*visit)(void *arg, const struct event_record *e), void *arg)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, installation_id);
	pg_param_int(&p, limit);
	PGresult *res = pg_run(pg_of(st), PG_EVENT_BY_INSTALLATION, &p, "installation_history");
	if (res == NULL)
		return -1;
	visit_events(res, visit, arg);
	PQclear(res);
	return 0;
}
