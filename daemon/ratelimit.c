/*
 * ratelimit.c — a sliding-window rate limiter shared between threads.
 *
 * The last limit calls are kept in a ring of time stamps: slot (ticket % limit)
 * holds when call ticket started and, once released, when it ended. Ticket
 * numbers only grow, so a release can tell whether its slot was already reused.
 */
#include "ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "timestamp.h"

struct ratelimit {
	pthread_mutex_t lock;
	unsigned limit;
	double window;
	double (*now)(void *arg);
	void *clock_arg;
	double blocked_until;
	unsigned long next_ticket;
	double *stamps; /* limit entries; -INFINITY for a slot never used */
};

double ratelimit_monotonic(void *arg)
{
	(void)arg;
	return (double)timestamp_monotonic_ns() / 1e9;
}

struct ratelimit *ratelimit_new(unsigned limit, double window,
				 double (*now)(void *arg), void *clock_arg)
{
	struct ratelimit *rl;

	if (limit == 0 || !(window > 0) || now == NULL)
		return NULL;
	rl = calloc(1, sizeof *rl);
	if (rl == NULL)
		return NULL;
	rl->stamps = malloc(limit * sizeof *rl->stamps);
	if (rl->stamps == NULL || pthread_mutex_init(&rl->lock, NULL) != 0) {
		free(rl->stamps);
		free(rl);
		return NULL;
	}
	for (unsigned i = 0; i < limit; i++)
		rl->stamps[i] = -INFINITY;
	rl->limit = limit;
	rl->window = window;
	rl->now = now;
	rl->clock_arg = clock_arg;
	rl->blocked_until = -INFINITY;
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl->stamps);
	free(rl);
}

/* When the next call may start: once the window of the call limit tickets
 * before it (whose slot it takes) is over and no block is in force. */
static double earliest_start(const struct ratelimit *rl, double now)
{
	unsigned slot = (unsigned)(rl->next_ticket % rl->limit);

	return fmax(now, fmax(rl->blocked_until, rl->stamps[slot] + rl->window));
}

/* The slot holds the planned start from here on, so a later reservation
 * already counts this call while its caller is still waiting. */
double ratelimit_reserve(struct ratelimit *rl, unsigned long *ticket)
{
	pthread_mutex_lock(&rl->lock);
	double now = rl->now(rl->clock_arg);
	double start = earliest_start(rl, now);

	rl->stamps[rl->next_ticket % rl->limit] = start;
	*ticket = rl->next_ticket++;
	pthread_mutex_unlock(&rl->lock);
	return start - now;
}

double ratelimit_peek(struct ratelimit *rl)
{
	pthread_mutex_lock(&rl->lock);
	double now = rl->now(rl->clock_arg);
	double wait = earliest_start(rl, now) - now;
	pthread_mutex_unlock(&rl->lock);
	return wait;
}

void ratelimit_release(struct ratelimit *rl, unsigned long ticket)
{
	pthread_mutex_lock(&rl->lock);
	/* A ticket limit or more behind the newest has lost its slot to a later
	 * call, whose stamp must stay. */
	if (rl->next_ticket - ticket <= rl->limit) {
		unsigned slot = (unsigned)(ticket % rl->limit);
		rl->stamps[slot] = fmax(rl->stamps[slot], rl->now(rl->clock_arg));
	}
	pthread_mutex_unlock(&rl->lock);
}

void ratelimit_block(struct ratelimit *rl, double seconds)
{
	pthread_mutex_lock(&rl->lock);
	rl->blocked_until = fmax(rl->blocked_until, rl->now(rl->clock_arg) + seconds);
	pthread_mutex_unlock(&rl->lock);
}
