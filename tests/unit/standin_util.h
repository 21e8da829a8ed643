/*
 * standin_util.h — the Zaptec stand-in (tests/zaptec-standin/standin.py) as a
 * subprocess of a test: started on a loopback port of its own, its control
 * endpoints called, and stopped.
 */
#ifndef ACCESSD_STANDIN_UTIL_H
#define ACCESSD_STANDIN_UTIL_H

#include <jansson.h>

/* The fixture's partner group, its service account, and installations it has. */
#define STANDIN_LOOKUP_KEY "BSJG"
#define STANDIN_USERNAME "svc-acme@example.test"
#define STANDIN_PASSWORD "acme-service-secret"
#define STANDIN_GRANTED_ID "c2fb90d7-e8df-46d1-90f8-e54c9f57ee04"  /* Alice Cabin, granted in the fixture */
#define STANDIN_UNSHARED_ID "0f64077e-cf73-43c7-900c-b0f9efb717c5" /* Bob's, never granted */
#define STANDIN_UNKNOWN_ID "9a1e2b3c-4d5e-4f60-8172-839405a6b7c8"  /* no installation has it */

/* Starts the stand-in with the fixture and extra command-line arguments
 * (NULL-ended; NULL for none) and waits, with a deadline, for its port. It dies
 * with the test process. Fails the test when it does not come up. Returns its
 * base URL, "http://127.0.0.1:<port>" (static). */
const char *standin_start(const char *const *args);

/* Stops it (SIGTERM, then waits) and removes its files; does nothing when it
 * is not running. */
void standin_stop(void);

/* Calls a control endpoint (/_standin/<name>): a POST of body, or a GET when
 * body is NULL. The answer must be a 200 with JSON, which is returned (new
 * reference). */
json_t *standin_control(const char *name, const char *body);

/* The stand-in's count of successful logins. */
long standin_logins(void);

/* How many API requests the stand-in answered with status. */
int standin_requests_with_status(int status);

/* CLOCK_MONOTONIC in seconds, for deadlines. */
double standin_now(void);

/* Sleeps 20 ms: the step of a poll with a deadline. */
void standin_pause(void);

#endif
