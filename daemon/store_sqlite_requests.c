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

static int read_request_row(sqlite3_stmt *stmt, void *r)
{
	read_request(stmt, r);
	return 0;
}

int sqlite_request_find_by_id(struct store *st, const char *id, struct access_request *r)
{
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, id);
	return sqlite_run_one(sqlite_of(st), STMT_REQUEST_BY_ID, &p, "request_find", read_request_row, r);
}

int sqlite_request_find_by_token(struct store *st, const unsigned char hash[TOKEN_HASH_LEN],
				 struct access_request *r)
{
	struct sqlite_params p = { 0 };
	sqlite_param_blob(&p, hash, TOKEN_HASH_LEN);
	return sqlite_run_one(sqlite_of(st), STMT_REQUEST_BY_TOKEN, &p, "request_find", read_request_row, r);
}

/* A list's visitor, called with each request read. */
struct request_visit {
	int (*visit)(void *arg, const struct access_request *r);
	void *arg;
};

static int visit_request_row(sqlite3_stmt *stmt, void *ctx)
{
	struct request_visit *v = ctx;
	struct access_request r;
	read_request(stmt, &r);
	return v->visit(v->arg, &r);
}

int sqlite_request_list(struct store *st, int64_t before_seq, const char *reference, const char *status,
			int64_t now, long limit, int (*visit)(void *arg, const struct access_request *r), void *arg)
{
	struct request_visit v = { visit, arg };
	struct sqlite_params p = { 0 };
	sqlite_param_int(&p, before_seq);
	sqlite_param_text(&p, reference);
	sqlite_param_text(&p, status);
	sqlite_param_int(&p, now);
	sqlite_param_int(&p, limit);
	return sqlite_run_rows(sqlite_of(st), STMT_REQUEST_LIST, &p, "request_list", visit_request_row, &v);
}

int sqlite_request_insert(struct store *st, struct access_request *r, const unsigned char hash[TOKEN_HASH_LEN])
{
	struct sqlite_store *s = sqlite_of(st);
	struct sqlite_params p = { 0 };
	sqlite_param_text(&p, r->id);
	sqlite_param_blob(&p, hash, TOKEN_HASH_LEN);
	sqlite_param_opt(&p, r->reference);
	sqlite_param_int(&p, r->installation_type);
	sqlite_param_opt(&p, r->installation_id);
	sqlite_param_text(&p, r->partner_name);
	sqlite_param_text(&p, r->lang);
	sqlite_param_int(&p, r->show_existing);
	sqlite_param_opt(&p, r->return_to);
	sqlite_param_int(&p, r->created_at);
	sqlite_param_int(&p, r->expires_at);
	sqlite_param_int(&p, r->lang_given);
	sqlite_param_int(&p, r->ttl);
	if (sqlite_run_write(s, STMT_REQUEST_INSERT, &p, "request_insert", NULL) != 0)
		return -1;
	r->seq = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int sqlite_request_set_token(struct store *st, int64_t seq, const unsigned char hash[TOKEN_HASH_LEN],
			     int64_t expires_at)
{
	struct sqlite_params p = { 0 };
	sqlite_param_int(&p, seq);
	sqlite_param_blob(&p, hash, TOKEN_HASH_LEN);
	sqlite_param_int(&p, expires_at);
	return sqlite_run_write(sqlite_of(st), STMT_REQUEST_SET_TOKEN, &p, "request_reissue", NULL);
}

int sqlite_request_mark_opened(struct store *st, int64_t seq, int64_t now, int *changed)
{
	struct sqlite_params p = { 0 };
	sqlite_param_int(&p, seq);
	sqlite_param_int(&p, now);
	return sqlite_run_write(sqlite_of(st), STMT_REQUEST_SET_OPENED, &p, "request_open", changed);
}

int sqlite_request_complete(struct store *st, int64_t seq, const char *status, int success,
			    const char *installation_id, int64_t now)
{
	struct sqlite_params p = { 0 };
	sqlite_param_int(&p, seq);
	sqlite_param_text(&p, status);
	sqlite_param_int(&p, now);
	sqlite_param_int(&p, success);
	sqlite_param_text(&p, installation_id);
	return sqlite_run_write(sqlite_of(st), STMT_REQUEST_COMPLETE, &p, "request_complete", NULL);
}

int sqlite_request_cancel(struct store *st, int64_t seq, int *changed)
{
	struct sqlite_params p = { 0 };
	sqlite_param_int(&p, seq);
	return sqlite_run_write(sqlite_of(st), STMT_REQUEST_CANCEL, &p, "request_cancel", changed);
}

/* The expiry pass's visitor, called with each request due. */
struct expiry_visit {
	int (*visit)(void *arg, int64_t seq, const char *id, const char *reference);
	void *arg;
};

static int visit_expiry_row(sqlite3_stmt *stmt, void *ctx)
{
	struct expiry_visit *v = ctx;
	return v->visit(v->arg, sqlite3_column_int64(stmt, 0), (const char *)sqlite3_column_text(stmt, 1),
			(const char *)sqlite3_column_text(stmt, 2));
}

int sqlite_request_list_due_expiry(struct store *st, int64_t now, long limit,
				   int (*visit)(void *arg, int64_t seq, const char *id, const char *reference),
				   void *arg)
{
	struct expiry_visit v = { visit, arg };
	struct sqlite_params p = { 0 };
	sqlite_param_int(&p, now);
	sqlite_param_int(&p, limit);
	return sqlite_run_rows(sqlite_of(st), STMT_REQUEST_DUE_EXPIRY, &p, "request_due_expiry", visit_expiry_row,
			       &v);
}

int sqlite_request_expire(struct store *st, int64_t seq)
{
	struct sqlite_params p = { 0 };
	sqlite_param_int(&p, seq);
	return sqlite_run_write(sqlite_of(st), STMT_REQUEST_SET_EXPIRED, &p, "request_expire", NULL);
}

/* A count's visitor, called with each status and its number. */
struct count_visit {
	int (*visit)(void *arg, const char *status, long long n);
	void *arg;
};

static int visit_count_row(sqlite3_stmt *stmt, void *ctx)
{
	struct count_visit *v = ctx;
	const char *status = (const char *)sqlite3_column_text(stmt, 0);
	return status ? v->visit(v->arg, status, sqlite3_column_int64(stmt, 1)) : 0;
}

int sqlite_visit_counts(struct sqlite_store *s, enum sqlite_stmt id,
			int (*visit)(void *arg, const char *status, long long n), void *arg)
{
	struct count_visit v = { visit, arg };
	return sqlite_run_rows(s, id, NULL, "count_by_status", visit_count_row, &v);
}

int sqlite_request_count_by_status(struct store *st, int (*visit)(void *arg, const char *status, long long n),
				   void *arg)
{
	return sqlite_visit_counts(sqlite_of(st), STMT_REQUEST_COUNT_BY_STATUS, visit, arg);
}
