/*
 * curl_call.h — the options every outgoing HTTP call sets on its libcurl
 * handle, whoever it calls (Zaptec's API, a webhook receiver).
 */
#ifndef ACCESSD_CURL_CALL_H
#define ACCESSD_CURL_CALL_H

#include <curl/curl.h>

/* One call's options; everything is borrowed until the call is over. */
struct curl_call {
	const char *url;
	struct curl_slist *headers;
	long connect_timeout_ms, timeout_ms;
	const char *user_agent;
	char *error; /* CURL_ERROR_SIZE bytes, for libcurl's message */
	curl_write_callback write_body;
	void *write_data;
	/* Called while the call runs; a nonzero return stops it. */
	curl_xferinfo_callback check_stop;
	void *stop_data;
};

/*
 * Sets call's options on the reset handle c: http and https only, and a
 * redirect is never followed, so a call goes to the URL given and nowhere
 * else; no signals, since the callers are threads; the timeouts, the user
 * agent, the headers, the error buffer, where the body goes and what may stop
 * the call. Returns the first option libcurl refused, or CURLE_OK.
 */
CURLcode curl_call_options(CURL *c, const struct curl_call *call);

#endif
