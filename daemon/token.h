/*
 * token.h — access request tokens and ids, on libsodium.
 *
 * A token is 128 bits from the kernel's CSPRNG, written as 22 characters of
 * base64url without padding. Only its SHA-256 hash (of the 16 raw bytes) is
 * stored, so the database never holds a working link.
 */
#ifndef ACCESSD_TOKEN_H
#define ACCESSD_TOKEN_H

#include <stddef.h>

#define TOKEN_TEXT_LEN 22
#define TOKEN_HASH_LEN 32
#define TOKEN_ID_LEN 36 /* a request id: a random (version 4) UUID, lowercase */

/* Calls sodium_init(); must succeed once before any other function here.
 * Returns 0, or -1 when libsodium cannot start. */
int token_init(void);

/* Makes a fresh token: text receives its 22 characters and a NUL, hash its
 * SHA-256. Returns 0 (it cannot fail once token_init succeeded). */
int token_generate(char text[TOKEN_TEXT_LEN + 1], unsigned char hash[TOKEN_HASH_LEN]);

/* Decodes text (len bytes) as a token in its one canonical form and puts its hash
 * in hash. Returns 0, or -1 for anything else: another length, a character outside
 * base64url, padding, non-zero trailing bits. */
int token_decode(const char *text, size_t len, unsigned char hash[TOKEN_HASH_LEN]);

/* Writes a new random request id (a lowercase version 4 UUID) and a NUL into id. */
void token_new_id(char id[TOKEN_ID_LEN + 1]);

/* Whether s has the form of a request id: 36 characters of lowercase hex and
 * dashes in 8-4-4-4-12 form. Only such a string can name a request. */
int token_is_id(const char *s);

/* Constant-time comparison of two byte strings of the same length: 0 when equal. */
int token_equal(const void *a, const void *b, size_t len);

#endif
