/*
 * store_sqlite_installations.c — the SQLite engine's operations on
 * installations and on the queue of their verifications.
 */
#include <stdio.h>
#include <string.h>

#include "store_sqlite.h"

static int64_t int_or(sqlite3_stmt *stmt, int col, int64_t none)
{
	return sqlite3_column_type(stmt, col) == SQLITE_NULL ? none : sqlite3_column_int64(stmt, col);
}

/* Reads the current row of a statement that selects INSTALLATION_COLUMNS. */
static void read_installation(sqlite3_stmt *stmt, struct installation *in)
{
	in->seq = sqlite3_column_int64(stmt, 0);
	sqlite_copy_text(in->installation_id, sizeof in->installation_id, stmt, 1);
	sqlite_copy_text(in->status, sizeof in->status, stmt, 2);
	in->installation_type = (int)int_or(stmt, 3, -1);
	sqlite_copy_text(in->reference, sizeof in->reference, stmt, 4);
	sqlite_copy_text(in->request_id, sizeof in->request_id, stmt, 5);
	in->granted_at = int_or(stmt, 6, 0);
	in->updated_at = int_or(stmt, 7, 0);
	in->revoked_at = int_or(stmt, 8, 0);
	in->verified_at = int_or(stmt, 9, 0);
	sqlite_copy_text(in->name, sizeof in->name, stmt, 10);
	in->roles = int_or(stmt, 11, -1);
	sqlite_copy_text(in->last_error, sizeof in->last_error, stmt, 12);
}

static int read_installation_row(sqlite3_stmt *stmt, void *in)
{
	read_installation(stmt, in);
	return 0;
}

int sqlite_installation_find(struct store *st, const char *installation_id, struct installation *in)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, installation_id);
	return sqlite_run_one(sqlite_of(st), STMT_INSTALLATION_BY_ID, &p, "installation_find", read_installation_row,
			      in);
}

int sqlite_installation_record_grant(struct store *st, const char *installation_id, const char *status,
				     int installation_type, const char *reference, const char *request_id,
				     int64_t now)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, installation_id);
	sqlite_param_text(&p, status);
	sqlite_param_int(&p, installation_type);
	sqlite_param_opt(&p, reference);
	sqlite_param_opt(&p, request_id);
	sqlite_param_int(&p, now);
	return sqlite_run_write(sqlite_of(st), STMT_INSTALLATION_UPSERT_GRANT, &p, "installation_grant", NULL);
}

/* A list's visitor, called with each installation read. */
struct installation_visit {
	int (*visit)(void *arg, const struct installation *in);
	void *arg;
};

static int visit_installation_row(sqlite3_stmt *stmt, void *ctx)
{
	struct installation_visit *v = ctx;
	struct installation in;
	read_installation(stmt, &in);
	return v->visit(v->arg, &in);
}

/* Each filter has its own statement so that each walks its own index. */
int sqlite_installation_list(struct store *st, int64_t before_updated, int64_t before_seq, int64_t since,
			     const char *status, const char *reference, long limit,
			     int (*visit)(void *arg, const struct installation *in), void *arg)
{
	enum sqlite_stmt which = reference ? STMT_INSTALLATION_LIST_REFERENCE
				 : status  ? STMT_INSTALLATION_LIST_STATUS
					   : STMT_INSTALLATION_LIST;
	struct installation_visit v = { visit, arg };
	struct sqlite_params p = { 0 };

	sqlite_param_int(&p, before_updated);
	sqlite_param_int(&p, before_seq);
	sqlite_param_int(&p, since);
	sqlite_param_text(&p, status);
	sqlite_param_int(&p, limit);
	if (reference)
		sqlite_param_text(&p, reference);
	return sqlite_run_rows(sqlite_of(st), which, &p, "installation_list", visit_installation_row, &v);
}

int sqlite_installation_revoke(struct store *st, const char *installation_id, int64_t now, int *changed)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, installation_id);
	sqlite_param_int(&p, now);
	return sqlite_run_write(sqlite_of(st), STMT_INSTALLATION_REVOKE, &p, "installation_revoke", changed);
}

int sqlite_installation_count_by_status(struct store *st,
					int (*visit)(void *arg, const char *status, long long n), void *arg)
{
	return sqlite_visit_counts(sqlite_of(st), STMT_INSTALLATION_COUNT_BY_STATUS, visit, arg);
}

/* Records what a verification confirmed: ?1 id, ?2 now, ?3 name, ?4 roles.
 * Setting it verified and promoting it take the same values. */
static int write_confirmed(struct store *st, enum sqlite_stmt id, const char *installation_id, int64_t now,
			   const char *name, int64_t roles, const char *op, int *changed)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, installation_id);
	sqlite_param_int(&p, now);
	sqlite_param_text(&p, name);
	sqlite_param_known(&p, roles);
	return sqlite_run_write(sqlite_of(st), id, &p, op, changed);
}

int sqlite_installation_set_verified(struct store *st, const char *installation_id, int64_t now,
				     const char *name, int64_t roles, int *changed)
{
	return write_confirmed(st, STMT_INSTALLATION_SET_VERIFIED, installation_id, now, name, roles,
			       "verification_outcome", changed);
}

int sqlite_installation_set_unconfirmed(struct store *st, const char *installation_id, int64_t now,
					const char *error, int *changed)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, installation_id);
	sqlite_param_int(&p, now);
	sqlite_param_text(&p, error);
	return sqlite_run_write(sqlite_of(st), STMT_INSTALLATION_SET_UNCONFIRMED, &p, "verification_outcome",
				changed);
}

int sqlite_installation_promote(struct store *st, const char *installation_id, int64_t now, const char *name,
				int64_t roles, int *changed)
{
	return write_confirmed(st, STMT_INSTALLATION_PROMOTE, installation_id, now, name, roles,
			       "installation_promote", changed);
}

int sqlite_installation_set_last_error(struct store *st, const char *installation_id, const char *error)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, installation_id);
	sqlite_param_text(&p, error);
	return sqlite_run_write(sqlite_of(st), STMT_INSTALLATION_SET_LAST_ERROR, &p, "verification_outcome", NULL);
}

/* The reconciliation's visitor, called with each grant read. */
struct grant_visit {
	int (*visit)(void *arg, int64_t seq, const char *installation_id, int64_t updated_at);
	void *arg;
};

static int visit_grant_row(sqlite3_stmt *stmt, void *ctx)
{
	struct grant_visit *v = ctx;
	const char *id = (const char *)sqlite3_column_text(stmt, 1);
	return v->visit(v->arg, sqlite3_column_int64(stmt, 0), id ? id : "", sqlite3_column_int64(stmt, 2));
}

int sqlite_installation_list_granted_after(struct store *st, int64_t after_seq, long limit,
					   int (*visit)(void *arg, int64_t seq, const char *installation_id,
							int64_t updated_at),
					   void *arg)
{
	struct grant_visit v = { visit, arg };
	struct sqlite_params p = { 0 };
	sqlite_param_int(&p, after_seq);
	sqlite_param_int(&p, limit);
	return sqlite_run_rows(sqlite_of(st), STMT_INSTALLATION_GRANTED_AFTER, &p, "reconcile_scan", visit_grant_row,
			       &v);
}

int sqlite_installation_insert_discovered(struct store *st, const char *installation_id, int type, int64_t now,
					  const char *name, int64_t roles, int *changed)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, installation_id);
	sqlite_param_known(&p, type);
	sqlite_param_int(&p, now);
	sqlite_param_text(&p, name);
	sqlite_param_known(&p, roles);
	return sqlite_run_write(sqlite_of(st), STMT_INSTALLATION_INSERT_DISCOVERED, &p, "installation_discovered",
				changed);
}

int sqlite_verification_queue(struct store *st, const char *installation_id, int64_t now)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, installation_id);
	sqlite_param_int(&p, now);
	return sqlite_run_write(sqlite_of(st), STMT_VERIFICATION_QUEUE, &p, "verification_queue", NULL);
}

/* The verification pass's visitor, called with each due verification read. */
struct due_visit {
	int (*visit)(void *arg, const struct verification_due *due);
	void *arg;
};

static int visit_due_row(sqlite3_stmt *stmt, void *ctx)
{
	struct due_visit *v = ctx;
	struct verification_due due;
	sqlite_copy_text(due.installation_id, sizeof due.installation_id, stmt, 0);
	due.queued_at = sqlite3_column_int64(stmt, 1);
	due.attempts = sqlite3_column_int(stmt, 2);
	return v->visit(v->arg, &due);
}

int sqlite_verification_list_due(struct store *st, int64_t now, long limit,
				 int (*visit)(void *arg, const struct verification_due *due), void *arg)
{
	struct due_visit v = { visit, arg };
	struct sqlite_params p = { 0 };
	sqlite_param_int(&p, now);
	sqlite_param_int(&p, limit);
	return sqlite_run_rows(sqlite_of(st), STMT_VERIFICATION_DUE, &p, "verification_due", visit_due_row, &v);
}

/* The round a verification was read in: ?1 id, ?2 queued_at, ?3 attempts. */
static void param_round(struct sqlite_params *p, const struct verification_due *due)
{
	sqlite_param_text(p, due->installation_id);
	sqlite_param_int(p, due->queued_at);
	sqlite_param_int(p, due->attempts);
}

int sqlite_verification_reschedule(struct store *st, const struct verification_due *due, int64_t next_attempt,
				   const char *error, int *changed)
{
	struct sqlite_params p = { 0 };
	param_round(&p, due);
	sqlite_param_int(&p, next_attempt);
	sqlite_param_text(&p, error);
	return sqlite_run_write(sqlite_of(st), STMT_VERIFICATION_RESCHEDULE, &p, "verification_update", changed);
}

int sqlite_verification_finish(struct store *st, const struct verification_due *due, int *changed)
{
	struct sqlite_params p = { 0 };
	param_round(&p, due);
	return sqlite_run_write(sqlite_of(st), STMT_VERIFICATION_FINISH, &p, "verification_update", changed);
}

int sqlite_verification_cancel(struct store *st, const char *installation_id)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, installation_id);
	return sqlite_run_write(sqlite_of(st), STMT_VERIFICATION_CANCEL, &p, "verification_cancel", NULL);
}

/* The queue's size and age, from the one row of its statement. */
struct verification_totals {
	long long *count;
	int64_t *oldest_queued_at;
};

static int read_totals_row(sqlite3_stmt *stmt, void *ctx)
{
	struct verification_totals *t = ctx;
	*t->count = sqlite3_column_int64(stmt, 0);
	*t->oldest_queued_at = sqlite3_column_int64(stmt, 1);
	return 0;
}

int sqlite_verification_stats(struct store *st, long long *count, int64_t *oldest_queued_at)
{
	struct verification_totals t = { count, oldest_queued_at };
	int found = sqlite_run_one(sqlite_of(st), STMT_VERIFICATION_STATS, NULL, "verification_stats",
				   read_totals_row, &t);
	return found == 1 ? 0 : -1;
}
