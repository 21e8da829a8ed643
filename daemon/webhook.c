/*
 * webhook.c — reading and checking endpoint bodies, and writing endpoints as
 * JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "field_error.h"
#include "timestamp.h"
#include "validate.h"
#include "webhook.h"

/* The feed's event types (the contract's list): an endpoint may ask for any. */
static const char *const event_types[] = {
	"request.created", "request.opened", "request.reissued", "request.expired",
	"callback.granted", "callback.denied", "callback.repeated", "callback.invalid",
	"callback.unknown", "callback.conflict", "callback.late", "callback.contested",
	"request.cancelled", "installation.revoked", "installation.verified",
	"installation.unconfirmed", "installation.discovered", "installation.transferred",
	"webhook.endpoint.disabled", "erasure.completed", NULL,
};

static const char *const create_fields[] = { "url", "types", "description", NULL };
static const char *const patch_fields[] = { "url", "types", "description", "enabled", NULL };

int webhook_type_known(const char *type)
{
	for (int i = 0; event_types[i]; i++)
		if (strcmp(type, event_types[i]) == 0)
			return 1;
	return 0;
}

/* Reads "types": a non-empty array of known types, each once; null is every
 * type. Sets in->types to the array's compact JSON text. */
static void read_types(json_t *v, struct webhook_input *in, json_t *errors)
{
	size_t i, j;
	json_t *item;

	in->has_types = 1;
	if (json_is_null(v))
		return;
	if (!json_is_array(v)) {
		field_error_add(errors, "types", "must be an array of event types, or null for every type");
		return;
	}
	if (json_array_size(v) == 0) {
		field_error_add(errors, "types", "must list at least one event type; leave it out for every type");
		return;
	}
	json_array_foreach(v, i, item) {
		if (!json_is_string(item) || !webhook_type_known(json_string_value(item))) {
			field_error_add(errors, "types", "lists something that is not an event type of the feed");
			return;
		}
		for (j = 0; j < i; j++) {
			if (json_equal(json_array_get(v, j), item)) {
				field_error_add(errors, "types", "lists an event type twice");
				return;
			}
		}
	}
	in->types = json_dumps(v, JSON_COMPACT);
	if (in->types == NULL)
		field_error_add(errors, "types", "could not be stored (out of memory)");
}

int webhook_input_read(json_t *body, int create, int allow_http, struct webhook_input *in, json_t *errors)
{
	const char *const *fields = create ? create_fields : patch_fields;
	size_t before = json_array_size(errors);
	const char *key, *why;
	json_t *value;

	memset(in, 0, sizeof *in);
	json_object_foreach(body, key, value) {
		int known = 0;
		for (int i = 0; fields[i]; i++)
			known |= strcmp(key, fields[i]) == 0;
		if (!known)
			field_error_add(errors, key, "is not a known field");
	}
	json_t *url = json_object_get(body, "url");
	if (url != NULL || create) {
		in->has_url = 1;
		if (url == NULL || json_is_null(url))
			field_error_add(errors, "url", "is required: the https URL to deliver events to");
		else if (!json_is_string(url))
			field_error_add(errors, "url", "must be a string");
		else if (validate_webhook_url(json_string_value(url), allow_http, &why) != 0)
			field_error_add(errors, "url", why);
		else
			in->url = json_string_value(url);
	}
	json_t *types = json_object_get(body, "types");
	if (types != NULL)
		read_types(types, in, errors);
	json_t *description = json_object_get(body, "description");
	if (description != NULL) {
		in->has_description = 1;
		if (!json_is_null(description) && !json_is_string(description))
			field_error_add(errors, "description", "must be a string or null");
		else if (json_is_string(description) &&
			 validate_text(json_string_value(description), json_string_length(description),
				       WEBHOOK_DESCRIPTION_MAX, 1, &why) != 0)
			field_error_add(errors, "description", why);
		else
			in->description = json_string_value(description);
	}
	json_t *enabled = json_object_get(body, "enabled");
	if (!create && enabled != NULL) {
		in->has_enabled = 1;
		if (!json_is_boolean(enabled))
			field_error_add(errors, "enabled", "must be true or false");
		else
			in->enabled = json_is_true(enabled);
	}
	return json_array_size(errors) == before ? 0 : -1;
}

void webhook_input_clear(struct webhook_input *in)
{
	free(in->types);
	in->types = NULL;
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *time_or_null(int64_t t)
{
	return t ? timestamp_json(t) : json_null();
}

json_t *webhook_endpoint_json(const struct webhook_endpoint *e, int64_t pending)
{
	json_t *types = e->types ? json_loads(e->types, 0, NULL) : NULL;
	return json_pack("{s:s, s:s, s:o, s:o, s:b, s:o, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "id", e->id,
			 "url", e->url,
			 "types", types ? types : json_null(),
			 "description", string_or_null(e->description),
			 "enabled", e->enabled,
			 "createdAt", timestamp_json(e->created_at),
			 "deliveredThrough", (json_int_t)e->delivered_through,
			 "pending", (json_int_t)(pending < 0 ? 0 : pending),
			 "lastAttemptAt", time_or_null(e->last_attempt_at),
			 "lastStatus", e->last_status ? json_integer(e->last_status) : json_null(),
			 "lastError", string_or_null(e->last_error),
			 "failingSince", time_or_null(e->failing_since),
			 "disabledAt", time_or_null(e->disabled_at),
			 "disabledReason", string_or_null(e->disabled_reason));
}
