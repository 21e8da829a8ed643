/*
 * webhook_wake.c — how the webhook threads sleep and wake: two generation
 * counters under one condition variable (events committed, an endpoint
 * changed), and the flag that ends every wait when the daemon stops.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "timestamp.h"
#include "webhook_wake.h"

static struct {
	pthread_mutex_t lock;    /* guards everything below */
	pthread_cond_t cond;     /* signalled on every change of a generation */
	uint64_t events_gen;     /* bumped when the writer committed events */
	uint64_t endpoints_gen;  /* bumped when an endpoint changed */
	int cond_ready;
} wake = { .lock = PTHREAD_MUTEX_INITIALIZER };

atomic_int webhook_wake_stopping;

/* The condition outlives a stop: the API may still notify it. It waits on the
 * monotonic clock, so a change of the wall clock does not stretch a wait. */
void webhook_wake_init(void)
{
	pthread_condattr_t attr;

	atomic_store(&webhook_wake_stopping, 0);
	if (wake.cond_ready)
		return;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wake.cond, &attr);
	pthread_condattr_destroy(&attr);
	wake.cond_ready = 1;
}

/* The generation a watcher sees: events and endpoints together, or the
 * endpoints' alone. */
static uint64_t generation(enum webhook_wake_watch watch)
{
	return watch == WEBHOOK_WAKE_ENDPOINTS ? wake.endpoints_gen : wake.events_gen + wake.endpoints_gen;
}

uint64_t webhook_wake_generation(enum webhook_wake_watch watch)
{
	pthread_mutex_lock(&wake.lock);
	uint64_t g = generation(watch);
	pthread_mutex_unlock(&wake.lock);
	return g;
}

/* The generation is read before the caller looks at the database, so a
 * change made after that look is never missed. */
void webhook_wake_wait(enum webhook_wake_watch watch, uint64_t seen, int64_t ms)
{
	if (ms <= 0)
		return;
	struct timespec until = timestamp_monotonic_after((double)ms / 1000.0);
	pthread_mutex_lock(&wake.lock);
	while (generation(watch) == seen && !atomic_load(&webhook_wake_stopping))
		if (pthread_cond_timedwait(&wake.cond, &wake.lock, &until) != 0)
			break;
	pthread_mutex_unlock(&wake.lock);
}

void webhook_wake_events(void)
{
	pthread_mutex_lock(&wake.lock);
	wake.events_gen++;
	pthread_cond_broadcast(&wake.cond);
	pthread_mutex_unlock(&wake.lock);
}

void webhook_wake_notify(void)
{
	if (!wake.cond_ready)
		return;
	pthread_mutex_lock(&wake.lock);
	wake.endpoints_gen++;
	pthread_cond_broadcast(&wake.cond);
	pthread_mutex_unlock(&wake.lock);
}

void webhook_wake_stop(void)
{
	pthread_mutex_lock(&wake.lock);
	atomic_store(&webhook_wake_stopping, 1);
	if (wake.cond_ready)
		pthread_cond_broadcast(&wake.cond);
	pthread_mutex_unlock(&wake.lock);
}
