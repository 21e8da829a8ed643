/*
 * webhook_http.h — one endpoint's HTTP client for deliveries, on libcurl: a
 * handle kept per endpoint, so its connection stays open between deliveries.
 *
 * Every attempt is bounded: 15 s in all (10 s to connect), no redirect
 * followed, http and https only, at most 64 KiB of the answer read (a larger
 * one is cut off: its status still counts), and an attempt stops at once
 * when the daemon stops.
 */
#ifndef ACCESSD_WEBHOOK_HTTP_H
#define ACCESSD_WEBHOOK_HTTP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_HTTP_TIMEOUT_MS 15000

struct webhook_http;

/* What one attempt got. */
struct webhook_attempt {
	int status;           /* the HTTP status, 0 when nothing answered */
	char error[160];      /* why it is not a delivery; "" for a 2xx */
	int64_t retry_after;  /* seconds a 429 or 503 asked to wait, 0 if none */
	double seconds;       /* how long the attempt took */
};

/* A client that gives up an attempt as soon as *stop is set. NULL when
 * libcurl cannot make a handle. */
struct webhook_http *webhook_http_new(const atomic_int *stop);

/* Closes the connection; accepts NULL. */
void webhook_http_free(struct webhook_http *h);

/* POSTs body (len bytes, JSON) to url with the Standard Webhooks headers:
 * webhook-id id, webhook-timestamp timestamp, webhook-signature signatures
 * (space-separated), and fills out. */
void webhook_http_post(struct webhook_http *h, const char *url, const char *id, int64_t timestamp,
		       const char *signatures, const char *body, size_t len, struct webhook_attempt *out);

#endif
