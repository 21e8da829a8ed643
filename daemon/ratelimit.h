/*
 * ratelimit.h — "at most N calls in any window of W seconds", shared between
 * threads, with a "blocked until" that a server's Retry-After sets.
 *
 * A call reserves a slot before it starts and releases it when it ends. The slot
 * it reuses is the one of the call N before it, so a new call may start only W
 * seconds after that older call ended (or started, if it has not ended yet).
 * Counting from the end keeps the limit as the server measures it, even when the
 * server stamps a request only after answering it.
 *
 * Zaptec documents 10 calls a second with a burst of 15. A burst of 15 can put
 * 15 calls into one second, so the daemon keeps the stricter "10 in any one
 * second", which never drains Zaptec's bucket.
 *
 * Nothing here sleeps: ratelimit_reserve() says how long the caller must wait,
 * so callers sleep without holding the lock. The clock is injectable for tests.
 */
#ifndef ACCESSD_RATELIMIT_H
#define ACCESSD_RATELIMIT_H

struct ratelimit;

/* CLOCK_MONOTONIC in seconds: the clock to use outside tests. arg is unused. */
double ratelimit_monotonic(void *arg);

/* A limiter of limit calls (at least 1) in any window seconds (more than 0),
 * reading time from now(clock_arg): seconds from any fixed origin, never going
 * back (ratelimit_monotonic outside tests). Returns NULL when out of memory or given
 * a limit or window out of range. Free it with ratelimit_free(). */
struct ratelimit *ratelimit_new(unsigned limit, double window, 
				 double (*now)(void *arg), void *clock_arg);

/* Releases rl; accepts NULL. No call may be using it. */
void ratelimit_free(struct ratelimit *rl);

/* Reserves the next slot and returns how many seconds (0 or more) the caller
 * must wait before starting its call. *ticket identifies the slot for
 * ratelimit_release(). Thread-safe. */
double ratelimit_reserve(struct ratelimit *rl, unsigned long *ticket);

/* How many seconds (0 or more) a reservation made now would have to wait,
 * without reserving anything. Thread-safe. */
double ratelimit_peek(struct ratelimit *rl);

/* Marks the call of ticket as ended now, so the window of its slot counts from
 * here. Call it once per reservation, whether the call succeeded or not.
 * Thread-safe. */
void ratelimit_release(struct ratelimit *rl, unsigned long ticket);

/* Holds every reservation made from now on until seconds from now (a 429's
 * Retry-After). A shorter block never shortens a longer one. Thread-safe. */
void ratelimit_block(struct ratelimit *rl, double seconds);

#endif
