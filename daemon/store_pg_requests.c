/*
 * store_pg_requests.c — the PostgreSQL engine's operations on access requests.
 */
#include <stdio.h>
#include <string.h>

#include "store_pg.h"

/* Reads row `row` of a result that selects REQUEST_COLUMNS. */
static void read_request(const PGresult *res, int row, struct access_request *r)
{
	memset(r, 0, sizeof *r);
	r->seq = pg_int(res, row, 0, 0);
	pg_copy_text(r->id, sizeof r->id, res, row, 1);
	pg_copy_text(r->reference, sizeof r->reference, res, row, 2);
	r->installation_type = (int)pg_int(res, row, 3, 0);
	pg_copy_text(r->installation_id, sizeof r->installation_id, res, row, 4);
	pg_copy_text(r->partner_name, sizeof r->partner_name, res, row, 5);
	pg_copy_text(r->lang, sizeof r->lang, res, row, 6);
	r->show_existing = (int)pg_int(res, row, 7, 0);
	pg_copy_text(r->return_to, sizeof r->return_to, res, row, 8);
	pg_copy_text(r->status, sizeof r->status, res, row, 9);
	r->created_at = pg_int(res, row, 10, 0);
	r->expires_at = pg_int(res, row, 11, 0);
	r->opened_at = pg_int(res, row, 12, 0);
	r->completed_at = pg_int(res, row, 13, 0);
	r->result_success = (int)pg_int(res, row, 14, -1);
	pg_copy_text(r->result_installation_id, sizeof r->result_installation_id, res, row, 15);
	r->lang_given = (int)pg_int(res, row, 16, 0);
	r->ttl = pg_int(res, row, 17, 0);
}

/* Runs a lookup; fills r from its one row. */
static int find_one(struct pg_store *s, enum pg_stmt id, const struct pg_params *p, struct access_request *r)
{
	PGresult *res = pg_run(s, id, p, "request_find");
	if (res == NULL)
		return -1;
	int found = PQntuples(res) > 0;
	if (found)
		read_request(res, 0, r);
	PQclear(res);
	return found;
}

int pg_request_find_by_id(struct store *st, const char *id, struct access_request *r)
{
	struct pg_params p = { 0 };
	pg_param_text(&p, id);
	return find_one(pg_of(st), PG_REQUEST_BY_ID, &p, r);
}

int pg_request_find_by_token(struct store *st, const unsigned char hash[TOKEN_HASH_LEN], struct access_request *r)
{
	struct pg_params p = { 0 };
	pg_param_bytes(&p, hash, TOKEN_HASH_LEN);
	return find_one(pg_of(st), PG_REQUEST_BY_TOKEN, &p, r);
}

int pg_request_list(struct store *st, int64_t before_seq, const char *reference, const char *status, int64_t now,
		    long limit, int (*visit)(void *arg, const struct access_request *r), void *arg)
{
	struct pg_params p = { 0 };
	struct access_request r;
	pg_param_int(&p, before_seq);
	pg_param_text(&p, reference);
	pg_param_text(&p, status);
	pg_param_int(&p, now);
	pg_param_int(&p, limit);
	PGresult *res = pg_run(pg_of(st), PG_REQUEST_LIST, &p, "request_list");
	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		read_request(res, i, &r);
		if (visit(arg, &r) != 0)
			break;
	}
	PQclear(res);
	return 0;
}

int pg_request_insert(struct store *st, struct access_request *r, const unsigned char hash[TOKEN_HASH_LEN])
{
	struct pg_params p = { 0 };
	pg_param_text(&p, r->id);
	pg_param_bytes(&p, hash, TOKEN_HASH_LEN);
	pg_param_opt(&p, r->reference);
	pg_param_int(&p, r->installation_type);
	pg_param_opt(&p, r->installation_id);
	pg_param_text(&p, r->partner_name);
	pg_param_text(&p, r->lang);
	pg_param_int(&p, r->show_existing);
	pg_param_opt(&p, r->return_to);
	pg_param_int(&p, r->created_at);
	pg_param_int(&p, r->expires_at);
	pg_param_int(&p, r->lang_given);
	pg_param_int(&p, r->ttl);
	PGresult *res = pg_run(pg_of(st), PG_REQUEST_INSERT, &p, "request_insert");
	if (res == NULL)
		return -1;
	r->seq = pg_int(res, 0, 0, 0);
	PQclear(res);
	return 0;
}

int pg_request_set_token(struct store *st, int64_t seq, const unsigned char hash[TOKEN_HASH_LEN], int64_t expires_at)
{
	struct pg_params p = { 0 };
	pg_param_int(&p, seq);
	pg_param_bytes(&p, hash, TOKEN_HASH_LEN);
	pg_param_int(&p, expires_at);
	store_changes_note_request(&pg_of(st)->changes, seq);
	return pg_run_write(pg_of(st), PG_REQUEST_SET_TOKEN, &p, "request_reissue", NULL);
}

int pg_request_mark_opened(struct store *st, int64_t seq, int64_t now, int *changed)
{
	struct pg_params p = { 0 };
	pg_param_int(&p, seq);
	pg_param_int(&p, now);
	store_changes_note_request(&pg_of(st)->changes, seq);
	return pg_run_write(pg_of(st), PG_REQUEST_SET_OPENED, &p, "request_open", changed);
}

int pg_request_complete(struct store *st, int64_t seq, const char *status, int success, const char *installation_id,
			int64_t now)
{
	struct pg_params p = { 0 };
	pg_param_int(&p, seq);
	pg_param_text(&p, status);
	pg_param_int(&p, now);
	pg_param_int(&p, success);
	pg_param_text(&p, installation_id);
	store_changes_note_request(&pg_of(st)->changes, seq);
	return pg_run_write(pg_of(st), PG_REQUEST_COMPLETE, &p, "request_complete", NULL);
}

int pg_request_cancel(struct store *st, int64_t seq, int *changed)
{
	struct pg_params p = { 0 };
	pg_param_int(&p, seq);
	store_changes_note_request(&pg_of(st)->changes, seq);
	return pg_run_write(pg_of(st), PG_REQUEST_CANCEL, &p, "request_cancel", changed);
}

int pg_request_list_due_expiry(struct store *st, int64_t now, long limit,
			       int (*visit)(void *arg, int64_t seq, const char *id, const char *reference), void *arg)
{
	struct pg_params p = { 0 };
	pg_param_int(&p, now);
	pg_param_int(&p, limit);
	PGresult *res = pg_run(pg_of(st), PG_REQUEST_DUE_EXPIRY, &p, "request_due_expiry");
	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *reference = PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2);
		if (visit(arg, pg_int(res, i, 0, 0), pg_text(res, i, 1), reference) != 0)
			break;
	}
	PQclear(res);
	return 0;
}

int pg_request_expire(struct store *st, int64_t seq)
{
	struct pg_params p = { 0 };
	pg_param_int(&p, seq);
	store_changes_note_request(&pg_of(st)->changes, seq);
	return pg_run_write(pg_of(st), PG_REQUEST_SET_EXPIRED, &p, "request_expire", NULL);
}

int pg_visit_counts(struct pg_store *s, enum pg_stmt id, int (*visit)(void *arg, const char *status, long long n),
		    void *arg)
{
	PGresult *res = pg_run(s, id, NULL, "count_by_status");
	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		if (!PQgetisnull(res, i, 0) && visit(arg, PQgetvalue(res, i, 0), pg_int(res, i, 1, 0)) != 0)
			break;
	PQclear(res);
	return 0;
}

int pg_request_count_by_status(struct store *st, int (*visit)(void *arg, const char *status, long long n),
			       void *arg)
{
	return pg_visit_counts(pg_of(st), PG_REQUEST_COUNT_BY_STATUS, visit, arg);
}
