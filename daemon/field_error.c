/*
 * field_error.c — one entry of a 400 problem's "errors" list.
 */
#include "field_error.h"

void field_error_add(json_t *errors, const char *field, const char *message)
{
	json_array_append_new(errors, json_pack("{s:s, s:s}", "field", field, "message", message));
}
