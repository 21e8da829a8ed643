/*
 * token_cursor.c — fuzzes the decoding of what clients hand back: access
 * tokens from /connect and /access-result paths, and list cursors.
 *
 * Properties: a token is accepted only in its one canonical form (22 base64url
 * characters) and its hash is that of the bytes it encodes; a cursor is
 * accepted only as the exact text cursor_encode writes for non-negative values.
 */
#include <sodium.h>

#include "cursor.h"
#include "fuzz.h"
#include "token.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (token_init() != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char hash[TOKEN_HASH_LEN], raw[16], want[TOKEN_HASH_LEN];
	char text[TOKEN_TEXT_LEN + 1];
	int64_t key, row;

	if (token_decode((const char *)data, size, hash) == 0) {
		FUZZ_CHECK(size == TOKEN_TEXT_LEN);
		size_t n = 0;
		FUZZ_CHECK(sodium_base642bin(raw, sizeof raw, (const char *)data, size, NULL, &n, NULL,
					     sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 && n == sizeof raw);
		sodium_bin2base64(text, sizeof text, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		FUZZ_CHECK(memcmp(text, data, TOKEN_TEXT_LEN) == 0);
		crypto_hash_sha256(want, raw, sizeof raw);
		FUZZ_CHECK(memcmp(hash, want, sizeof hash) == 0);
	}

	char *s = fuzz_string(data, size);
	if (s == NULL)
		return 0;
	if (cursor_decode(s, &key, &row) == 0) {
		char again[CURSOR_TEXT_LEN + 1];
		FUZZ_CHECK(key >= 0 && row >= 0);
		cursor_encode(key, row, again);
		FUZZ_CHECK(strcmp(again, s) == 0);
	}
	free(s);
	return 0;
}
