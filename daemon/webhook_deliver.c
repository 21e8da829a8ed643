/*
 * webhook_deliver.c — the supervisor of the per-endpoint delivery workers
 * (webhook_worker.c), their wake-ups, and the webhook lines of /metrics.
 *
 * Why a thread per endpoint rather than one libcurl multi loop: an endpoint's
 * deliveries are strictly one after another (the next event waits for the
 * answer to the one before), so each endpoint is a short sequential loop that
 * blocks on its receiver; written as such, a receiver that hangs for 15 s
 * stalls only its own thread, and the order per endpoint follows from the
 * code's shape. A partner has a handful of endpoints, and
 * WEBHOOK_MAX_ENDPOINTS bounds the threads.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "webhook.h"
#include "webhook_deliver.h"
#include "webhook_worker.h"
#include "writer.h"

/* How often the supervisor looks for endpoints made or enabled by another
 * process (the command line, another instance). */
#define SUPERVISOR_POLL_MS 1000

static struct {
	pthread_mutex_t lock;    /* guards everything below */
	pthread_cond_t cond;     /* signalled on every change of a generation */
	uint64_t events_gen;     /* bumped when the writer committed events */
	uint64_t endpoints_gen;  /* bumped when an endpoint changed */
	int running, cond_ready;
	pthread_t supervisor;
	const struct config *cfg;
	struct webhook_worker *workers;  /* the supervisor's own */
} d = { .lock = PTHREAD_MUTEX_INITIALIZER };

atomic_int webhook_deliver_stopping;

/* --- metrics --- */

enum outcome { OUTCOME_DELIVERED, OUTCOME_REJECTED, OUTCOME_UNREACHABLE, OUTCOME_COUNT };
static const char *const outcome_names[OUTCOME_COUNT] = { "delivered", "rejected", "unreachable" };
static const double latency_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15 };
#define LATENCY_BUCKETS (sizeof latency_buckets / sizeof latency_buckets[0])

static atomic_ulong attempts_by_outcome[OUTCOME_COUNT];
static atomic_ulong endpoints_disabled;
static atomic_ulong latency_counts[LATENCY_BUCKETS + 1];
static atomic_ullong latency_sum_us;
static atomic_int metrics_added;

void webhook_deliver_observe(const struct webhook_attempt *a)
{
	enum outcome o = a->status >= 200 && a->status < 300 ? OUTCOME_DELIVERED
			 : a->status != 0                    ? OUTCOME_REJECTED
							     : OUTCOME_UNREACHABLE;
	size_t b = 0;
	while (b < LATENCY_BUCKETS && a->seconds > latency_buckets[b])
		b++;
	atomic_fetch_add(&attempts_by_outcome[o], 1);
	atomic_fetch_add(&latency_counts[b], 1);
	atomic_fetch_add(&latency_sum_us, (unsigned long long)(a->seconds * 1e6));
}

void webhook_deliver_count_disabled(void)
{
	atomic_fetch_add(&endpoints_disabled, 1);
}

/* The webhook lines of /metrics: attempts by outcome, the latency
 * histogram, disabled endpoints, and each endpoint's pending events. */
static void metrics_lines(char **buf, size_t *len, size_t *cap)
{
	metrics_append(buf, len, cap,
		       "# HELP accessd_webhook_deliveries_total Delivery attempts by outcome: delivered (2xx), "
		       "rejected (another status), unreachable (no answer).\n"
		       "# TYPE accessd_webhook_deliveries_total counter\n");
	for (int o = 0; o < OUTCOME_COUNT; o++)
		metrics_append(buf, len, cap, "accessd_webhook_deliveries_total{outcome=\"%s\"} %lu\n",
			       outcome_names[o], atomic_load(&attempts_by_outcome[o]));
	metrics_append(buf, len, cap,
		       "# HELP accessd_webhook_endpoints_disabled_total Endpoints disabled after a 410 or too long without success.\n"
		       "# TYPE accessd_webhook_endpoints_disabled_total counter\n"
		       "accessd_webhook_endpoints_disabled_total %lu\n"
		       "# HELP accessd_webhook_delivery_duration_seconds How long a delivery attempt took, request to answer.\n"
		       "# TYPE accessd_webhook_delivery_duration_seconds histogram\n",
		       atomic_load(&endpoints_disabled));
	unsigned long cumulative = 0;
	for (size_t b = 0; b <= LATENCY_BUCKETS; b++) {
		cumulative += atomic_load(&latency_counts[b]);
		if (b < LATENCY_BUCKETS)
			metrics_append(buf, len, cap, "accessd_webhook_delivery_duration_seconds_bucket{le=\"%g\"} %lu\n",
				       latency_buckets[b], cumulative);
		else
			metrics_append(buf, len, cap,
				       "accessd_webhook_delivery_duration_seconds_bucket{le=\"+Inf\"} %lu\n"
				       "accessd_webhook_delivery_duration_seconds_sum %.6f\n"
				       "accessd_webhook_delivery_duration_seconds_count %lu\n",
				       cumulative, (double)atomic_load(&latency_sum_us) / 1e6, cumulative);
	}

	struct store *st = store_reader();
	struct webhook_endpoint *items = NULL;
	size_t count = 0;
	if (st == NULL || webhook_store_list(st, &items, &count) != 0)
		return;
	metrics_append(buf, len, cap,
		       "# HELP accessd_webhook_pending_events Events an endpoint wants that it has not been delivered yet.\n"
		       "# TYPE accessd_webhook_pending_events gauge\n");
	for (size_t i = 0; i < count; i++) {
		metrics_append(buf, len, cap, "accessd_webhook_pending_events{endpoint=\"%s\"} %" PRId64 "\n",
			       items[i].id, webhook_store_pending(st, &items[i]));
		webhook_endpoint_clear(&items[i]);
	}
	free(items);
}

/* --- waiting --- */

const struct config *webhook_deliver_config(void)
{
	return d.cfg;
}

/* The sum of both generations: what a worker watches. */
uint64_t webhook_deliver_generation(void)
{
	pthread_mutex_lock(&d.lock);
	uint64_t g = d.events_gen + d.endpoints_gen;
	pthread_mutex_unlock(&d.lock);
	return g;
}

/* The generation is read before the caller looks at the database, so a
 * change made after that look is never missed. */
void webhook_deliver_wait(uint64_t seen, int64_t ms)
{
	struct timespec until;

	if (ms <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&d.lock);
	while (d.events_gen + d.endpoints_gen == seen && !atomic_load(&webhook_deliver_stopping))
		if (pthread_cond_timedwait(&d.cond, &d.lock, &until) != 0)
			break;
	pthread_mutex_unlock(&d.lock);
}

static void on_events_committed(void)
{
	pthread_mutex_lock(&d.lock);
	d.events_gen++;
	pthread_cond_broadcast(&d.cond);
	pthread_mutex_unlock(&d.lock);
}

void webhook_deliver_notify(void)
{
	if (!d.cond_ready)
		return;
	pthread_mutex_lock(&d.lock);
	d.endpoints_gen++;
	pthread_cond_broadcast(&d.cond);
	pthread_mutex_unlock(&d.lock);
}

/* --- the supervisor --- */

static void free_worker(struct webhook_worker *w)
{
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->settled);
	free(w);
}

/* Joins the workers that ended. */
static void reap(void)
{
	for (struct webhook_worker **p = &d.workers; *p;) {
		struct webhook_worker *w = *p;
		if (atomic_load(&w->finished)) {
			pthread_join(w->thread, NULL);
			*p = w->next;
			free_worker(w);
		} else {
			p = &w->next;
		}
	}
}

/* Starts a worker for each enabled endpoint that has none. */
static void start_workers(void)
{
	struct store *st = store_reader();
	struct webhook_endpoint *items = NULL;
	size_t count = 0, running = 0;

	if (st == NULL || webhook_store_list(st, &items, &count) != 0)
		return;
	for (struct webhook_worker *w = d.workers; w; w = w->next)
		running++;
	for (size_t i = 0; i < count; i++) {
		int have = 0;
		for (struct webhook_worker *w = d.workers; w && !have; w = w->next)
			have = strcmp(w->id, items[i].id) == 0;
		if (items[i].enabled && !have && running < WEBHOOK_MAX_ENDPOINTS) {
			struct webhook_worker *w = calloc(1, sizeof *w);
			if (w != NULL) {
				snprintf(w->id, sizeof w->id, "%s", items[i].id);
				snprintf(w->lease.kind, sizeof w->lease.kind, "webhook:%s", items[i].id);
				pthread_mutex_init(&w->lock, NULL);
				pthread_cond_init(&w->settled, NULL);
				if (pthread_create(&w->thread, NULL, webhook_worker_main, w) == 0) {
					w->next = d.workers;
					d.workers = w;
					running++;
				} else {
					log_error("event=webhook.no_thread endpoint=%s", w->id);
					free_worker(w);
				}
			}
		}
		webhook_endpoint_clear(&items[i]);
	}
	free(items);
}

static void *supervisor_main(void *unused)
{
	(void)unused;
	pthread_setname_np(pthread_self(), "webhooks");
	while (!atomic_load(&webhook_deliver_stopping)) {
		pthread_mutex_lock(&d.lock);
		uint64_t seen = d.endpoints_gen;
		pthread_mutex_unlock(&d.lock);
		reap();
		start_workers();

		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += SUPERVISOR_POLL_MS / 1000;
		pthread_mutex_lock(&d.lock);
		while (d.endpoints_gen == seen && !atomic_load(&webhook_deliver_stopping))
			if (pthread_cond_timedwait(&d.cond, &d.lock, &until) != 0)
				break;
		pthread_mutex_unlock(&d.lock);
	}
	for (struct webhook_worker *w = d.workers, *next; w; w = next) {
		next = w->next;
		pthread_join(w->thread, NULL);
		free_worker(w);
	}
	d.workers = NULL;
	store_reader_release();
	return NULL;
}

int webhook_deliver_start(const struct config *cfg, char *err, size_t errlen)
{
	pthread_condattr_t attr;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	d.cfg = cfg;
	atomic_store(&webhook_deliver_stopping, 0);
	/* The condition outlives a stop: the API may still notify it. */
	if (!d.cond_ready) {
		pthread_condattr_init(&attr);
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		pthread_cond_init(&d.cond, &attr);
		pthread_condattr_destroy(&attr);
		d.cond_ready = 1;
	}
	if (pthread_create(&d.supervisor, NULL, supervisor_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the webhook thread");
		curl_global_cleanup();
		return -1;
	}
	d.running = 1;
	store_on_events_added(on_events_committed);
	if (atomic_exchange(&metrics_added, 1) == 0)
		metrics_add_source(metrics_lines);
	return 0;
}

void webhook_deliver_stop(void)
{
	if (!d.running)
		return;
	store_on_events_added(NULL);
	pthread_mutex_lock(&d.lock);
	atomic_store(&webhook_deliver_stopping, 1);
	pthread_cond_broadcast(&d.cond);
	pthread_mutex_unlock(&d.lock);
	pthread_join(d.supervisor, NULL);
	d.running = 0;
	curl_global_cleanup();
}
