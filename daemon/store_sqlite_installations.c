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

int sqlite_installation_find(struct store *st, const char *installation_id, struct installation *in)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_INSTALLATION_BY_ID);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, installation_id);
	int rc = sqlite3_step(stmt), found = -1;
	if (rc == SQLITE_ROW) {
		read_installation(stmt, in);
		found = 1;
	} else if (rc == SQLITE_DONE) {
		found = 0;
	} else {
		sqlite_log_error(s, "installation_find");
	}
	sqlite3_reset(stmt);
	return found;
}

int sqlite_installation_record_grant(struct store *st, const char *installation_id, const char *status,
				     int installation_type, const char *reference, const char *request_id,
				     int64_t now)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_INSTALLATION_UPSERT_GRANT);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, installation_id);
	sqlite_bind_text(stmt, 2, status);
	sqlite3_bind_int(stmt, 3, installation_type);
	sqlite_bind_opt(stmt, 4, reference);
	sqlite_bind_opt(stmt, 5, request_id);
	sqlite3_bind_int64(stmt, 6, now);
	return sqlite_step_write(s, stmt, "installation_grant", NULL);
}

/* Each filter has its own statement so that each walks its own index. */
int sqlite_installation_list(struct store *st, int64_t before_updated, int64_t before_seq, int64_t since,
			     const char *status, const char *reference, long limit,
			     int (*visit)(void *arg, const struct installation *in), void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	enum sqlite_stmt which = reference ? STMT_INSTALLATION_LIST_REFERENCE
				 : status  ? STMT_INSTALLATION_LIST_STATUS
					   : STMT_INSTALLATION_LIST;
	sqlite3_stmt *stmt = sqlite_stmt(s, which);
	struct installation in;
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, before_updated);
	sqlite3_bind_int64(stmt, 2, before_seq);
	sqlite3_bind_int64(stmt, 3, since);
	sqlite_bind_text(stmt, 4, status);
	sqlite3_bind_int64(stmt, 5, limit);
	if (reference)
		sqlite_bind_text(stmt, 6, reference);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		read_installation(stmt, &in);
		if (visit(arg, &in) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		sqlite_log_error(s, "installation_list");
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sqlite_installation_revoke(struct store *st, const char *installation_id, int64_t now, int *changed)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_INSTALLATION_REVOKE);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, installation_id);
	sqlite3_bind_int64(stmt, 2, now);
	return sqlite_step_write(s, stmt, "installation_revoke", changed);
}

int sqlite_installation_count_by_status(struct store *st,
					int (*visit)(void *arg, const char *status, long long n), void *arg)
{
	return sqlite_visit_counts(sqlite_of(st), STMT_INSTALLATION_COUNT_BY_STATUS, visit, arg);
}

int sqlite_installation_set_verified(struct store *st, const char *installation_id, int64_t now,
				     const char *name, int64_t roles, int *changed)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_INSTALLATION_SET_VERIFIED);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, installation_id);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite_bind_text(stmt, 3, name);
	sqlite_bind_known(stmt, 4, roles);
	return sqlite_step_write(s, stmt, "verification_outcome", changed);
}

int sqlite_installation_set_unconfirmed(struct store *st, const char *installation_id, int64_t now,
					const char *error, int *changed)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_INSTALLATION_SET_UNCONFIRMED);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, installation_id);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite_bind_text(stmt, 3, error);
	return sqlite_step_write(s, stmt, "verification_outcome", changed);
}

int sqlite_installation_promote(struct store *st, const char *installation_id, int64_t now, const char *name,
				int64_t roles, int *changed)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_INSTALLATION_PROMOTE);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, installation_id);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite_bind_text(stmt, 3, name);
	sqlite_bind_known(stmt, 4, roles);
	return sqlite_step_write(s, stmt, "installation_promote", changed);
}

int sqlite_installation_set_last_error(struct store *st, const char *installation_id, const char *error)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_INSTALLATION_SET_LAST_ERROR);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, installation_id);
	sqlite_bind_text(stmt, 2, error);
	return sqlite_step_write(s, stmt, "verification_outcome", NULL);
}

int sqlite_installation_list_granted_after(struct store *st, int64_t after_seq, long limit,
					   int (*visit)(void *arg, int64_t seq, const char *installation_id,
							int64_t updated_at),
					   void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_INSTALLATION_GRANTED_AFTER);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, after_seq);
	sqlite3_bind_int64(stmt, 2, limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(stmt, 1);
		if (visit(arg, sqlite3_column_int64(stmt, 0), id ? id : "", sqlite3_column_int64(stmt, 2)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		sqlite_log_error(s, "reconcile_scan");
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sqlite_installation_insert_discovered(struct store *st, const char *installation_id, int type, int64_t now,
					  const char *name, int64_t roles, int *changed)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_INSTALLATION_INSERT_DISCOVERED);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, installation_id);
	sqlite_bind_known(stmt, 2, type);
	sqlite3_bind_int64(stmt, 3, now);
	sqlite_bind_text(stmt, 4, name);
	sqlite_bind_known(stmt, 5, roles);
	return sqlite_step_write(s, stmt, "installation_discovered", changed);
}

int sqlite_verification_queue(struct store *st, const char *installation_id, int64_t now)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_VERIFICATION_QUEUE);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, installation_id);
	sqlite3_bind_int64(stmt, 2, now);
	return sqlite_step_write(s, stmt, "verification_queue", NULL);
}

int sqlite_verification_list_due(struct store *st, int64_t now, long limit,
				 int (*visit)(void *arg, const struct verification_due *due), void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_VERIFICATION_DUE);
	struct verification_due due;
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_int64(stmt, 2, limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		sqlite_copy_text(due.installation_id, sizeof due.installation_id, stmt, 0);
		due.queued_at = sqlite3_column_int64(stmt, 1);
		due.attempts = sqlite3_column_int(stmt, 2);
		if (visit(arg, &due) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		sqlite_log_error(s, "verification_due");
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Binds the round a verification was read in: ?1 id, ?2 queued_at, ?3 attempts. */
static void bind_round(sqlite3_stmt *stmt, const struct verification_due *due)
{
	sqlite_bind_text(stmt, 1, due->installation_id);
	sqlite3_bind_int64(stmt, 2, due->queued_at);
	sqlite3_bind_int(stmt, 3, due->attempts);
}

int sqlite_verification_reschedule(struct store *st, const struct verification_due *due, int64_t next_attempt,
				   const char *error, int *changed)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_VERIFICATION_RESCHEDULE);
	if (stmt == NULL)
		return -1;
	bind_round(stmt, due);
	sqlite3_bind_int64(stmt, 4, next_attempt);
	sqlite_bind_text(stmt, 5, error);
	return sqlite_step_write(s, stmt, "verification_update", changed);
}

int sqlite_verification_finish(struct store *st, const struct verification_due *due, int *changed)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_VERIFICATION_FINISH);
	if (stmt == NULL)
		return -1;
	bind_round(stmt, due);
	return sqlite_step_write(s, stmt, "verification_update", changed);
}

int sqlite_verification_cancel(struct store *st, const char *installation_id)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_VERIFICATION_CANCEL);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, installation_id);
	return sqlite_step_write(s, stmt, "verification_cancel", NULL);
}

int sqlite_verification_stats(struct store *st, long long *count, int64_t *oldest_queued_at)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_VERIFICATION_STATS);
	if (stmt == NULL)
		return -1;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(stmt, 0);
		*oldest_queued_at = sqlite3_column_int64(stmt, 1);
	} else {
		sqlite_log_error(s, "verification_stats");
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 0 : -1;
}
