/*
 * test_token.c — tokens and request ids: their shape, their uniqueness, and that
 * a token decodes only from its one canonical spelling.
 */
#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

#define BASE64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#define MANY 10000

static void setup(void)
{
	ck_assert_int_eq(token_init(), 0);
}

START_TEST(test_token_is_22_base64url_characters)
{
	char text[TOKEN_TEXT_LEN + 1];
	unsigned char hash[TOKEN_HASH_LEN];

	for (int i = 0; i < 100; i++) {
		ck_assert_int_eq(token_generate(text, hash), 0);
		ck_assert_uint_eq(strlen(text), TOKEN_TEXT_LEN);
		ck_assert_uint_eq(strspn(text, BASE64URL), TOKEN_TEXT_LEN);
	}
}
END_TEST

static int compare_tokens(const void *a, const void *b)
{
	return memcmp(a, b, TOKEN_TEXT_LEN + 1);
}

START_TEST(test_ten_thousand_tokens_are_all_different)
{
	char (*texts)[TOKEN_TEXT_LEN + 1] = calloc(MANY, sizeof *texts);
	unsigned char hash[TOKEN_HASH_LEN];

	ck_assert_ptr_nonnull(texts);
	for (int i = 0; i < MANY; i++)
		ck_assert_int_eq(token_generate(texts[i], hash), 0);
	qsort(texts, MANY, sizeof *texts, compare_tokens);
	for (int i = 1; i < MANY; i++)
		ck_assert_msg(strcmp(texts[i - 1], texts[i]) != 0, "token %s came twice", texts[i]);
	free(texts);
}
END_TEST

START_TEST(test_decoding_a_generated_token_gives_its_hash)
{
	char text[TOKEN_TEXT_LEN + 1];
	unsigned char made[TOKEN_HASH_LEN], decoded[TOKEN_HASH_LEN];

	for (int i = 0; i < 1000; i++) {
		ck_assert_int_eq(token_generate(text, made), 0);
		memset(decoded, 0, sizeof decoded);
		ck_assert_msg(token_decode(text, strlen(text), decoded) == 0, "%s did not decode", text);
		ck_assert_mem_eq(decoded, made, TOKEN_HASH_LEN);
	}
}
END_TEST

/* The hash is SHA-256 of the 16 raw bytes, not of the text: decode the text by
 * hand, hash it with libsodium, compare. */
START_TEST(test_hash_is_sha256_of_the_raw_bytes)
{
	char text[TOKEN_TEXT_LEN + 1];
	unsigned char made[TOKEN_HASH_LEN], expected[TOKEN_HASH_LEN], raw[16];
	size_t raw_len = 0;

	ck_assert_int_eq(token_generate(text, made), 0);
	ck_assert_int_eq(sodium_base642bin(raw, sizeof raw, text, TOKEN_TEXT_LEN, NULL, &raw_len,
					   NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	ck_assert_uint_eq(raw_len, 16);
	crypto_hash_sha256(expected, raw, sizeof raw);
	ck_assert_mem_eq(made, expected, TOKEN_HASH_LEN);
}
END_TEST

/* A fixed token: 16 zero bytes are "AAAAAAAAAAAAAAAAAAAAAA", 16 0xff bytes are
 * "_____________________w" (the last character carries two data bits). */
START_TEST(test_known_tokens_decode_to_known_hashes)
{
	unsigned char raw[16], expected[TOKEN_HASH_LEN], got[TOKEN_HASH_LEN];

	memset(raw, 0, sizeof raw);
	crypto_hash_sha256(expected, raw, sizeof raw);
	ck_assert_int_eq(token_decode("AAAAAAAAAAAAAAAAAAAAAA", 22, got), 0);
	ck_assert_mem_eq(got, expected, TOKEN_HASH_LEN);

	memset(raw, 0xff, sizeof raw);
	crypto_hash_sha256(expected, raw, sizeof raw);
	ck_assert_int_eq(token_decode("_____________________w", 22, got), 0);
	ck_assert_mem_eq(got, expected, TOKEN_HASH_LEN);
}
END_TEST

struct bad_token {
	const char *why;
	const char *text;
	size_t len;
};

static const struct bad_token bad_tokens[] = {
	{ "empty", "", 0 },
	{ "one short", "AAAAAAAAAAAAAAAAAAAAA", 21 },
	{ "one long", "AAAAAAAAAAAAAAAAAAAAAAA", 23 },
	{ "padded", "AAAAAAAAAAAAAAAAAAAAAA==", 24 },
	{ "padding in place of the last character", "AAAAAAAAAAAAAAAAAAAAA=", 22 },
	{ "standard base64 '+'", "AAAAAAAAAAA+AAAAAAAAAA", 22 },
	{ "standard base64 '/'", "AAAAAAAAAAA/AAAAAAAAAA", 22 },
	{ "a space", "AAAAAAAAAAA AAAAAAAAAA", 22 },
	{ "a percent escape", "AAAAAAAAAAAAAAAAAAA%41", 22 },
	{ "an embedded NUL", "AAAAAAAAAAA\0AAAAAAAAAA", 22 },
	{ "a non-ASCII byte", "AAAAAAAAAAAAAAAAAAAA\xc3\xb8", 22 },
	{ "non-zero trailing bits (B)", "AAAAAAAAAAAAAAAAAAAAAB", 22 },
	{ "non-zero trailing bits (P)", "AAAAAAAAAAAAAAAAAAAAAP", 22 },
	{ "non-zero trailing bits (_)", "______________________", 22 },
	{ "a trailing newline", "AAAAAAAAAAAAAAAAAAAAA\n", 22 },
};

START_TEST(test_malformed_token_is_rejected)
{
	const struct bad_token *c = &bad_tokens[_i];
	unsigned char hash[TOKEN_HASH_LEN];

	ck_assert_msg(token_decode(c->text, c->len, hash) == -1, "%s was accepted", c->why);
}
END_TEST

START_TEST(test_null_token_is_rejected)
{
	unsigned char hash[TOKEN_HASH_LEN];

	ck_assert_int_eq(token_decode(NULL, TOKEN_TEXT_LEN, hash), -1);
}
END_TEST

/* xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx, lowercase hex. */
START_TEST(test_request_id_is_a_lowercase_v4_uuid)
{
	char id[TOKEN_ID_LEN + 1], previous[TOKEN_ID_LEN + 1] = "";

	for (int n = 0; n < 1000; n++) {
		memset(id, 'X', sizeof id);
		token_new_id(id);
		ck_assert_uint_eq(strlen(id), TOKEN_ID_LEN);
		for (int i = 0; i < TOKEN_ID_LEN; i++) {
			if (i == 8 || i == 13 || i == 18 || i == 23)
				ck_assert_msg(id[i] == '-', "%s: no hyphen at %d", id, i);
			else
				ck_assert_msg(strchr("0123456789abcdef", id[i]) != NULL,
					      "%s: not lowercase hex at %d", id, i);
		}
		ck_assert_msg(id[14] == '4', "%s: not version 4", id);
		ck_assert_msg(strchr("89ab", id[19]) != NULL, "%s: not the RFC variant", id);
		ck_assert_str_ne(id, previous);
		memcpy(previous, id, sizeof id);
	}
}
END_TEST

START_TEST(test_equal_compares_bytes)
{
	unsigned char a[TOKEN_HASH_LEN], b[TOKEN_HASH_LEN];

	memset(a, 0x5a, sizeof a);
	memcpy(b, a, sizeof b);
	ck_assert_int_eq(token_equal(a, b, sizeof a), 0);
	b[TOKEN_HASH_LEN - 1] ^= 1;
	ck_assert_int_ne(token_equal(a, b, sizeof a), 0);
	b[TOKEN_HASH_LEN - 1] ^= 1;
	b[0] ^= 0x80;
	ck_assert_int_ne(token_equal(a, b, sizeof a), 0);
}
END_TEST

Suite *token_suite(void);

Suite *token_suite(void)
{
	Suite *s = suite_create("token");
	TCase *tc = tcase_create("token");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_token_is_22_base64url_characters);
	tcase_add_test(tc, test_ten_thousand_tokens_are_all_different);
	tcase_add_test(tc, test_decoding_a_generated_token_gives_its_hash);
	tcase_add_test(tc, test_hash_is_sha256_of_the_raw_bytes);
	tcase_add_test(tc, test_known_tokens_decode_to_known_hashes);
	tcase_add_loop_test(tc, test_malformed_token_is_rejected, 0,
			    (int)(sizeof bad_tokens / sizeof bad_tokens[0]));
	tcase_add_test(tc, test_null_token_is_rejected);
	tcase_add_test(tc, test_request_id_is_a_lowercase_v4_uuid);
	tcase_add_test(tc, test_equal_compares_bytes);
	suite_add_tcase(s, tc);
	return s;
}
