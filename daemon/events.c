/*
 * events.c — appending to the event log and showing its rows as JSON.
 */
#include <stdlib.h>

#include "events.h"
#include "store.h"
#include "timestamp.h"

int events_append(struct store *st, int64_t at, const char *type, const char *request_id,
		  const char *installation_id, const char *reference, json_t *detail)
{
	char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	int rc = -1;

	json_decref(detail);
	if (detail == NULL || text != NULL)
		rc = store_event_append(st, at, type, request_id, installation_id, reference, text);
	free(text);
	return rc;
}

static json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *events_json(const struct event_record *e)
{
	json_t *detail = e->detail ? json_loads(e->detail, 0, NULL) : NULL;
	if (detail == NULL)
		detail = json_object();
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "id", (json_int_t)e->id,
			 "at", timestamp_json(e->at),
			 "type", text_or_null(e->type),
			 "requestId", text_or_null(e->request_id),
			 "installationId", text_or_null(e->installation_id),
			 "reference", text_or_null(e->reference),
			 "detail", detail);
}
