/*
 * http_reply.c — the replies handlers send: JSON, problem details (RFC 9457), HTML
 * pages and redirects with the public security headers, and plain text.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"

/* What every page and redirect of the public listener carries. Pages keep their
 * CSS inline and load nothing else. */
static const char *const page_headers[][2] = {
	{ "Cache-Control", "no-store" },
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "DENY" },
	{ "Content-Security-Policy",
	  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
	  "form-action 'none'; frame-ancestors 'none'" },
};

static const char *const api_headers[][2] = {
	{ "Cache-Control", "no-store" },
	{ "X-Content-Type-Options", "nosniff" },
};

static const char *http_status_text(unsigned status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

static void add_headers(struct MHD_Response *resp, const char *const (*headers)[2], size_t n)
{
	for (size_t i = 0; i < n; i++)
		MHD_add_response_header(resp, headers[i][0], headers[i][1]);
}

void http_set_header(struct http_request *req, const char *name, const char *value)
{
	/* Values are ours (an Allow list, a created resource's path, a number of
	 * seconds), never the client's, and always fit. */
	assert(strlen(value) < sizeof req->extra_value);
	req->extra_header = name;
	snprintf(req->extra_value, sizeof req->extra_value, "%s", value);
}

enum http_outcome http_queue(struct http_request *req, unsigned status, struct MHD_Response *resp)
{
	if (resp == NULL) {
		log_error("event=http.reply_failed reason=\"out of memory\"");
		return HTTP_QUEUED; /* status stays 0: the connection is closed */
	}
	if (req->listener == HTTP_PUBLIC)
		add_headers(resp, page_headers, sizeof page_headers / sizeof page_headers[0]);
	else
		add_headers(resp, api_headers, sizeof api_headers / sizeof api_headers[0]);
	if (status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	if (req->extra_header)
		MHD_add_response_header(resp, req->extra_header, req->extra_value);
	if (MHD_queue_response(req->connection, status, resp) == MHD_YES)
		req->status = status;
	MHD_destroy_response(resp);
	return HTTP_QUEUED;
}

enum http_outcome http_reply_text(struct http_request *req, unsigned status, const char *type,
				  char *text, size_t len)
{
	if (text == NULL)
		return http_queue(req, status, NULL);
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return http_queue(req, status, NULL);
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	req->bytes = len;
	return http_queue(req, status, resp);
}

enum http_outcome http_reply_json(struct http_request *req, unsigned status, const json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	return http_reply_text(req, status, "application/json", text, text ? strlen(text) : 0);
}

enum http_outcome http_reply_json_steal(struct http_request *req, unsigned status, json_t *body)
{
	enum http_outcome outcome = http_reply_json(req, status, body);
	json_decref(body);
	return outcome;
}

/* A problem object for status with detail, and one more member name (may be
 * NULL) with value (taken). */
static enum http_outcome reply_problem(struct http_request *req, unsigned status, const char *detail,
				       const char *name, json_t *value)
{
	json_t *body = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title",
				 http_status_text(status), "status", (int)status, "detail", detail);
	if (body != NULL && name != NULL && value != NULL)
		json_object_set_new(body, name, value);
	else
		json_decref(value);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (status >= 400 && status < 500) {
		/* Quotes would end the log field early. */
		char quoted[256];
		snprintf(quoted, sizeof quoted, "%s", detail);
		for (char *q = quoted; *q; q++)
			if (*q == '"' || *q == '\n')
				*q = '\'';
		log_info("event=http.client_error status=%u detail=\"%s\"", status, quoted);
	}
	return http_reply_text(req, status, "application/problem+json", text, text ? strlen(text) : 0);
}

enum http_outcome http_reply_problem(struct http_request *req, unsigned status, const char *detail)
{
	return reply_problem(req, status, detail, NULL, NULL);
}

enum http_outcome http_reply_problem_with(struct http_request *req, unsigned status, const char *detail,
					  const char *name, json_t *value)
{
	return reply_problem(req, status, detail, name, value);
}

enum http_outcome http_reply_invalid(struct http_request *req, const char *detail, json_t *errors)
{
	return reply_problem(req, 400, detail, "errors", errors);
}

int http_reply_if_invalid(struct http_request *req, const char *detail, json_t *errors)
{
	if (json_array_size(errors) > 0) {
		http_reply_invalid(req, detail, errors);
		return 1;
	}
	json_decref(errors);
	return 0;
}

enum http_outcome http_reply_html(struct http_request *req, unsigned status, char *html, size_t len)
{
	return http_reply_text(req, status, "text/html; charset=utf-8", html, len);
}

enum http_outcome http_reply_redirect(struct http_request *req, const char *location)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (resp != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
	return http_queue(req, 303, resp);
}
