/*
 * zaptec_http.c — requests to Zaptec's API on one reused libcurl easy handle
 * (so the connection stays open between calls), behind the rate limits.
 */
#include "zaptec_http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "curl_call.h"
#include "ratelimit.h"

#define CONNECT_TIMEOUT_MS 5000L
#define TOTAL_TIMEOUT_MS 15000L
#define MAX_BODY (32u * 1024 * 1024)
#define SLEEP_STEP 0.1
#define LIST_WINDOW 60.0

struct zaptec_http {
	CURL *curl;
	char *api_url;
	char *user_agent;
	struct ratelimit *calls;
	struct ratelimit *lists;
	atomic_bool stopping;
	atomic_ulong counts[ZAPTEC_HTTP_ENDPOINT_COUNT][ZAPTEC_HTTP_OUTCOME_COUNT];
	atomic_ulong rate_limited;
	char curl_error[CURL_ERROR_SIZE];
};

static const char *const endpoint_names[ZAPTEC_HTTP_ENDPOINT_COUNT] = {
	[ZAPTEC_HTTP_TOKEN] = "token",
	[ZAPTEC_HTTP_INSTALLATION] = "installation",
	[ZAPTEC_HTTP_INSTALLATIONS] = "installations",
};

static const char *const outcome_names[ZAPTEC_HTTP_OUTCOME_COUNT] = {
	[ZAPTEC_HTTP_2XX] = "2xx",
	[ZAPTEC_HTTP_3XX] = "3xx",
	[ZAPTEC_HTTP_4XX] = "4xx",
	[ZAPTEC_HTTP_5XX] = "5xx",
	[ZAPTEC_HTTP_NO_ANSWER] = "error",
};

const char *zaptec_http_endpoint_name(enum zaptec_http_endpoint endpoint)
{
	return endpoint_names[endpoint];
}

const char *zaptec_http_outcome_name(enum zaptec_http_outcome outcome)
{
	return outcome_names[outcome];
}

struct zaptec_http *zaptec_http_new(const char *api_url, const char *user_agent, char *err, size_t errlen)
{
	struct zaptec_http *http = calloc(1, sizeof *http);
	size_t len = strlen(api_url);

	if (http == NULL)
		goto nomem;
	while (len > 0 && api_url[len - 1] == '/')
		len--;
	http->api_url = strndup(api_url, len);
	http->user_agent = strdup(user_agent);
	http->calls = ratelimit_new(ZAPTEC_HTTP_CALLS_PER_WINDOW, ZAPTEC_HTTP_CALL_WINDOW,
				    ratelimit_monotonic, NULL);
	http->lists = ratelimit_new(ZAPTEC_HTTP_LIST_CALLS_PER_MINUTE, LIST_WINDOW, ratelimit_monotonic, NULL);
	if (http->api_url == NULL || http->user_agent == NULL || http->calls == NULL || http->lists == NULL)
		goto nomem;
	http->curl = curl_easy_init();
	if (http->curl == NULL) {
		snprintf(err, errlen, "libcurl cannot start");
		zaptec_http_free(http);
		return NULL;
	}
	atomic_init(&http->stopping, 0);
	return http;
nomem:
	snprintf(err, errlen, "out of memory");
	zaptec_http_free(http);
	return NULL;
}

void zaptec_http_free(struct zaptec_http *http)
{
	if (http == NULL)
		return;
	if (http->curl != NULL)
		curl_easy_cleanup(http->curl);
	ratelimit_free(http->calls);
	ratelimit_free(http->lists);
	free(http->api_url);
	free(http->user_agent);
	free(http);
}

void zaptec_http_reply_clear(struct zaptec_http_reply *reply)
{
	free(reply->body);
	memset(reply, 0, sizeof *reply);
}

int zaptec_http_sleep(struct zaptec_http *http, double seconds)
{
	while (!atomic_load(&http->stopping)) {
		if (seconds <= 0)
			return 0;
		double step = seconds < SLEEP_STEP ? seconds : SLEEP_STEP;
		struct timespec ts = { (time_t)step, (long)((step - (double)(time_t)step) * 1e9) };
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		seconds -= step;
	}
	return -1;
}

void zaptec_http_stop(struct zaptec_http *http)
{
	atomic_store(&http->stopping, 1);
}

void zaptec_http_stats(const struct zaptec_http *http, struct zaptec_http_stats *out)
{
	for (int e = 0; e < ZAPTEC_HTTP_ENDPOINT_COUNT; e++)
		for (int o = 0; o < ZAPTEC_HTTP_OUTCOME_COUNT; o++)
			out->calls[e][o] = atomic_load(&http->counts[e][o]);
	out->rate_limited = atomic_load(&http->rate_limited);
}

/* Appends a piece of the answer to the reply; refusing a piece past MAX_BODY
 * makes libcurl end the transfer with CURLE_WRITE_ERROR. */
static size_t collect_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct zaptec_http_reply *reply = arg;
	size_t n = size * nmemb;

	if (n > MAX_BODY - reply->len)
		return 0;
	char *grown = realloc(reply->body, reply->len + n + 1);
	if (grown == NULL)
		return 0;
	memcpy(grown + reply->len, data, n);
	reply->len += n;
	grown[reply->len] = '\0';
	reply->body = grown;
	return n;
}

/* Ends a transfer under way once zaptec_http_stop() was called. */
static int check_stop(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct zaptec_http *http = arg;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return atomic_load(&http->stopping) ? 1 : 0;
}

/* Waits for a slot of rl; returns 0 with *ticket set, or -1 when stopped (the
 * slot is then released). */
static int wait_for_slot(struct zaptec_http *http, struct ratelimit *rl, unsigned long *ticket)
{
	if (zaptec_http_sleep(http, ratelimit_reserve(rl, ticket)) == 0)
		return 0;
	ratelimit_release(rl, *ticket);
	return -1;
}

int zaptec_http_wait(struct zaptec_http *http, enum zaptec_http_endpoint endpoint)
{
	if (endpoint == ZAPTEC_HTTP_INSTALLATIONS && zaptec_http_sleep(http, ratelimit_peek(http->lists)) != 0)
		return -1;
	return zaptec_http_sleep(http, ratelimit_peek(http->calls));
}

static enum zaptec_http_outcome outcome_of(long status)
{
	if (status >= 200 && status < 300)
		return ZAPTEC_HTTP_2XX;
	if (status >= 300 && status < 400)
		return ZAPTEC_HTTP_3XX;
	if (status >= 400 && status < 500)
		return ZAPTEC_HTTP_4XX;
	if (status >= 500 && status < 600)
		return ZAPTEC_HTTP_5XX;
	return ZAPTEC_HTTP_NO_ANSWER;
}

/* Sets every option of one request on the reset handle. Returns the first
 * option libcurl refused, or CURLE_OK. */
static CURLcode set_options(struct zaptec_http *http, const char *url, struct curl_slist *headers,
			    const char *form, struct zaptec_http_reply *reply)
{
	const struct curl_call call = {
		.url = url,
		.headers = headers,
		.connect_timeout_ms = CONNECT_TIMEOUT_MS,
		.timeout_ms = TOTAL_TIMEOUT_MS,
		.user_agent = http->user_agent,
		.error = http->curl_error,
		.write_body = collect_body,
		.write_data = reply,
		.check_stop = check_stop,
		.stop_data = http,
	};
	CURL *c = http->curl;
	CURLcode rc = curl_call_options(c, &call);

	if (rc == CURLE_OK && form != NULL) {
		/* POSTFIELDS borrows form rather than copying it, so the caller can
		 * wipe the only copy of a password once the call is over. */
		rc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
		if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	}
	return rc;
}

/* After a 429, holds every later call for the answer's Retry-After (in
 * seconds or as a date; 1 s when absent, as Zaptec sends). */
static void honour_retry_after(struct zaptec_http *http)
{
	curl_off_t after = 0;

	if (curl_easy_getinfo(http->curl, CURLINFO_RETRY_AFTER, &after) != CURLE_OK || after <= 0)
		after = 1;
	if (after > ZAPTEC_HTTP_MAX_RETRY_AFTER)
		after = ZAPTEC_HTTP_MAX_RETRY_AFTER;
	ratelimit_block(http->calls, (double)after);
	atomic_fetch_add(&http->rate_limited, 1);
}

/*
 * Sends the request once both limits allow it. The list limit is waited for
 * first and the shared one last, so the shared slot is stamped with the moment
 * the request really leaves.
 */
int zaptec_http_request(struct zaptec_http *http, enum zaptec_http_endpoint endpoint,
			const char *path, const char *bearer, const char *form,
			struct zaptec_http_reply *reply, char *err, size_t errlen)
{
	struct curl_slist *headers = NULL, *more;
	unsigned long list_ticket = 0, call_ticket;
	char *url = NULL, *auth = NULL;
	long status = -1;

	memset(reply, 0, sizeof *reply);
	if (asprintf(&url, "%s%s", http->api_url, path) < 0) {
		url = NULL;
		snprintf(err, errlen, "out of memory");
		goto count;
	}
	if (bearer != NULL && asprintf(&auth, "Authorization: Bearer %s", bearer) < 0) {
		auth = NULL;
		snprintf(err, errlen, "out of memory");
		goto count;
	}
	headers = curl_slist_append(NULL, "Accept: application/json");
	if (headers != NULL && auth != NULL) {
		more = curl_slist_append(headers, auth);
		if (more == NULL) {
			curl_slist_free_all(headers);
			headers = NULL;
		}
	}
	if (headers == NULL) {
		snprintf(err, errlen, "out of memory");
		goto count;
	}

	if (endpoint == ZAPTEC_HTTP_INSTALLATIONS && wait_for_slot(http, http->lists, &list_ticket) != 0) {
		snprintf(err, errlen, "stopping");
		goto count;
	}
	if (wait_for_slot(http, http->calls, &call_ticket) != 0) {
		snprintf(err, errlen, "stopping");
		goto release_list;
	}

	curl_easy_reset(http->curl);
	http->curl_error[0] = '\0';
	CURLcode rc = set_options(http, url, headers, form, reply);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(http->curl);
	ratelimit_release(http->calls, call_ticket);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(http->curl, CURLINFO_RESPONSE_CODE, &status);
		if (reply->body == NULL && (reply->body = calloc(1, 1)) == NULL) {
			snprintf(err, errlen, "out of memory");
			status = -1;
		}
	} else if (rc == CURLE_ABORTED_BY_CALLBACK) {
		snprintf(err, errlen, "stopping");
	} else {
		snprintf(err, errlen, "%s %s: %s", form != NULL ? "POST" : "GET", path,
			 http->curl_error[0] != '\0' ? http->curl_error : curl_easy_strerror(rc));
	}
	if (status == 429)
		honour_retry_after(http);
	reply->status = status > 0 ? status : 0;
release_list:
	if (endpoint == ZAPTEC_HTTP_INSTALLATIONS)
		ratelimit_release(http->lists, list_ticket);
count:
	atomic_fetch_add(&http->counts[endpoint][outcome_of(status)], 1);
	curl_slist_free_all(headers);
	free(auth);
	free(url);
	if (status < 0) {
		zaptec_http_reply_clear(reply);
		return -1;
	}
	return (int)status;
}
