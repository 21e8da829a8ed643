/*
 * webhook_json.c — fuzzes the bodies of POST and PATCH
 * /api/v1/webhook-endpoints the way the handlers read them: json_loadb with
 * duplicate keys refused, an object only, webhook_input_read for a create and
 * for a patch, with and without webhook_allow_http.
 *
 * Properties: every refusal names a field and says why; an accepted body holds
 * only values that pass the checks again: a URL the validator accepts, a
 * description of at most 200 characters, types that are a non-empty array of
 * known event types each once, written back as JSON that reads the same.
 */
#include "fuzz.h"
#include "validate.h"
#include "webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t error;
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &error);

	if (body == NULL || !json_is_object(body)) {
		json_decref(body);
		return 0;
	}
	for (int create = 0; create <= 1; create++) {
		for (int allow_http = 0; allow_http <= 1; allow_http++) {
			struct webhook_input in;
			const char *why;
			json_t *errors = json_array();
			FUZZ_CHECK(errors != NULL);
			int ok = webhook_input_read(body, create, allow_http, &in, errors) == 0;
			size_t i;
			json_t *e;
			json_array_foreach(errors, i, e) {
				FUZZ_CHECK(json_is_string(json_object_get(e, "field")));
				FUZZ_CHECK(json_string_length(json_object_get(e, "message")) > 0);
			}
			FUZZ_CHECK(ok == (json_array_size(errors) == 0));
			if (ok) {
				FUZZ_CHECK(!create || in.has_url);
				if (in.has_url)
					FUZZ_CHECK(validate_webhook_url(in.url, allow_http, &why) == 0);
				if (in.description != NULL)
					FUZZ_CHECK(validate_text(in.description, strlen(in.description), 200, 1, &why) == 0);
				if (in.types != NULL) {
					json_t *types = json_loads(in.types, 0, NULL);
					FUZZ_CHECK(json_is_array(types) && json_array_size(types) > 0);
					FUZZ_CHECK(json_equal(types, json_object_get(body, "types")));
					json_array_foreach(types, i, e)
						FUZZ_CHECK(webhook_type_known(json_string_value(e)));
					json_decref(types);
				}
			}
			webhook_input_clear(&in);
			json_decref(errors);
		}
	}
	json_decref(body);
	return 0;
}
