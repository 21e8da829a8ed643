/*
 * testutil.c — the in-process daemon and HTTP client of the tests.
 */
#include <check.h>
#include <curl/curl.h>
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

	snprintf(path, sizeof path, "%s/accessd.conf", t.dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"lookup_key = BSJG\n"
		"%s"
		"partner_name = Acme Energy\n"
		"listen = 127.0.0.1:0\n"
		"admin_listen = 127.0.0.1:0\n"
		"database = %s/accessd.db\n"
		"api_token_file = %s/api-token\n"
		"threads = 2\n"
		"log_level = %s\n"
		"%s",
		extra_config && strstr(extra_config, "public_url =") ? "" : "public_url = https://partner.example/base/\n",
		t.dir, t.dir, getenv("TEST_LOG") ? "debug" : "error", extra_config ? extra_config : "");
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

/* Runs sql on a fresh connection and steps to its first row. */
static sqlite3_stmt *query(sqlite3 **db, const char *sql)
{
	char path[512];
	sqlite3_stmt *stmt = NULL;
	snprintf(path, sizeof path, "%s/accessd.db", t.dir);
	ck_assert_int_eq(sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(*db, 5000);
	ck_assert_msg(sqlite3_prepare_v2(*db, sql, -1, &stmt, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(*db));
	ck_assert_msg(sqlite3_step(stmt) == SQLITE_ROW, "%s: no row", sql);
	return stmt;
}

long long test_db_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *stmt = query(&db, sql);
	long long v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

void test_db_exec(const char *sql)
{
	char path[512];
	sqlite3 *db;
	char *err = NULL;
	snprintf(path, sizeof path, "%s/accessd.db", t.dir);
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK, "%s: %s", sql, err);
	sqlite3_close(db);
}

const char *test_db_text(const char *sql)
{
	static char value[4096];
	sqlite3 *db;
	sqlite3_stmt *stmt = query(&db, sql);
	const unsigned char *s = sqlite3_column_text(stmt, 0);
	if (s)
		snprintf(value, sizeof value, "%s", (const char *)s);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return s ? value : NULL;
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
