/*
 * cursor.c — list cursors in base64url (libsodium).
 */
#include <sodium.h>
#include <string.h>

#include "cursor.h"

void cursor_encode(int64_t key, int64_t row, char out[CURSOR_TEXT_LEN + 1])
{
	unsigned char bin[16];
	for (int i = 0; i < 8; i++) {
		bin[i] = (unsigned char)((uint64_t)key >> (56 - 8 * i));
		bin[8 + i] = (unsigned char)((uint64_t)row >> (56 - 8 * i));
	}
	sodium_bin2base64(out, CURSOR_TEXT_LEN + 1, bin, sizeof bin,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int cursor_decode(const char *text, int64_t *key, int64_t *row)
{
	unsigned char bin[16];
	size_t len;
	const char *end;

	if (strlen(text) != CURSOR_TEXT_LEN ||
	    sodium_base642bin(bin, sizeof bin, text, CURSOR_TEXT_LEN, NULL, &len, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof bin || *end != '\0')
		return -1;
	uint64_t k = 0, r = 0;
	for (int i = 0; i < 8; i++) {
		k = (k << 8) | bin[i];
		r = (r << 8) | bin[8 + i];
	}
	*key = (int64_t)k;
	*row = (int64_t)r;
	/* Only cursors this daemon writes are accepted: the canonical encoding. */
	char again[CURSOR_TEXT_LEN + 1];
	cursor_encode(*key, *row, again);
	return strcmp(again, text) == 0 && *key >= 0 && *row >= 0 ? 0 : -1;
}
