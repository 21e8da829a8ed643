/*
 * webhook.h — webhook endpoints as the admin API sees them: the event types
 * one may ask for, the JSON bodies of create and patch read and checked, and
 * an endpoint written as JSON. Pure functions, so the API and the tests read
 * bodies the same way.
 */
#ifndef ACCESSD_WEBHOOK_H
#define ACCESSD_WEBHOOK_H

#include <jansson.h>
#include <stdint.h>

#include "webhook_store.h"

#define WEBHOOK_DESCRIPTION_MAX 200
/* Endpoints one daemon keeps: each has a delivery thread and a connection. */
#define WEBHOOK_MAX_ENDPOINTS 32

/* Whether type is an event type of the feed an endpoint may ask for. */
int webhook_type_known(const char *type);

/* What a create or patch body sets; the has_ flags say which fields it held.
 * types is the canonical JSON array text (owned), or NULL for every type. */
struct webhook_input {
	int has_url, has_types, has_description, has_enabled;
	const char *url;          /* borrowed from the body */
	char *types;              /* owned */
	const char *description;  /* borrowed; NULL clears it */
	int enabled;
};

/*
 * Reads body, a JSON object: with create, url is required and enabled is not
 * a field; without, every field is optional. Appends {"field","message"} to
 * errors for each unknown field, wrong type, bad URL (allow_http as
 * webhook_allow_http), unknown or repeated type and overlong description.
 * Returns 0 when nothing was appended. Free in->types with webhook_input_clear.
 */
int webhook_input_read(json_t *body, int create, int allow_http, struct webhook_input *in, json_t *errors);

void webhook_input_clear(struct webhook_input *in);

/* The endpoint object of the API (never its secret), with pending events. */
json_t *webhook_endpoint_json(const struct webhook_endpoint *e, int64_t pending);

#endif
