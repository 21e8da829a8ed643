/*
 * erasure.h — what erasing one customer or one installation leaves of an
 * event: the pure part of POST /api/v1/erasures, without I/O.
 */
#ifndef ACCESSD_ERASURE_H
#define ACCESSD_ERASURE_H

#include <jansson.h>

/*
 * The event detail text without personal data: at any depth, the members
 * "reference", "installationId", "name", "client", "query" and "returnTo" are
 * removed, and any other string equal to reference or holding one of
 * installation_ids (in any case) becomes null. reference may be NULL;
 * installation_ids is NULL-terminated, lower-case GUIDs. A detail that is not
 * a JSON object becomes {}. Returns a new string (caller frees), or NULL when
 * memory runs out.
 */
char *erasure_strip_detail(const char *detail, const char *reference, const char *const *installation_ids);

/*
 * The installation ids an erased event must not name: installation_id (may be
 * NULL) and those of installations (a JSON array text), as a new
 * NULL-terminated list (caller frees) that points into *holder (caller
 * releases it with json_decref). NULL when memory runs out.
 */
const char **erasure_strip_ids(const char *installation_id, const char *installations, json_t **holder);

/* reference as JSON string text, the way an event's detail holds it: a new
 * string (caller frees), or NULL when memory runs out. */
char *erasure_quote(const char *reference);

#endif
