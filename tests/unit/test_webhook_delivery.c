/*
 * test_webhook_delivery.c — deliveries with the whole daemon in-process, to a
 * receiver thread of the test's own on loopback port 0, so that the delivery
 * threads, libcurl and the writer's wake-up run under the sanitizer and
 * valgrind builds too: a delivery's headers, body and signature; the cursor;
 * a 410 disabling the endpoint. The end-to-end suite (tests/webhooks) covers
 * the rest.
 */
#include <arpa/inet.h>
#include <check.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "standin_util.h"
#include "testutil.h"
#include "webhook_sign.h"

Suite *webhook_delivery_suite(void);

#define DEADLINE 20.0

/* The receiver: answers every request with `status` on a kept-alive
 * connection and keeps the last request's head and body. */
static struct {
	int fd, port, status;
	pthread_t thread;
	pthread_mutex_t lock;
	int requests;
	char head[8192];
	char body[8192];
} rx = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Reads one request (head, then Content-Length bytes) from c into rx.
 * Returns 0, or -1 when the peer closed. */
static int read_request(int c)
{
	char buf[16384];
	size_t n = 0;
	char *end = NULL;

	while (end == NULL) {
		ssize_t got = recv(c, buf + n, sizeof buf - 1 - n, 0);
		if (got <= 0)
			return -1;
		n += (size_t)got;
		buf[n] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	size_t head_len = (size_t)(end - buf) + 4;
	const char *cl = strcasestr(buf, "\r\nContent-Length:");
	size_t want = cl ? strtoul(cl + 17, NULL, 10) : 0;
	while (n - head_len < want) {
		ssize_t got = recv(c, buf + n, sizeof buf - 1 - n, 0);
		if (got <= 0)
			return -1;
		n += (size_t)got;
	}
	buf[n] = '\0';
	pthread_mutex_lock(&rx.lock);
	snprintf(rx.head, sizeof rx.head, "%.*s", (int)head_len, buf);
	snprintf(rx.body, sizeof rx.body, "%.*s", (int)want, buf + head_len);
	rx.requests++;
	pthread_mutex_unlock(&rx.lock);
	return 0;
}

static void *receiver_main(void *unused)
{
	(void)unused;
	for (;;) {
		int c = accept(rx.fd, NULL, NULL);
		if (c < 0)
			return NULL;
		while (read_request(c) == 0) {
			char answer[128];
			int len = snprintf(answer, sizeof answer, "HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n", rx.status);
			if (send(c, answer, (size_t)len, MSG_NOSIGNAL) != len)
				break;
		}
		close(c);
	}
}

static void receiver_start(int status)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;

	rx.status = status;
	rx.requests = 0;
	rx.fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(rx.fd, 0);
	ck_assert_int_eq(bind(rx.fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(rx.fd, 8), 0);
	ck_assert_int_eq(getsockname(rx.fd, (struct sockaddr *)&a, &len), 0);
	rx.port = ntohs(a.sin_port);
	ck_assert_int_eq(pthread_create(&rx.thread, NULL, receiver_main, NULL), 0);
}

static int received(void)
{
	pthread_mutex_lock(&rx.lock);
	int n = rx.requests;
	pthread_mutex_unlock(&rx.lock);
	return n;
}

/* A header's value in the last request (static), or NULL. */
static const char *rx_header(const char *name)
{
	static char value[512];
	char key[64];
	snprintf(key, sizeof key, "\r\n%s: ", name);
	const char *p = strcasestr(rx.head, key);
	if (p == NULL)
		return NULL;
	p += strlen(key);
	snprintf(value, sizeof value, "%.*s", (int)strcspn(p, "\r"), p);
	return value;
}

/* Creates an endpoint for the receiver; returns its secret (static). */
static const char *create_endpoint(char id[64])
{
	static char secret[WEBHOOK_SECRET_LEN + 1];
	char body[128];
	struct test_response r;

	snprintf(body, sizeof body, "{\"url\":\"http://127.0.0.1:%d/hook\"}", rx.port);
	test_admin_post(&r, "/api/v1/webhook-endpoints", body);
	ck_assert_int_eq(r.status, 201);
	json_t *j = test_json(&r);
	snprintf(secret, sizeof secret, "%s", json_string_value(json_object_get(j, "secret")));
	snprintf(id, 64, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	test_response_free(&r);
	return secret;
}

static void teardown(void)
{
	test_server_teardown();
	/* The daemon's connections are closed now; this ends accept(). */
	shutdown(rx.fd, SHUT_RDWR);
	close(rx.fd);
	pthread_join(rx.thread, NULL);
}

START_TEST(test_an_event_is_delivered_signed_and_the_cursor_moves)
{
	char id[64], sig[WEBHOOK_SIGNATURE_LEN + 1];

	receiver_start(204);
	test_server_start(NULL);
	const char *secret = create_endpoint(id);
	test_create_request("{\"reference\":\"hook\"}", NULL);
	double deadline = standin_now() + DEADLINE;
	while (received() < 1 && standin_now() < deadline)
		standin_pause();
	ck_assert_int_eq(received(), 1);
	pthread_mutex_lock(&rx.lock);
	ck_assert_str_eq(rx_header("webhook-id"), "evt_1");
	ck_assert_str_eq(rx_header("Content-Type"), "application/json");
	int64_t stamp = strtoll(rx_header("webhook-timestamp"), NULL, 10);
	ck_assert_int_eq(webhook_sign(secret, "evt_1", stamp, rx.body, strlen(rx.body), sig), 0);
	ck_assert_str_eq(rx_header("webhook-signature"), sig);
	json_t *msg = json_loads(rx.body, 0, NULL);
	pthread_mutex_unlock(&rx.lock);
	ck_assert_ptr_nonnull(msg);
	ck_assert_str_eq(json_string_value(json_object_get(msg, "type")), "request.created");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(msg, "data"), "id")), 1);
	json_decref(msg);
	while (test_db_int("SELECT delivered_through FROM webhook_endpoints") != 1 && standin_now() < deadline)
		standin_pause();
	ck_assert_int_eq(test_db_int("SELECT delivered_through FROM webhook_endpoints"), 1);
	ck_assert_int_eq(test_db_int("SELECT last_status FROM webhook_endpoints"), 204);
}
END_TEST

START_TEST(test_gone_disables_the_endpoint_with_an_event)
{
	char id[64], where[256];

	receiver_start(410);
	test_server_start(NULL);
	create_endpoint(id);
	test_create_request("{}", NULL);
	double deadline = standin_now() + DEADLINE;
	while (test_db_int("SELECT enabled FROM webhook_endpoints") != 0 && standin_now() < deadline)
		standin_pause();
	ck_assert_int_eq(test_db_int("SELECT enabled FROM webhook_endpoints"), 0);
	ck_assert_str_eq(test_db_text("SELECT disabled_reason FROM webhook_endpoints"), "gone");
	ck_assert_int_eq(test_db_int("SELECT delivered_through FROM webhook_endpoints"), 0);
	snprintf(where, sizeof where, "SELECT count(*) FROM events WHERE type = 'webhook.endpoint.disabled' "
		 "AND detail = '{\"endpointId\":\"%s\",\"reason\":\"gone\"}'", id);
	ck_assert_int_eq(test_db_int(where), 1);
	ck_assert_int_eq(received(), 1);
}
END_TEST

Suite *webhook_delivery_suite(void)
{
	Suite *s = suite_create("webhook_delivery");
	/* The webhook store is the SQLite engine's only, for now. */
	if (test_on_postgresql())
		return s;
	TCase *tc = tcase_create("delivery");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_an_event_is_delivered_signed_and_the_cursor_moves);
	tcase_add_test(tc, test_gone_disables_the_endpoint_with_an_event);
	suite_add_tcase(s, tc);
	return s;
}
