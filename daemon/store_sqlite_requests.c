/*
 * store_sqlite_requests.c — the SQLite engine's operations on access requests.
 */
#include <stdio.h>
#include <string.h>

#include "store_sqlite.h"

/* Reads the current row of a statement that selects REQUEST_COLUMNS. */
static void read_request(sqlite3_stmt *stmt, struct access_request *r)
{
	memset(r, 0, sizeof *r);
	r->seq = sqlite3_column_int64(stmt, 0);
	sqlite_copy_text(r->id, sizeof r->id, stmt, 1);
	sqlite_copy_text(r->reference, sizeof r->reference, stmt, 2);
	r->installation_type = sqlite3_column_int(stmt, 3);
	sqlite_copy_text(r->installation_id, sizeof r->installation_id, stmt, 4);
	sqlite_copy_text(r->partner_name, sizeof r->partner_name, stmt, 5);
	sqlite_copy_text(r->lang, sizeof r->lang, stmt, 6);
	r->show_existing = sqlite3_column_int(stmt, 7);
	sqlite_copy_text(r->return_to, sizeof r->return_to, stmt, 8);
	sqlite_copy_text(r->status, sizeof r->status, stmt, 9);
	r->created_at = sqlite3_column_int64(stmt, 10);
	r->expires_at = sqlite3_column_int64(stmt, 11);
	r->opened_at = sqlite3_column_int64(stmt, 12);
	r->completed_at = sqlite3_column_int64(stmt, 13);
	r->result_success = sqlite3_column_type(stmt, 14) == SQLITE_NULL ? -1 : sqlite3_column_int(stmt, 14);
	sqlite_copy_text(r->result_installation_id, sizeof r->result_installation_id, stmt, 15);
	r->lang_given = sqlite3_column_int(stmt, 16);
	r->ttl = sqlite3_column_int64(stmt, 17);
}

/* Runs a lookup statement already bound; fills r from its one row. */
static int find_one(struct sqlite_store *s, sqlite3_stmt *stmt, struct access_request *r)
{
	int rc = sqlite3_step(stmt);
	int found = -1;
	if (rc == SQLITE_ROW) {
		read_request(stmt, r);
		found = 1;
	} else if (rc == SQLITE_DONE) {
		found = 0;
	} else {
		sqlite_log_error(s, "request_find");
	}
	sqlite3_reset(stmt);
	return found;
}

int sqlite_request_find_by_id(struct store *st, const char *id, struct access_request *r)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_REQUEST_BY_ID);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, id);
	return find_one(s, stmt, r);
}

int sqlite_request_find_by_token(struct store *st, const unsigned char hash[TOKEN_HASH_LEN],
				 struct access_request *r)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_REQUEST_BY_TOKEN);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_blob(stmt, 1, hash, TOKEN_HASH_LEN, SQLITE_STATIC);
	return find_one(s, stmt, r);
}

int sqlite_request_list(struct store *st, int64_t before_seq, const char *reference, const char *status,
			int64_t now, long limit, int (*visit)(void *arg, const struct access_request *r), void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_REQUEST_LIST);
	struct access_request r;
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, before_seq);
	sqlite_bind_text(stmt, 2, reference);
	sqlite_bind_text(stmt, 3, status);
	sqlite3_bind_int64(stmt, 4, now);
	sqlite3_bind_int64(stmt, 5, limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		read_request(stmt, &r);
		if (visit(arg, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		sqlite_log_error(s, "request_list");
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sqlite_request_insert(struct store *st, struct access_request *r, const unsigned char hash[TOKEN_HASH_LEN])
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_REQUEST_INSERT);
	if (stmt == NULL)
		return -1;
	sqlite_bind_text(stmt, 1, r->id);
	sqlite3_bind_blob(stmt, 2, hash, TOKEN_HASH_LEN, SQLITE_STATIC);
	sqlite_bind_opt(stmt, 3, r->reference);
	sqlite3_bind_int(stmt, 4, r->installation_type);
	sqlite_bind_opt(stmt, 5, r->installation_id);
	sqlite_bind_text(stmt, 6, r->partner_name);
	sqlite_bind_text(stmt, 7, r->lang);
	sqlite3_bind_int(stmt, 8, r->show_existing);
	sqlite_bind_opt(stmt, 9, r->return_to);
	sqlite3_bind_int64(stmt, 10, r->created_at);
	sqlite3_bind_int64(stmt, 11, r->expires_at);
	sqlite3_bind_int(stmt, 12, r->lang_given);
	sqlite3_bind_int64(stmt, 13, r->ttl);
	if (sqlite_step_write(s, stmt, "request_insert", NULL) != 0)
		return -1;
	r->seq = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int sqlite_request_set_token(struct store *st, int64_t seq, const unsigned char hash[TOKEN_HASH_LEN],
			     int64_t expires_at)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_REQUEST_SET_TOKEN);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, seq);
	sqlite3_bind_blob(stmt, 2, hash, TOKEN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, expires_at);
	return sqlite_step_write(s, stmt, "request_reissue", NULL);
}

int sqlite_request_mark_opened(struct store *st, int64_t seq, int64_t now, int *changed)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_REQUEST_SET_OPENED);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, seq);
	sqlite3_bind_int64(stmt, 2, now);
	return sqlite_step_write(s, stmt, "request_open", changed);
}

int sqlite_request_complete(struct store *st, int64_t seq, const char *status, int success,
			    const char *installation_id, int64_t now)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_REQUEST_COMPLETE);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, seq);
	sqlite_bind_text(stmt, 2, status);
	sqlite3_bind_int64(stmt, 3, now);
	sqlite3_bind_int(stmt, 4, success);
	sqlite_bind_text(stmt, 5, installation_id);
	return sqlite_step_write(s, stmt, "request_complete", NULL);
}

int sqlite_request_cancel(struct store *st, int64_t seq, int *changed)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_REQUEST_CANCEL);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, seq);
	return sqlite_step_write(s, stmt, "request_cancel", changed);
}

int sqlite_request_list_due_expiry(struct store *st, int64_t now, long limit,
				   int (*visit)(void *arg, int64_t seq, const char *id, const char *reference),
				   void *arg)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_REQUEST_DUE_EXPIRY);
	int rc;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_int64(stmt, 2, limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (visit(arg, sqlite3_column_int64(stmt, 0), (const char *)sqlite3_column_text(stmt, 1),
			  (const char *)sqlite3_column_text(stmt, 2)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		sqlite_log_error(s, "request_due_expiry");
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sqlite_request_expire(struct store *st, int64_t seq)
{
	struct sqlite_store *s = sqlite_of(st);
	sqlite3_stmt *stmt = sqlite_stmt(s, STMT_REQUEST_SET_EXPIRED);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, seq);
	return sqlite_step_write(s, stmt, "request_expire", NULL);
}

int sqlite_visit_counts(struct sqlite_store *s, enum sqlite_stmt id,
			int (*visit)(void *arg, const char *status, long long n), void *arg)
{
	sqlite3_stmt *stmt = sqlite_stmt(s, id);
	int rc;

	if (stmt == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(stmt, 0);
		if (status && visit(arg, status, sqlite3_column_int64(stmt, 1)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		sqlite_log_error(s, "count_by_status");
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sqlite_request_count_by_status(struct store *st, int (*visit)(void *arg, const char *status, long long n),
				   void *arg)
{
	return sqlite_visit_counts(sqlite_of(st), STMT_REQUEST_COUNT_BY_STATUS, visit, arg);
}
