/*
 * request_json.h — the JSON body of POST /api/v1/access-requests read into a
 * struct request_input: known fields only, each of its type. A pure function, so
 * the handler and the fuzz target read bodies the same way.
 */
#ifndef ACCESSD_REQUEST_JSON_H
#define ACCESSD_REQUEST_JSON_H

#include <jansson.h>

#include "requests.h"

/*
 * Fills in from the JSON object body. Appends {"field","message"} to errors for
 * each unknown field and each value of the wrong type. A null value counts as
 * absent. The strings in `in` are borrowed from body. Returns 0 when nothing was
 * appended.
 */
int request_json_read(json_t *body, struct request_input *in, json_t *errors);

#endif
