/*
 * request_json.c — reading the JSON body of a new access request.
 */
#include <string.h>

#include "field_error.h"
#include "request_json.h"

static const char *const create_fields[] = {
	"reference", "installationType", "installationId", "partnerName",
	"lang", "showExisting", "returnTo", "ttl", NULL,
};

/* Reads an optional string field; null counts as absent. */
static const char *string_field(json_t *body, const char *name, json_t *errors)
{
	json_t *v = json_object_get(body, name);
	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		field_error_add(errors, name, "must be a string");
		return NULL;
	}
	return json_string_value(v);
}

int request_json_read(json_t *body, struct request_input *in, json_t *errors)
{
	size_t before = json_array_size(errors);
	const char *key;
	json_t *value;

	json_object_foreach(body, key, value) {
		int known = 0;
		for (int i = 0; create_fields[i]; i++)
			known |= strcmp(key, create_fields[i]) == 0;
		if (!known)
			field_error_add(errors, key, "is not a known field");
	}
	memset(in, 0, sizeof *in);
	in->reference = string_field(body, "reference", errors);
	in->installation_type = string_field(body, "installationType", errors);
	in->installation_id = string_field(body, "installationId", errors);
	in->partner_name = string_field(body, "partnerName", errors);
	in->lang = string_field(body, "lang", errors);
	in->return_to = string_field(body, "returnTo", errors);

	json_t *show = json_object_get(body, "showExisting");
	if (show != NULL && !json_is_null(show)) {
		if (json_is_boolean(show))
			in->show_existing = json_is_true(show);
		else
			field_error_add(errors, "showExisting", "must be true or false");
	}
	json_t *ttl = json_object_get(body, "ttl");
	if (ttl != NULL && !json_is_null(ttl)) {
		if (json_is_integer(ttl)) {
			in->ttl = json_integer_value(ttl);
			in->has_ttl = 1;
		} else {
			field_error_add(errors, "ttl", "must be a whole number of seconds");
		}
	}
	return json_array_size(errors) == before ? 0 : -1;
}
