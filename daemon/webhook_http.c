/*
 * webhook_http.c — a delivery's POST on libcurl, with its bounds.
 */
#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curl_call.h"
#include "webhook_http.h"

#define CONNECT_TIMEOUT_MS 10000
/* What is read of an answer: a receiver's body means nothing to us, and a
 * huge one must cost nothing more than this. */
#define BODY_CAP (64 * 1024)
#define USER_AGENT "zaptec-accessd/" ACCESSD_VERSION

struct webhook_http {
	CURL *curl;
	const atomic_int *stop;
	size_t body_read;
	int body_capped;
	int head_complete;  /* the blank line that ends the answer's head came */
	char curl_error[CURL_ERROR_SIZE];
};

struct webhook_http *webhook_http_new(const atomic_int *stop)
{
	struct webhook_http *h = calloc(1, sizeof *h);
	if (h == NULL)
		return NULL;
	h->curl = curl_easy_init();
	if (h->curl == NULL) {
		free(h);
		return NULL;
	}
	h->stop = stop;
	return h;
}

void webhook_http_free(struct webhook_http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

/* Reads the answer up to BODY_CAP, then cuts the transfer off. */
static size_t read_body(char *data, size_t size, size_t n, void *arg)
{
	struct webhook_http *h = arg;
	(void)data;
	h->body_read += size * n;
	if (h->body_read > BODY_CAP) {
		h->body_capped = 1;
		return 0;
	}
	return size * n;
}

/* Notes the end of the answer's head: libcurl takes a head cut off after its
 * status line for a whole answer, but a receiver that closed there has not
 * acknowledged anything. */
static size_t read_header(char *line, size_t size, size_t n, void *arg)
{
	struct webhook_http *h = arg;
	size_t len = size * n;
	if ((len == 2 && line[0] == '\r' && line[1] == '\n') || (len == 1 && line[0] == '\n'))
		h->head_complete = 1;
	return len;
}

/* libcurl's progress callback: a non-zero return ends the transfer. */
static int check_stop(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct webhook_http *h = arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load(h->stop) ? 1 : 0;
}

/* Sets the options of one attempt on the reset handle. Returns the first one
 * libcurl refused, or CURLE_OK. */
static CURLcode set_options(struct webhook_http *h, const char *url, struct curl_slist *headers,
			    const char *body, size_t len)
{
	const struct curl_call call = {
		.url = url,
		.headers = headers,
		.connect_timeout_ms = CONNECT_TIMEOUT_MS,
		.timeout_ms = WEBHOOK_HTTP_TIMEOUT_MS,
		.user_agent = USER_AGENT,
		.error = h->curl_error,
		.write_body = read_body,
		.write_data = h,
		.check_stop = check_stop,
		.stop_data = h,
	};
	CURL *c = h->curl;
	CURLcode rc = curl_call_options(c, &call);

	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, read_header);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	return rc;
}

/* Appends "Name: value" to the list; NULL when memory runs out (the list is
 * then freed). */
static struct curl_slist *add_header(struct curl_slist *list, const char *name, const char *value)
{
	char line[1024];
	snprintf(line, sizeof line, "%s: %s", name, value);
	struct curl_slist *grown = curl_slist_append(list, line);
	if (grown == NULL)
		curl_slist_free_all(list);
	return grown;
}

void webhook_http_post(struct webhook_http *h, const char *url, const char *id, int64_t timestamp,
		       const char *signatures, const char *body, size_t len, struct webhook_attempt *out)
{
	char stamp[24];
	struct curl_slist *headers = NULL;
	long status = 0;

	memset(out, 0, sizeof *out);
	snprintf(stamp, sizeof stamp, "%" PRId64, timestamp);
	headers = add_header(headers, "Content-Type", "application/json");
	if (headers) headers = add_header(headers, "webhook-id", id);
	if (headers) headers = add_header(headers, "webhook-timestamp", stamp);
	if (headers) headers = add_header(headers, "webhook-signature", signatures);
	/* No "Expect: 100-continue": it would hold a larger body back for a
	 * round trip, or a second, with receivers that do not answer it. */
	if (headers) headers = curl_slist_append(headers, "Expect:");
	if (headers == NULL) {
		snprintf(out->error, sizeof out->error, "out of memory");
		return;
	}
	curl_easy_reset(h->curl);
	h->body_read = 0;
	h->body_capped = 0;
	h->head_complete = 0;
	h->curl_error[0] = '\0';
	CURLcode rc = set_options(h, url, headers, body, len);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(h->curl);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h->curl, CURLINFO_TOTAL_TIME, &out->seconds);
	/* A status counts when the answer's whole head arrived, even when its
	 * body was cut off at BODY_CAP; not when the transfer failed in some
	 * other way (a receiver that closes halfway has not answered). */
	if ((rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && h->body_capped)) && h->head_complete)
		out->status = (int)status;
	else if (rc == CURLE_OK)
		rc = CURLE_RECV_ERROR;
	if (out->status == 429 || out->status == 503) {
		curl_off_t after = 0;
		if (curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0)
			out->retry_after = (int64_t)after;
	}
	if (out->status >= 200 && out->status < 300)
		out->error[0] = '\0';
	else if (out->status != 0)
		snprintf(out->error, sizeof out->error, "answered %d", out->status);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(out->error, sizeof out->error, "no answer within %d s", WEBHOOK_HTTP_TIMEOUT_MS / 1000);
	else
		snprintf(out->error, sizeof out->error, "%.150s", h->curl_error[0] ? h->curl_error : curl_easy_strerror(rc));
	curl_slist_free_all(headers);
}
