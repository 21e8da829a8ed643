/*
 * timestamp.c — fuzzes the RFC 3339 parser used for query parameters such as
 * updatedSince and for times read back from the database.
 *
 * Properties: a parsed time in the four-digit-year range formats to a string
 * that parses back to the same second; a time that parses has the shape
 * YYYY-MM-DDTHH:MM:SS.
 */
#include "fuzz.h"
#include "timestamp.h"

#define YEAR_10000 253402300800LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	int64_t t, again;
	char text[TIMESTAMP_LEN + 1];

	if (s == NULL)
		return 0;
	if (timestamp_parse(s, &t) == 0) {
		FUZZ_CHECK(size >= TIMESTAMP_LEN);
		FUZZ_CHECK(s[4] == '-' && s[7] == '-' && s[13] == ':' && s[16] == ':');
		if (t >= 0 && t < YEAR_10000) {
			timestamp_format(t, text);
			FUZZ_CHECK(strlen(text) == TIMESTAMP_LEN);
			FUZZ_CHECK(timestamp_parse(text, &again) == 0 && again == t);
		}
	}
	free(s);
	return 0;
}
