/*
 * zaptec_http.h — the one way the daemon talks to Zaptec's API: a libcurl handle
 * with timeouts and a User-Agent, the rate limits every call passes through, and
 * counters of calls for /metrics.
 *
 * Limits, kept before each call: at most ZAPTEC_HTTP_CALLS_PER_WINDOW calls in
 * any ZAPTEC_HTTP_CALL_WINDOW seconds across everything the daemon sends, and
 * for the list endpoint also at most 30 calls a minute. A 429 holds every later
 * call for its Retry-After. A connection takes at most 5 s to open and a call
 * at most 15 s in all; redirects are not followed; only http and https are spoken.
 *
 * A struct zaptec_http is used by one thread at a time; its counters may be read
 * and zaptec_http_stop() called from any thread.
 */
#ifndef ACCESSD_ZAPTEC_HTTP_H
#define ACCESSD_ZAPTEC_HTTP_H

#include <stddef.h>

/* 10 in any second as the server sees it; the extra 0.1 s covers the server
 * stamping a request a little after it answered, which the stand-in does. */
#define ZAPTEC_HTTP_CALLS_PER_WINDOW 10
#define ZAPTEC_HTTP_CALL_WINDOW 1.1
#define ZAPTEC_HTTP_LIST_CALLS_PER_MINUTE 30
/* The longest Retry-After honoured; a longer one is taken as this, so a broken
 * header cannot stop verification for a day. */
#define ZAPTEC_HTTP_MAX_RETRY_AFTER 300

/* What a call was for, as /metrics labels it. */
enum zaptec_http_endpoint {
	ZAPTEC_HTTP_TOKEN,         /* POST /oauth/token */
	ZAPTEC_HTTP_INSTALLATION,  /* GET /api/installation/{id} */
	ZAPTEC_HTTP_INSTALLATIONS, /* GET /api/installation (the list) */
	ZAPTEC_HTTP_ENDPOINT_COUNT
};

/* How a call ended: the class of its status, or no answer at all. */
enum zaptec_http_outcome {
	ZAPTEC_HTTP_2XX,
	ZAPTEC_HTTP_3XX,
	ZAPTEC_HTTP_4XX,
	ZAPTEC_HTTP_5XX,
	ZAPTEC_HTTP_NO_ANSWER, /* network error, timeout, unusable answer */
	ZAPTEC_HTTP_OUTCOME_COUNT
};

/* A snapshot of the counters since start. A 429 counts in 4xx and in
 * rate_limited. */
struct zaptec_http_stats {
	unsigned long calls[ZAPTEC_HTTP_ENDPOINT_COUNT][ZAPTEC_HTTP_OUTCOME_COUNT];
	unsigned long rate_limited;
};

/* An answer: status and body (NUL-terminated, owned, released by
 * zaptec_http_reply_clear()). */
struct zaptec_http_reply {
	long status;
	char *body;
	size_t len;
};

struct zaptec_http;

/* The labels /metrics uses: "token", "installation", "installations"; "2xx",
 * "3xx", "4xx", "5xx", "error". Static strings. */
const char *zaptec_http_endpoint_name(enum zaptec_http_endpoint endpoint);
const char *zaptec_http_outcome_name(enum zaptec_http_outcome outcome);

/* Makes a connection to api_url (http or https, copied; a trailing '/' is
 * dropped) sending user_agent (copied). Returns NULL with a reason in err when
 * out of memory or libcurl cannot start. curl_global_init must have run. */
struct zaptec_http *zaptec_http_new(const char *api_url, const char *user_agent, char *err, size_t errlen);

/* Releases http; accepts NULL. */
void zaptec_http_free(struct zaptec_http *http);

/*
 * Waits for the rate limits, then sends one request to path (which starts with
 * '/' and is already escaped): a POST of the url-encoded form when form is not
 * NULL, else a GET; with "Authorization: Bearer <bearer>" when bearer is not
 * NULL. Returns the HTTP status, with the answer in *reply, or -1 with the reason
 * in err when there was no usable answer (network error, timeout, an answer over
 * 32 MiB, stopped). *reply must be cleared either way. Neither form nor bearer
 * ever goes into err.
 */
int zaptec_http_request(struct zaptec_http *http, enum zaptec_http_endpoint endpoint,
			const char *path, const char *bearer, const char *form,
			struct zaptec_http_reply *reply, char *err, size_t errlen);

/* Sleeps until a request to endpoint would find both limits free, without
 * reserving anything, so that what goes into the request (a token that may
 * expire) can be taken just before it is sent. Returns 0, or -1 when stopped. */
int zaptec_http_wait(struct zaptec_http *http, enum zaptec_http_endpoint endpoint);

/* Releases what a reply owns and zeroes it; accepts a zeroed reply. */
void zaptec_http_reply_clear(struct zaptec_http_reply *reply);

/* Sleeps seconds, in short steps so that zaptec_http_stop() ends it early.
 * Returns 0, or -1 when stopped. */
int zaptec_http_sleep(struct zaptec_http *http, double seconds);

/* Makes every wait and transfer under way end at once, and every later request
 * fail, so a thread using http can be joined. Safe from any thread. */
void zaptec_http_stop(struct zaptec_http *http);

/* Copies the counters into *out. Safe from any thread. */
void zaptec_http_stats(const struct zaptec_http *http, struct zaptec_http_stats *out);

#endif
