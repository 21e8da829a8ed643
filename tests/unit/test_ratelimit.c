/*
 * test_ratelimit.c — the sliding-window limiter on a fake clock: how many calls
 * start at once, how long the next one waits, that a window counts from the end
 * of a call, the per-minute limit of list calls, Retry-After blocks, and that
 * threads reserving at once never share a slot.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>

#include "ratelimit.h"

#define EPSILON 1e-9

struct fake_clock {
	double t;
};

static double fake_now(void *arg)
{
	return ((struct fake_clock *)arg)->t;
}

/* Runs one call that takes duration seconds: waits as told, then releases.
 * Returns when the call started. */
static double run_call(struct ratelimit *rl, struct fake_clock *clock, double duration)
{
	unsigned long ticket;

	clock->t += ratelimit_reserve(rl, &ticket);
	double start = clock->t;
	clock->t += duration;
	ratelimit_release(rl, ticket);
	return start;
}

START_TEST(test_ten_calls_start_at_once_and_the_eleventh_waits_a_second)
{
	struct fake_clock clock = { 100.0 };
	struct ratelimit *rl = ratelimit_new(10, 1.0, fake_now, &clock);
	unsigned long ticket;

	ck_assert_ptr_nonnull(rl);
	for (int i = 0; i < 10; i++) {
		ck_assert_double_eq_tol(ratelimit_reserve(rl, &ticket), 0.0, EPSILON);
		ratelimit_release(rl, ticket);
	}
	ck_assert_double_eq_tol(ratelimit_reserve(rl, &ticket), 1.0, EPSILON);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_forty_calls_never_put_more_than_ten_into_one_second)
{
	struct fake_clock clock = { 0.0 };
	struct ratelimit *rl = ratelimit_new(10, 1.0, fake_now, &clock);
	double starts[40];

	for (int i = 0; i < 40; i++)
		starts[i] = run_call(rl, &clock, 0.01);
	for (int i = 10; i < 40; i++)
		ck_assert_msg(starts[i] - starts[i - 10] >= 1.0 - EPSILON,
			      "calls %d and %d started %.3f s apart", i - 10, i, starts[i] - starts[i - 10]);
	/* Each group of ten waits for the end of the group before: 3 windows plus
	 * the 10 ms the ending calls took. */
	ck_assert_double_eq_tol(starts[39], 3.0 + 3 * 0.01 + 9 * 0.01, EPSILON);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_the_window_counts_from_the_end_of_a_slow_call)
{
	struct fake_clock clock = { 0.0 };
	struct ratelimit *rl = ratelimit_new(1, 1.0, fake_now, &clock);
	unsigned long ticket;

	ck_assert_double_eq_tol(ratelimit_reserve(rl, &ticket), 0.0, EPSILON);
	clock.t = 0.7;
	ratelimit_release(rl, ticket);
	ck_assert_double_eq_tol(ratelimit_reserve(rl, &ticket), 1.0, EPSILON);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_a_call_not_yet_ended_still_counts_from_its_start)
{
	struct fake_clock clock = { 0.0 };
	struct ratelimit *rl = ratelimit_new(1, 1.0, fake_now, &clock);
	unsigned long first, second;

	ratelimit_reserve(rl, &first);
	clock.t = 0.25;
	ck_assert_double_eq_tol(ratelimit_reserve(rl, &second), 0.75, EPSILON);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_a_late_release_does_not_move_a_reused_slot)
{
	struct fake_clock clock = { 0.0 };
	struct ratelimit *rl = ratelimit_new(1, 1.0, fake_now, &clock);
	unsigned long first, second, third;

	ratelimit_reserve(rl, &first);
	ck_assert_double_eq_tol(ratelimit_reserve(rl, &second), 1.0, EPSILON);
	clock.t = 5.0;
	ratelimit_release(rl, first);
	/* The slot now belongs to the second call, planned for t = 1. */
	ck_assert_double_eq_tol(ratelimit_reserve(rl, &third), 0.0, EPSILON);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_thirty_list_calls_a_minute_then_the_next_waits_for_the_first)
{
	struct fake_clock clock = { 0.0 };
	struct ratelimit *rl = ratelimit_new(30, 60.0, fake_now, &clock);
	unsigned long ticket;

	for (int i = 0; i < 30; i++) {
		ck_assert_double_eq_tol(ratelimit_reserve(rl, &ticket), 0.0, EPSILON);
		ratelimit_release(rl, ticket);
		clock.t += 1.0;
	}
	/* 30 s have passed; the first call's minute ends at t = 60. */
	ck_assert_double_eq_tol(ratelimit_reserve(rl, &ticket), 30.0, EPSILON);
	ratelimit_release(rl, ticket);
	clock.t = 61.0;
	ck_assert_double_eq_tol(ratelimit_reserve(rl, &ticket), 0.0, EPSILON);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_retry_after_holds_every_later_call)
{
	struct fake_clock clock = { 10.0 };
	struct ratelimit *rl = ratelimit_new(10, 1.0, fake_now, &clock);
	unsigned long ticket;

	ratelimit_block(rl, 2.0);
	ck_assert_double_eq_tol(ratelimit_reserve(rl, &ticket), 2.0, EPSILON);
	ratelimit_release(rl, ticket);
	clock.t = 11.5;
	ck_assert_double_eq_tol(ratelimit_reserve(rl, &ticket), 0.5, EPSILON);
	ratelimit_release(rl, ticket);
	clock.t = 12.0;
	ck_assert_double_eq_tol(ratelimit_reserve(rl, &ticket), 0.0, EPSILON);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_a_shorter_retry_after_does_not_shorten_a_block)
{
	struct fake_clock clock = { 0.0 };
	struct ratelimit *rl = ratelimit_new(10, 1.0, fake_now, &clock);
	unsigned long ticket;

	ratelimit_block(rl, 5.0);
	ratelimit_block(rl, 1.0);
	ck_assert_double_eq_tol(ratelimit_reserve(rl, &ticket), 5.0, EPSILON);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_peeking_tells_the_wait_without_taking_a_slot)
{
	struct fake_clock clock = { 0.0 };
	struct ratelimit *rl = ratelimit_new(1, 1.0, fake_now, &clock);
	unsigned long ticket;

	ck_assert_double_eq_tol(ratelimit_peek(rl), 0.0, EPSILON);
	ck_assert_double_eq_tol(ratelimit_peek(rl), 0.0, EPSILON);
	ratelimit_reserve(rl, &ticket);
	ratelimit_release(rl, ticket);
	clock.t = 0.4;
	ck_assert_double_eq_tol(ratelimit_peek(rl), 0.6, EPSILON);
	ck_assert_double_eq_tol(ratelimit_reserve(rl, &ticket), 0.6, EPSILON);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_new_refuses_a_zero_limit_or_window)
{
	struct fake_clock clock = { 0.0 };

	ck_assert_ptr_null(ratelimit_new(0, 1.0, fake_now, &clock));
	ck_assert_ptr_null(ratelimit_new(10, 0.0, fake_now, &clock));
	ck_assert_ptr_null(ratelimit_new(10, NAN, fake_now, &clock));
	ratelimit_free(NULL);
}
END_TEST

#define THREADS 8
#define PER_THREAD 25

struct reserver {
	struct ratelimit *rl;
	double waits[PER_THREAD];
};

static void *reserve_many(void *arg)
{
	struct reserver *r = arg;
	unsigned long ticket;

	for (int i = 0; i < PER_THREAD; i++)
		r->waits[i] = ratelimit_reserve(r->rl, &ticket);
	return NULL;
}

/* With the clock stopped, 200 reservations of a 10-a-second limiter must come
 * out as exactly ten at each whole second from 0 to 19, whichever thread
 * made them. */
START_TEST(test_threads_reserving_at_once_each_get_their_own_slot)
{
	struct fake_clock clock = { 0.0 };
	struct ratelimit *rl = ratelimit_new(10, 1.0, fake_now, &clock);
	struct reserver reservers[THREADS];
	pthread_t threads[THREADS];
	int per_second[THREADS * PER_THREAD / 10] = { 0 };

	for (int i = 0; i < THREADS; i++) {
		reservers[i].rl = rl;
		ck_assert_int_eq(pthread_create(&threads[i], NULL, reserve_many, &reservers[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < THREADS; i++)
		for (int j = 0; j < PER_THREAD; j++) {
			double w = reservers[i].waits[j];
			int second = (int)lround(w);
			ck_assert_double_eq_tol(w, second, EPSILON);
			ck_assert_int_lt(second, THREADS * PER_THREAD / 10);
			per_second[second]++;
		}
	for (int s = 0; s < THREADS * PER_THREAD / 10; s++)
		ck_assert_int_eq(per_second[s], 10);
	ratelimit_free(rl);
}
END_TEST

Suite *ratelimit_suite(void);

Suite *ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("window");

	tcase_add_test(tc, test_ten_calls_start_at_once_and_the_eleventh_waits_a_second);
	tcase_add_test(tc, test_forty_calls_never_put_more_than_ten_into_one_second);
	tcase_add_test(tc, test_the_window_counts_from_the_end_of_a_slow_call);
	tcase_add_test(tc, test_a_call_not_yet_ended_still_counts_from_its_start);
	tcase_add_test(tc, test_a_late_release_does_not_move_a_reused_slot);
	tcase_add_test(tc, test_thirty_list_calls_a_minute_then_the_next_waits_for_the_first);
	tcase_add_test(tc, test_retry_after_holds_every_later_call);
	tcase_add_test(tc, test_a_shorter_retry_after_does_not_shorten_a_block);
	tcase_add_test(tc, test_peeking_tells_the_wait_without_taking_a_slot);
	tcase_add_test(tc, test_new_refuses_a_zero_limit_or_window);
	tcase_add_test(tc, test_threads_reserving_at_once_each_get_their_own_slot);
	suite_add_tcase(s, tc);
	return s;
}
