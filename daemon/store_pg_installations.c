/*
 * store_pg_installations.c — the PostgreSQL engine's operations on
 * installations and on the queue of their verifications.
 */
#include <stdio.h>
#include <string.h>

#include "store_pg.h"

/* Reads row `row` of a result that selects INSTALLATION_COLUMNS. */
static void read_installation(const PGresult *res, int row, struct installation *in)
{
	in->seq = pg_int(res, row, 0, 0);
	pg_copy_text(in->installation_id, sizeof in->installation_id, res, row, 1);
	pg_copy_text(in->status, sizeof in->status, res, row, 2);
	in->installation_type = (int)pg_int(res, row, 3, -1);
	pg_copy_text(in->reference, sizeof in->reference, res, row, 4);
	pg_copy_text(in->request_id, sizeof in->request_id, res, row, 5);
	in->granted_at = pg_int(res, row, 6, 0);
	in->updated_at = pg_int(res, row, 7, 0);
	in->revoked_at = pg_int(res, row, 8, 0);
	in->verified_at = pg_int(res, row, 9, 0);
	pg_copy_text(in->name, sizeof in->name, res, row, 10);
	in->roles = pg_int(res, row, 11, -1);
	pg_copy_text(in->last_error, sizeof in->last_error, res, row, 12);
}

int pg_installation_find(struct store *st, const char *installation_id, struct installation *in)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, installation_id);
	PGresult *res = pg_run(pg_of(st), PG_INSTALLATION_BY_ID, &p, "installation_find");
	if (res == NULL)
		return -1;
	int found = PQntuples(res) > 0;
	if (found)
		read_installation(res, 0, in);
	PQclear(res);
	return found;
}

int pg_installation_record_grant(struct store *st, const char *installation_id, const char *status,
				 int installation_type, const char *reference, const char *request_id, int64_t now)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, installation_id);
	pg_param_text(&p, status);
	pg_param_int(&p, installation_type);
	pg_param_opt(&p, reference);
	pg_param_opt(&p, request_id);
	pg_param_int(&p, now);
	return pg_run_write(pg_of(st), PG_INSTALLATION_UPSERT_GRANT, &p, "installation_grant", NULL);
}

/* Each filter has its own statement so that each walks its own index. */
int pg_installation_list(struct store *st, int64_t before_updated, int64_t before_seq, int64_t since,
			 const char *status, const char *reference, long limit,
			 int (*visit)(void *arg, const struct installation *in), void *arg)
{
	enum pg_stmt which = reference ? PG_INSTALLATION_LIST_REFERENCE
			     : status  ? PG_INSTALLATION_LIST_STATUS
				       : PG_INSTALLATION_LIST;
	struct pg_params p = { 0 };
	struct installation in;
	pg_param_int(&p, before_updated);
	pg_param_int(&p, before_seq);
	pg_param_int(&p, since);
	pg_param_int(&p, limit);
	if (which != PG_INSTALLATION_LIST)
		pg_param_text(&p, status);
	if (which == PG_INSTALLATION_LIST_REFERENCE)
		pg_param_text(&p, reference);
	PGresult *res = pg_run(pg_of(st), which, &p, "installation_list");
	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		read_installation(res, i, &in);
		if (visit(arg, &in) != 0)
			break;
	}
	PQclear(res);
	return 0;
}

int pg_installation_revoke(struct store *st, const char *installation_id, int64_t now, int *changed)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, installation_id);
	pg_param_int(&p, now);
	return pg_run_write(pg_of(st), PG_INSTALLATION_REVOKE, &p, "installation_revoke", changed);
}

int pg_installation_count_by_status(struct store *st, int (*visit)(void *arg, const char *status, long long n),
				    void *arg)
{
	return pg_visit_counts(pg_of(st), PG_INSTALLATION_COUNT_BY_STATUS, visit, arg);
}

/* Records what a verification confirmed: $1 id, $2 now, $3 name, $4 roles.
 * Setting it verified and promoting it take the same values. */
static int write_confirmed(struct store *st, enum pg_stmt id, const char *installation_id, int64_t now,
			   const char *name, int64_t roles, const char *op, int *changed)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, installation_id);
	pg_param_int(&p, now);
	pg_param_text(&p, name);
	pg_param_known(&p, roles);
	return pg_run_write(pg_of(st), id, &p, op, changed);
}

int pg_installation_set_verified(struct store *st, const char *installation_id, int64_t now, const char *name,
				 int64_t roles, int *changed)
{
	return write_confirmed(st, PG_INSTALLATION_SET_VERIFIED, installation_id, now, name, roles,
			       "verification_outcome", changed);
}

int pg_installation_set_unconfirmed(struct store *st, const char *installation_id, int64_t now, const char *error,
				    int *changed)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, installation_id);
	pg_param_int(&p, now);
	pg_param_text(&p, error);
	return pg_run_write(pg_of(st), PG_INSTALLATION_SET_UNCONFIRMED, &p, "verification_outcome", changed);
}

int pg_installation_promote(struct store *st, const char *installation_id, int64_t now, const char *name,
			    int64_t roles, int *changed)
{
	return write_confirmed(st, PG_INSTALLATION_PROMOTE, installation_id, now, name, roles,
			       "installation_promote", changed);
}

int pg_installation_set_last_error(struct store *st, const char *installation_id, const char *error)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, installation_id);
	pg_param_text(&p, error);
	return pg_run_write(pg_of(st), PG_INSTALLATION_SET_LAST_ERROR, &p, "verification_outcome", NULL);
}

int pg_installation_list_granted_after(struct store *st, int64_t after_seq, long limit,
				       int (*visit)(void *arg, int64_t seq, const char *installation_id,
						    int64_t updated_at),
				       void *arg)
{
	struct pg_params p = { 0 };
	pg_param_int(&p, after_seq);
	pg_param_int(&p, limit);
	PGresult *res = pg_run(pg_of(st), PG_INSTALLATION_GRANTED_AFTER, &p, "reconcile_scan");
	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		if (visit(arg, pg_int(res, i, 0, 0), pg_text(res, i, 1), pg_int(res, i, 2, 0)) != 0)
			break;
	PQclear(res);
	return 0;
}

int pg_installation_insert_discovered(struct store *st, const char *installation_id, int type, int64_t now,
				      const char *name, int64_t roles, int *changed)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, installation_id);
	pg_param_known(&p, type);
	pg_param_int(&p, now);
	pg_param_text(&p, name);
	pg_param_known(&p, roles);
	return pg_run_write(pg_of(st), PG_INSTALLATION_INSERT_DISCOVERED, &p, "installation_discovered", changed);
}

int pg_verification_queue(struct store *st, const char *installation_id, int64_t now)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, installation_id);
	pg_param_int(&p, now);
	return pg_run_write(pg_of(st), PG_VERIFICATION_QUEUE, &p, "verification_queue", NULL);
}

int pg_verification_list_due(struct store *st, int64_t now, long limit,
			     int (*visit)(void *arg, const struct verification_due *due), void *arg)
{
	struct pg_params p = { 0 };
	struct verification_due due;
	pg_param_int(&p, now);
	pg_param_int(&p, limit);
	PGresult *res = pg_run(pg_of(st), PG_VERIFICATION_DUE, &p, "verification_due");
	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		pg_copy_text(due.installation_id, sizeof due.installation_id, res, i, 0);
		due.queued_at = pg_int(res, i, 1, 0);
		due.attempts = (int)pg_int(res, i, 2, 0);
		if (visit(arg, &due) != 0)
			break;
	}
	PQclear(res);
	return 0;
}

/* The round a verification was read in: $1 id, $2 queued_at, $3 attempts. */
static void param_round(struct pg_params *p, const struct verification_due *due)
{
	pg_param_text(p, due->installation_id);
	pg_param_int(p, due->queued_at);
	pg_param_int(p, due->attempts);
}

int pg_verification_reschedule(struct store *st, const struct verification_due *due, int64_t next_attempt,
			       const char *error, int *changed)
{
	struct pg_params p = { 0 };
	param_round(&p, due);
	pg_param_int(&p, next_attempt);
	pg_param_text(&p, error);
	return pg_run_write(pg_of(st), PG_VERIFICATION_RESCHEDULE, &p, "verification_update", changed);
}

int pg_verification_finish(struct store *st, const struct verification_due *due, int *changed)
{
	struct pg_params p = { 0 };
	param_round(&p, due);
	return pg_run_write(pg_of(st), PG_VERIFICATION_FINISH, &p, "verification_update", changed);
}

int pg_verification_cancel(struct store *st, const char *installation_id)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, installation_id);
	return pg_run_write(pg_of(st), PG_VERIFICATION_CANCEL, &p, "verification_cancel", NULL);
}

int pg_verification_stats(struct store *st, long long *count, int64_t *oldest_queued_at)
{
	PGresult *res = pg_run(pg_of(st), PG_VERIFICATION_STATS, NULL, "verification_stats");
	if (res == NULL)
		return -1;
	*count = pg_int(res, 0, 0, 0);
	*oldest_queued_at = pg_int(res, 0, 1, 0);
	PQclear(res);
	return 0;
}
