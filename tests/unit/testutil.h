/*
 * testutil.h — what the HTTP tests share: the whole daemon started in-process
 * on loopback port 0 with a configuration of the test's own, libcurl requests
 * against it, and reads of its database.
 *
 * Check forks each test, so every test gets a fresh daemon and database from a
 * checked fixture: tcase_add_checked_fixture(tc, test_server_setup, test_server_teardown).
 */
#ifndef ACCESSD_TESTUTIL_H
#define ACCESSD_TESTUTIL_H

#include <jansson.h>
#include <stddef.h>

#define TEST_TOKEN "test-admin-token-0123456789abcdef"

struct test_response {
	long status;
	char *body;
	size_t body_len;
	char *headers;        /* the raw response headers */
	long connects;        /* new connections libcurl opened for this request */
};

/* Starts the daemon with the base test configuration plus extra_config lines
 * (may be NULL; a public_url there replaces the base one). Fails the test when
 * it does not start. */
void test_server_start(const char *extra_config);

/* Stops the daemon and starts it again on the same configuration and
 * database (on new ports), as a restart of the service would. */
void test_server_restart(void);

/* Stops the daemon as SIGTERM would, leaving its files in place. */
void test_server_stop(void);

/* The checked fixtures: start with no extra configuration, and stop. */
void test_server_setup(void);
void test_server_teardown(void);

/* The temporary directory of this test (database, token file, config). */
const char *test_dir(void);

/* Full URLs on the public and admin listeners for path. Static buffers that the
 * next call of the same function overwrites. */
const char *test_public_url(const char *path);
const char *test_admin_url(const char *path);

/*
 * Sends a request. headers is NULL-ended ("Name: value" strings), body may be
 * NULL. With auth, the admin bearer token is added. Redirects are not followed.
 * The response must be released with test_response_free(). Requests of one test
 * share a connection when keep-alive allows.
 */
void test_http(struct test_response *resp, const char *method, const char *url, const char *const *headers,
	       const char *body, int auth);

/* Shorthands: GET or POST a JSON body on the admin listener, with the token. */
void test_admin_get(struct test_response *resp, const char *path);
void test_admin_post(struct test_response *resp, const char *path, const char *json_body);

/* A response header's value (case-insensitive name), copied into a static buffer;
 * NULL when absent. */
const char *test_header(const struct test_response *resp, const char *name);

/* The body parsed as JSON (new reference); fails the test when it is not JSON. */
json_t *test_json(const struct test_response *resp);

void test_response_free(struct test_response *resp);

/* Runs a query returning one integer on the daemon's database (its own
 * connection). Fails the test on an SQL error. */
long long test_db_int(const char *sql);

/* Runs a statement that changes the daemon's database behind its back (to
 * move a time into the past, say), on a connection of the test's own. Fails the
 * test on an SQL error. */
void test_db_exec(const char *sql);

/* The same for one text value, copied into a static buffer; NULL for SQL NULL. */
const char *test_db_text(const char *sql);

/* The test's database: a file in dir, or, when ACCESSD_TEST_PG holds the URI
 * of a PostgreSQL database (tests/with-postgresql.sh), a schema of the test's
 * own in it, with the few SQLite functions the tests' SQL uses. Writes the
 * daemon's `database` value, and the schema's name ("" on SQLite). */
void test_database_create(const char *dir, char *database, size_t cap, char *schema, size_t schema_cap);
void test_database_drop(const char *schema);

/* Whether the tests run on PostgreSQL. */
int test_on_postgresql(void);

/* The daemon's `database` value for the running test. */
const char *test_database(void);

/* Creates an access request through the API with the given JSON body and
 * returns the token of its connect link (static buffer) and its id in id_out
 * (37 bytes) when not NULL. */
const char *test_create_request(const char *json_body, char *id_out);

#endif
