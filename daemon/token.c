/*
 * token.c — access request tokens and request ids, on libsodium.
 *
 * A token is 16 bytes from randombytes_buf() written as base64url without
 * padding; only the SHA-256 of the 16 raw bytes is ever stored. Decoding accepts
 * exactly one spelling of each token, so a token cannot be varied (by its unused
 * trailing bits, by padding) into a second string that opens the same request.
 */
#include "token.h"

#include <assert.h>
#include <sodium.h>
#include <string.h>

#define TOKEN_RAW_LEN 16
#define TOKEN_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

int token_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int token_generate(char text[TOKEN_TEXT_LEN + 1], unsigned char hash[TOKEN_HASH_LEN])
{
	unsigned char raw[TOKEN_RAW_LEN];

	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(text, TOKEN_TEXT_LEN + 1, raw, sizeof raw, TOKEN_VARIANT);
	assert(strlen(text) == TOKEN_TEXT_LEN);
	crypto_hash_sha256(hash, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	return 0;
}

/*
 * Decodes text as base64url and then encodes the bytes again: only when the two
 * spellings agree is text the canonical form. This rejects, besides bad
 * characters and lengths, the three other spellings of every token whose last
 * character differs only in the two bits that carry no data. libsodium 1.0.18
 * refuses those bits itself; the comparison keeps the guarantee ours rather than
 * a detail of one libsodium version.
 */
int token_decode(const char *text, size_t len, unsigned char hash[TOKEN_HASH_LEN])
{
	unsigned char raw[TOKEN_RAW_LEN];
	char again[TOKEN_TEXT_LEN + 1];
	size_t raw_len = 0;
	const char *end = NULL;
	int rc = -1;

	if (text == NULL || len != TOKEN_TEXT_LEN)
		return -1;
	if (sodium_base642bin(raw, sizeof raw, text, len, NULL, &raw_len, &end, TOKEN_VARIANT) != 0)
		goto done;
	if (end != text + len || raw_len != sizeof raw)
		goto done;
	sodium_bin2base64(again, sizeof again, raw, sizeof raw, TOKEN_VARIANT);
	if (memcmp(again, text, TOKEN_TEXT_LEN) != 0)
		goto done;
	crypto_hash_sha256(hash, raw, sizeof raw);
	rc = 0;
done:
	sodium_memzero(raw, sizeof raw);
	return rc;
}

/* Writes 16 random bytes as a UUID, with the version (4) and variant (10xx) bits
 * set as RFC 9562 asks, in lowercase 8-4-4-4-12 form. */
void token_new_id(char id[TOKEN_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	size_t o = 0;

	randombytes_buf(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (size_t i = 0; i < sizeof b; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			id[o++] = '-';
		id[o++] = hex[b[i] >> 4];
		id[o++] = hex[b[i] & 0x0f];
	}
	assert(o == TOKEN_ID_LEN);
	id[o] = '\0';
}

int token_is_id(const char *s)
{
	for (size_t i = 0; i < TOKEN_ID_LEN; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return s[TOKEN_ID_LEN] == '\0';
}

int token_equal(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0 ? 0 : -1;
}
