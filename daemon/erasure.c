/*
 * erasure.c — stripping personal data from an event's detail.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "erasure.h"

/* The detail members that may hold personal data, whoever they are about. */
static const char *const personal_keys[] = { "reference", "installationId", "name", "client", "query",
					      "returnTo", NULL };

static int is_personal_key(const char *key)
{
	for (size_t i = 0; personal_keys[i]; i++)
		if (strcmp(key, personal_keys[i]) == 0)
			return 1;
	return 0;
}

/* Whether haystack holds needle, ignoring ASCII case. */
static int holds_ignoring_case(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	for (; *haystack; haystack++)
		if (strncasecmp(haystack, needle, n) == 0)
			return 1;
	return 0;
}

static int names_erased(const char *s, const char *reference, const char *const *installation_ids)
{
	if (reference && strcmp(s, reference) == 0)
		return 1;
	for (size_t i = 0; installation_ids[i]; i++)
		if (holds_ignoring_case(s, installation_ids[i]))
			return 1;
	return 0;
}

/* Strips value in place (objects and arrays, recursively). Returns 0, or -1
 * when memory runs out. */
static int strip(json_t *value, const char *reference, const char *const *installation_ids)
{
	const char *key;
	void *tmp;
	json_t *member;
	size_t i;

	if (json_is_object(value)) {
		json_object_foreach_safe(value, tmp, key, member) {
			if (is_personal_key(key)) {
				json_object_del(value, key);
				continue;
			}
			if (json_is_string(member) &&
			    names_erased(json_string_value(member), reference, installation_ids)) {
				if (json_object_set_new(value, key, json_null()) != 0)
					return -1;
			} else if (strip(member, reference, installation_ids) != 0) {
				return -1;
			}
		}
	} else if (json_is_array(value)) {
		json_array_foreach(value, i, member) {
			if (json_is_string(member) &&
			    names_erased(json_string_value(member), reference, installation_ids)) {
				if (json_array_set_new(value, i, json_null()) != 0)
					return -1;
			} else if (strip(member, reference, installation_ids) != 0) {
				return -1;
			}
		}
	}
	return 0;
}

char *erasure_strip_detail(const char *detail, const char *reference, const char *const *installation_ids)
{
	json_t *obj = detail ? json_loads(detail, 0, NULL) : NULL;
	if (!json_is_object(obj)) {
		json_decref(obj);
		return strdup("{}");
	}
	char *text = NULL;
	if (strip(obj, reference, installation_ids) == 0)
		text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	return text;
}

const char **erasure_strip_ids(const char *installation_id, const char *installations, json_t **holder)
{
	*holder = json_loads(installations, 0, NULL);
	size_t n = json_array_size(*holder), k = 0;
	const char **ids = calloc(n + 2, sizeof *ids);
	if (ids == NULL)
		return NULL;
	if (installation_id)
		ids[k++] = installation_id;
	for (size_t i = 0; i < n; i++)
		ids[k++] = json_string_value(json_array_get(*holder, i));
	return ids;
}

char *erasure_quote(const char *reference)
{
	json_t *text = json_string(reference);
	char *quoted = text ? json_dumps(text, JSON_ENCODE_ANY) : NULL;
	json_decref(text);
	return quoted;
}
