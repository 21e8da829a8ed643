/*
 * test_redirect_cache.c — the in-memory answers to repeat clicks: what is
 * kept, what is forgotten, and that an answer read before a change is never
 * kept after it.
 */
#include <check.h>
#include <string.h>
#include <time.h>

#include "redirect_cache.h"

#define URL "https://portal.zaptec.com/access/request/BSJG?partnerName=P&lang=en&installationtype=1"
#define FAR (INT64_C(4) << 40) /* an expiry far in the future */

/* A token hash whose set is chosen by set and whose identity by id. */
static void make_hash(unsigned char hash[TOKEN_HASH_LEN], unsigned set, unsigned char id)
{
	memset(hash, id, TOKEN_HASH_LEN);
	memset(hash, 0, 8);
	memcpy(hash, &set, sizeof set);
}

static int hit(const unsigned char hash[TOKEN_HASH_LEN], int64_t now, char *out)
{
	return redirect_cache_get(hash, now, out);
}

START_TEST(test_a_kept_answer_is_given_back_and_only_for_its_token)
{
	unsigned char a[TOKEN_HASH_LEN], b[TOKEN_HASH_LEN];
	char out[REDIRECT_CACHE_URL_MAX];
	make_hash(a, 1, 0xa1);
	make_hash(b, 1, 0xb2);

	ck_assert(!hit(a, 100, out));
	redirect_cache_put(a, 7, FAR, URL, redirect_cache_generation());
	ck_assert(hit(a, 100, out));
	ck_assert_str_eq(out, URL);
	ck_assert(!hit(b, 100, out));
}
END_TEST

START_TEST(test_an_answer_is_not_given_once_its_request_has_expired)
{
	unsigned char a[TOKEN_HASH_LEN];
	char out[REDIRECT_CACHE_URL_MAX];
	make_hash(a, 2, 0xa1);

	redirect_cache_put(a, 8, 1000, URL, redirect_cache_generation());
	ck_assert(hit(a, 999, out));
	ck_assert(!hit(a, 1000, out));
}
END_TEST

START_TEST(test_forgetting_a_request_drops_its_answer_and_no_other)
{
	unsigned char a[TOKEN_HASH_LEN], b[TOKEN_HASH_LEN];
	char out[REDIRECT_CACHE_URL_MAX];
	make_hash(a, 3, 0xa1);
	make_hash(b, 4, 0xb2);
	redirect_cache_put(a, 21, FAR, URL "&a", redirect_cache_generation());
	redirect_cache_put(b, 22, FAR, URL "&b", redirect_cache_generation());

	const int64_t changed[] = { 99, 21, 5 };
	redirect_cache_forget(changed, 3);
	ck_assert(!hit(a, 100, out));
	ck_assert(hit(b, 100, out));
	ck_assert_str_eq(out, URL "&b");

	redirect_cache_forget(NULL, 0);
	ck_assert(!hit(b, 100, out));
}
END_TEST

START_TEST(test_an_answer_read_before_a_change_is_not_kept)
{
	unsigned char a[TOKEN_HASH_LEN];
	char out[REDIRECT_CACHE_URL_MAX];
	make_hash(a, 5, 0xa1);

	uint64_t read = redirect_cache_generation();
	const int64_t changed[] = { 31 };
	redirect_cache_forget(changed, 1); /* a commit lands while the request is read */
	redirect_cache_put(a, 31, FAR, URL, read);
	ck_assert(!hit(a, 100, out));

	redirect_cache_put(a, 31, FAR, URL, redirect_cache_generation());
	ck_assert(hit(a, 100, out));
}
END_TEST

START_TEST(test_a_full_set_gives_up_one_answer_for_a_new_one)
{
	unsigned char h[5][TOKEN_HASH_LEN];
	char out[REDIRECT_CACHE_URL_MAX];
	for (int i = 0; i < 5; i++) {
		make_hash(h[i], 6, (unsigned char)(0x10 + i));
		redirect_cache_put(h[i], 40 + i, FAR, URL, redirect_cache_generation());
	}
	int kept = 0;
	for (int i = 0; i < 4; i++)
		kept += hit(h[i], 100, out);
	ck_assert_int_eq(kept, 3);
	ck_assert(hit(h[4], 100, out));
}
END_TEST

START_TEST(test_too_long_a_url_is_not_kept)
{
	unsigned char a[TOKEN_HASH_LEN];
	char out[REDIRECT_CACHE_URL_MAX], url[REDIRECT_CACHE_URL_MAX + 1];
	make_hash(a, 7, 0xa1);
	memset(url, 'u', REDIRECT_CACHE_URL_MAX);
	url[REDIRECT_CACHE_URL_MAX] = '\0';

	redirect_cache_put(a, 50, FAR, url, redirect_cache_generation());
	ck_assert(!hit(a, 100, out));
	url[REDIRECT_CACHE_URL_MAX - 1] = '\0';
	redirect_cache_put(a, 50, FAR, url, redirect_cache_generation());
	ck_assert(hit(a, 100, out));
	ck_assert_str_eq(out, url);
}
END_TEST

/* The lifetime bounds how long an edit made outside the daemon goes unseen;
 * the clock is monotonic, so sleeping past it is certain to expire the answer. */
START_TEST(test_an_answer_is_read_again_after_its_lifetime)
{
	unsigned char a[TOKEN_HASH_LEN];
	char out[REDIRECT_CACHE_URL_MAX];
	make_hash(a, 8, 0xa1);
	redirect_cache_put(a, 60, FAR, URL, redirect_cache_generation());
	ck_assert(hit(a, 100, out));

	struct timespec pause = { .tv_sec = REDIRECT_CACHE_TTL_MS / 1000,
				  .tv_nsec = (REDIRECT_CACHE_TTL_MS % 1000 + 50) * 1000000L };
	nanosleep(&pause, NULL);
	ck_assert(!hit(a, 100, out));
}
END_TEST

Suite *redirect_cache_suite(void);
Suite *redirect_cache_suite(void)
{
	Suite *s = suite_create("redirect_cache");
	TCase *tc = tcase_create("cache");
	tcase_add_test(tc, test_a_kept_answer_is_given_back_and_only_for_its_token);
	tcase_add_test(tc, test_an_answer_is_not_given_once_its_request_has_expired);
	tcase_add_test(tc, test_forgetting_a_request_drops_its_answer_and_no_other);
	tcase_add_test(tc, test_an_answer_read_before_a_change_is_not_kept);
	tcase_add_test(tc, test_a_full_set_gives_up_one_answer_for_a_new_one);
	tcase_add_test(tc, test_too_long_a_url_is_not_kept);
	tcase_add_test(tc, test_an_answer_is_read_again_after_its_lifetime);
	suite_add_tcase(s, tc);
	return s;
}
