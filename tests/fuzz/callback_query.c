/*
 * callback_query.c — fuzzes the parser of /access-result's raw query string,
 * given exactly the input's bytes (no NUL after them, so an over-read shows).
 *
 * Properties: a refusal says why; a valid grant carries a canonical lowercase
 * GUID; a query over the limit is refused; the same query parses the same way
 * twice.
 */
#include "callback.h"
#include "fuzz.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct callback_query q, again;
	char guid[VALIDATE_GUID_LEN + 1];

	callback_parse_query((const char *)data, size, &q);
	callback_parse_query((const char *)data, size, &again);
	FUZZ_CHECK(memcmp(&q, &again, sizeof q) == 0);
	if (!q.valid) {
		FUZZ_CHECK(q.problem != NULL && q.problem[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(size <= CALLBACK_MAX_QUERY);
	FUZZ_CHECK(q.success == 0 || q.success == 1);
	FUZZ_CHECK(!q.success || q.has_installation_id);
	if (q.has_installation_id) {
		FUZZ_CHECK(validate_guid(q.installation_id, guid, NULL) == 0);
		FUZZ_CHECK(strcmp(guid, q.installation_id) == 0);
	}
	/* A valid query names success= itself. */
	FUZZ_CHECK(memmem(data, size, "success=", 8) != NULL);
	return 0;
}
