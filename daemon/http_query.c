/*
 * http_query.c — strict query parameters for the admin API.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "http_query.h"
#include "validate.h"

struct name_check {
	const char *const *names;
	json_t *errors;
	const char *seen[16];
	int seen_count;
};

static enum MHD_Result check_one(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct name_check *c = cls;
	int known = 0;
	(void)kind;
	(void)value;
	for (int i = 0; c->names[i]; i++)
		known |= strcmp(key, c->names[i]) == 0;
	if (!known) {
		field_error_add(c->errors, key, "is not a known parameter");
		return MHD_YES;
	}
	for (int i = 0; i < c->seen_count; i++) {
		if (strcmp(c->seen[i], key) == 0) {
			field_error_add(c->errors, key, "is given more than once");
			return MHD_YES;
		}
	}
	if (c->seen_count < 16)
		c->seen[c->seen_count++] = key;
	return MHD_YES;
}

void http_query_check_names(struct http_request *req, const char *const *names, json_t *errors)
{
	struct name_check c = { .names = names, .errors = errors };
	MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, check_one, &c);
}

const char *http_query_text(struct http_request *req, const char *name, size_t max_chars, json_t *errors)
{
	const char *value = http_query(req, name);
	const char *why;
	if (value == NULL)
		return NULL;
	if (validate_text(value, strlen(value), max_chars, 0, &why) != 0) {
		field_error_add(errors, name, why);
		return NULL;
	}
	return value;
}

const char *http_query_one_of(struct http_request *req, const char *name, const char *const *values,
			      json_t *errors)
{
	const char *value = http_query(req, name);
	if (value == NULL)
		return NULL;
	for (int i = 0; values[i]; i++)
		if (strcmp(value, values[i]) == 0)
			return values[i];
	field_error_add(errors, name, "is not one of the allowed values");
	return NULL;
}

long http_query_limit(struct http_request *req, long default_value, long max, json_t *errors)
{
	const char *value = http_query(req, "limit");
	if (value == NULL)
		return default_value;
	size_t n = strlen(value);
	int digits = n > 0 && n <= 7;
	for (size_t i = 0; i < n && digits; i++)
		digits = isdigit((unsigned char)value[i]);
	long limit = digits ? strtol(value, NULL, 10) : 0;
	if (limit < 1 || limit > max) {
		char message[64];
		snprintf(message, sizeof message, "must be a whole number from 1 to %ld", max);
		field_error_add(errors, "limit", message);
		return default_value;
	}
	return limit;
}
