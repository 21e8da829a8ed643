/*
 * curl_call.c — the options every outgoing HTTP call sets on its handle.
 */
#include "curl_call.h"

CURLcode curl_call_options(CURL *c, const struct curl_call *call)
{
	CURLcode rc = CURLE_OK;

	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_URL, call->url);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, call->connect_timeout_ms);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, call->timeout_ms);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_USERAGENT, call->user_agent);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_HTTPHEADER, call->headers);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, call->error);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, call->write_body);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_WRITEDATA, call->write_data);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, call->check_stop);
	if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_XFERINFODATA, call->stop_data);
	return rc;
}
