/*
 * http_query.h — reading query parameters of the admin API strictly: each at
 * most once, known names only, each problem appended to a problem's "errors".
 */
#ifndef ACCESSD_HTTP_QUERY_H
#define ACCESSD_HTTP_QUERY_H

#include <jansson.h>

#include "field_error.h"

struct http_request;

/* Notes every parameter whose name is not in names (NULL-ended) and every one
 * given more than once. */
void http_query_check_names(struct http_request *req, const char *const *names, json_t *errors);

/* An optional text parameter: valid UTF-8, no control characters, at most
 * max_chars characters, not empty. NULL when absent or invalid (noted). */
const char *http_query_text(struct http_request *req, const char *name, size_t max_chars, json_t *errors);

/* An optional parameter that must be one of values (NULL-ended). */
const char *http_query_one_of(struct http_request *req, const char *name, const char *const *values,
			      json_t *errors);

/* "limit": a whole number in 1..max, default_value when absent. */
long http_query_limit(struct http_request *req, long default_value, long max, json_t *errors);

#endif
