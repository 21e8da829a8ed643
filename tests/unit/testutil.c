/*
 * testutil.c — the in-process daemon and HTTP client of the tests.
 */
#include <check.h>
#include <ctype.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "server.h"
#include "testutil.h"

static struct {
	char dir[256];
	char database[1024]; /* the daemon's `database` */
	char schema[64];     /* on PostgreSQL: this test's own schema */
	struct config cfg;
	int running;
	CURL *curl;
} t;

void test_server_start(const char *extra_config)
{
	char path[512], err[1024];
	FILE *f;

	snprintf(t.dir, sizeof t.dir, "/tmp/accessd-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t.dir));
	snprintf(path, sizeof path, "%s/api-token", t.dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(TEST_TOKEN "\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0600), 0); /* the daemon refuses a secret others can read */

	test_database_create(t.dir, t.database, sizeof t.database, t.schema, sizeof t.schema);
	snprintf(path, sizeof path, "%s/accessd.conf", t.dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"lookup_key = BSJG\n"
		"%s"
		"partner_name = Acme Energy\n"
		"listen = 127.0.0.1:0\n"
		"admin_listen = 127.0.0.1:0\n"
		"database = %s\n"
		"api_token_file = %s/api-token\n"
		"threads = 2\n"
		"log_level = %s\n"
		"%s",
		extra_config && strstr(extra_config, "public_url =") ? "" : "public_url = https://partner.example/base/\n",
		t.database, t.dir, getenv("TEST_LOG") ? "debug" : "error", extra_config ? extra_config : "");
	fclose(f);

	if (config_load(&t.cfg, path, 1, err, sizeof err) != 0)
		ck_abort_msg("test configuration: %s", err);
	log_init(t.cfg.log_level);
	if (server_start(&t.cfg, err, sizeof err) != 0)
		ck_abort_msg("the daemon did not start: %s", err);
	t.running = 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	t.curl = curl_easy_init();
}

void test_server_restart(void)
{
	char err[1024];

	if (t.running)
		server_stop();
	t.running = 0;
	if (server_start(&t.cfg, err, sizeof err) != 0)
		ck_abort_msg("the daemon did not start again: %s", err);
	t.running = 1;
}

void test_server_stop(void)
{
	if (t.running)
		server_stop();
	t.running = 0;
}

void test_server_setup(void)
{
	test_server_start(NULL);
}

void test_server_teardown(void)
{
	char cmd[300];
	if (t.curl)
		curl_easy_cleanup(t.curl);
	t.curl = NULL;
	if (t.running)
		server_stop();
	t.running = 0;
	config_free(&t.cfg);
	test_database_drop(t.schema);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", t.dir);
	if (t.dir[0] && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", t.dir);
}

const char *test_dir(void)
{
	return t.dir;
}

const char *test_public_url(const char *path)
{
	static char url[4096];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", server_public_port(), path);
	return url;
}

const char *test_admin_url(const char *path)
{
	static char url[4096];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", server_admin_port(), path);
	return url;
}

struct buffer {
	char *data;
	size_t len;
};

static size_t collect(char *ptr, size_t size, size_t n, void *arg)
{
	struct buffer *b = arg;
	size_t add = size * n;
	char *grown = realloc(b->data, b->len + add + 1);
	ck_assert_ptr_nonnull(grown);
	b->data = grown;
	memcpy(b->data + b->len, ptr, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

void test_http(struct test_response *resp, const char *method, const char *url, const char *const *headers,
	       const char *body, int auth)
{
	struct buffer b = { 0 }, h = { 0 };
	struct curl_slist *list = NULL;
	CURL *c = t.curl;

	memset(resp, 0, sizeof *resp);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	for (size_t i = 0; headers && headers[i]; i++)
		list = curl_slist_append(list, headers[i]);
	if (auth)
		list = curl_slist_append(list, "Authorization: Bearer " TEST_TOKEN);
	/* libcurl's own "Expect: 100-continue" would delay larger bodies. */
	list = curl_slist_append(list, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(list);
	ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, url, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &resp->connects);
	resp->body = b.data ? b.data : strdup("");
	resp->body_len = b.len;
	resp->headers = h.data ? h.data : strdup("");
}

void test_admin_get(struct test_response *resp, const char *path)
{
	test_http(resp, "GET", test_admin_url(path), NULL, NULL, 1);
}

void test_admin_post(struct test_response *resp, const char *path, const char *json_body)
{
	static const char *const json[] = { "Content-Type: application/json", NULL };
	test_http(resp, "POST", test_admin_url(path), json, json_body, 1);
}

const char *test_header(const struct test_response *resp, const char *name)
{
	static char value[4096];
	size_t n = strlen(name);
	for (const char *line = resp->headers; line && *line;) {
		const char *end = strstr(line, "\r\n");
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;
			while (*v == ' ')
				v++;
			size_t vlen = len - (size_t)(v - line);
			if (vlen >= sizeof value)
				vlen = sizeof value - 1;
			memcpy(value, v, vlen);
			value[vlen] = '\0';
			return value;
		}
		if (end == NULL)
			break;
		line = end + 2;
	}
	return NULL;
}

json_t *test_json(const struct test_response *resp)
{
	json_error_t error;
	json_t *j = json_loadb(resp->body, resp->body_len, 0, &error);
	ck_assert_msg(j != NULL, "not JSON (%s): %.300s", error.text, resp->body);
	return j;
}

void test_response_free(struct test_response *resp)
{
	free(resp->body);
	free(resp->headers);
	memset(resp, 0, sizeof *resp);
}

/* The functions of SQLite that the tests' SQL uses, for PostgreSQL: the
 * test's schema comes first in the search path, so these win. */
static const char pg_compat[] =
	"CREATE FUNCTION json_extract(t text, path text) RETURNS text LANGUAGE sql IMMUTABLE "
	"AS $$ SELECT (t::jsonb) #>> string_to_array(pg_catalog.substr(path, 3), '.') $$;"
	"CREATE FUNCTION unixepoch() RETURNS bigint LANGUAGE sql "
	"AS $$ SELECT extract(epoch FROM now())::bigint $$;"
	"CREATE FUNCTION substr(t text, start integer) RETURNS text LANGUAGE sql IMMUTABLE "
	"AS $$ SELECT CASE WHEN start < 0 THEN right(t, -start) ELSE pg_catalog.substr(t, start) END $$;";

/* Runs sql on a new connection to conninfo; fails the test on an error. */
static void pg_exec_on(const char *conninfo, const char *sql)
{
	PGconn *conn = PQconnectdb(conninfo);
	ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "%s", PQerrorMessage(conn));
	PGresult *res = PQexec(conn, sql);
	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s",
		      sql, PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(conn);
}

void test_database_create(const char *dir, char *database, size_t cap, char *schema, size_t schema_cap)
{
	const char *base = getenv("ACCESSD_TEST_PG");
	schema[0] = '\0';
	if (base == NULL) {
		snprintf(database, cap, "%s/accessd.db", dir);
		return;
	}
	/* The directory's random suffix names the schema, in lower case. */
	snprintf(schema, schema_cap, "t_%s", strrchr(dir, '-') + 1);
	for (char *c = schema; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	snprintf(database, cap, "%s&options=-csearch_path%%3D%s%%2Cpg_catalog", base, schema);
	char sql[2048];
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s; SET search_path = %s, pg_catalog; %s", schema, schema,
		 pg_compat);
	pg_exec_on(base, sql);
}

void test_database_drop(const char *schema)
{
	const char *base = getenv("ACCESSD_TEST_PG");
	char sql[128];
	if (base == NULL || schema[0] == '\0')
		return;
	snprintf(sql, sizeof sql, "SET client_min_messages = warning; DROP SCHEMA %s CASCADE", schema);
	pg_exec_on(base, sql);
}

int test_on_postgresql(void)
{
	return getenv("ACCESSD_TEST_PG") != NULL;
}

/* The first column of the first row of sql, as text (NULL for NULL), on a new
 * connection to the test's database; fails the test on an error or no row. */
static const char *query_value(const char *sql, int want_row)
{
	static char value[4096];
	const char *out = NULL;

	if (test_on_postgresql()) {
		PGconn *conn = PQconnectdb(t.database);
		ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "%s", PQerrorMessage(conn));
		PGresult *res = PQexec(conn, sql);
		ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK,
			      "%s: %s", sql, PQresultErrorMessage(res));
		if (want_row) {
			ck_assert_msg(PQntuples(res) > 0, "%s: no row", sql);
			if (!PQgetisnull(res, 0, 0)) {
				/* Booleans read as SQLite's integers. */
				const char *v = PQgetvalue(res, 0, 0);
				snprintf(value, sizeof value, "%s",
					 PQftype(res, 0) == 16 ? (v[0] == 't' ? "1" : "0") : v);
				out = value;
			}
		}
		PQclear(res);
		PQfinish(conn);
		return out;
	}
	sqlite3 *db;
	sqlite3_stmt *stmt = NULL;
	char *err = NULL;
	ck_assert_int_eq(sqlite3_open_v2(t.database, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (!want_row) {
		ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK, "%s: %s", sql, err);
		sqlite3_close(db);
		return NULL;
	}
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	ck_assert_msg(sqlite3_step(stmt) == SQLITE_ROW, "%s: no row", sql);
	const unsigned char *s = sqlite3_column_text(stmt, 0);
	if (s) {
		snprintf(value, sizeof value, "%s", (const char *)s);
		out = value;
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return out;
}

long long test_db_int(const char *sql)
{
	const char *v = query_value(sql, 1);
	return v ? strtoll(v, NULL, 10) : 0;
}

void test_db_exec(const char *sql)
{
	query_value(sql, 0);
}

const char *test_db_text(const char *sql)
{
	return query_value(sql, 1);
}

const char *test_database(void)
{
	return t.database;
}

const char *test_create_request(const char *json_body, char *id_out)
{
	static char token[64];
	struct test_response r;
	test_admin_post(&r, "/api/v1/access-requests", json_body);
	ck_assert_msg(r.status == 201, "create: %ld %s", r.status, r.body);
	json_t *j = test_json(&r);
	const char *connect = json_string_value(json_object_get(j, "connectUrl"));
	ck_assert_ptr_nonnull(connect);
	const char *slash = strrchr(connect, '/');
	snprintf(token, sizeof token, "%s", slash + 1);
	if (id_out)
		snprintf(id_out, 37, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	test_response_free(&r);
	return token;
}
