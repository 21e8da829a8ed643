/*
 * field_error.h — the list of what is wrong with a request's input, as a 400
 * problem's "errors" shows it: [{"field", "message"}], one entry per field.
 */
#ifndef ACCESSD_FIELD_ERROR_H
#define ACCESSD_FIELD_ERROR_H

#include <jansson.h>

/* Appends {"field": field, "message": message} to errors (both copied). When
 * memory runs out the entry is lost and the list stays valid. */
void field_error_add(json_t *errors, const char *field, const char *message);

#endif
