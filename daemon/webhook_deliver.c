/*
 * webhook_deliver.c — the supervisor of the per-endpoint delivery workers
 * (webhook_worker.c): it starts one for each enabled endpoint and reaps those
 * whose endpoint went away. Their wake-ups are in webhook_wake.c, their
 * metrics in webhook_metrics.c.
 *
 * Why a thread per endpoint rather than one libcurl multi loop: an endpoint's
 * deliveries are strictly one after another (the next event waits for the
 * answer to the one before), so each endpoint is a short sequential loop that
 * blocks on its receiver; written as such, a receiver that hangs for 15 s
 * stalls only its own thread, and the order per endpoint follows from the
 * code's shape. A partner has a handful of endpoints, and
 * WEBHOOK_MAX_ENDPOINTS bounds the threads.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "config.h"
#include "log.h"
#include "store.h"
#include "webhook.h"
#include "webhook_deliver.h"
#include "webhook_metrics.h"
#include "webhook_wake.h"
#include "webhook_worker.h"
#include "writer.h"

/* How often the supervisor looks for endpoints made or enabled by another
 * process (the command line, another instance). */
#define SUPERVISOR_POLL_MS 1000

static struct {
	int running;
	pthread_t supervisor;
	const struct config *cfg;
	struct webhook_worker *workers;  /* the supervisor's own */
} d;

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
				w->cfg = d.cfg;
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
	while (!atomic_load(&webhook_wake_stopping)) {
		uint64_t seen = webhook_wake_generation(WEBHOOK_WAKE_ENDPOINTS);
		reap();
		start_workers();
		webhook_wake_wait(WEBHOOK_WAKE_ENDPOINTS, seen, SUPERVISOR_POLL_MS);
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
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	d.cfg = cfg;
	webhook_wake_init();
	if (pthread_create(&d.supervisor, NULL, supervisor_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the webhook thread");
		curl_global_cleanup();
		return -1;
	}
	d.running = 1;
	store_on_events_added(webhook_wake_events);
	webhook_metrics_register();
	return 0;
}

void webhook_deliver_stop(void)
{
	if (!d.running)
		return;
	store_on_events_added(NULL);
	webhook_wake_stop();
	pthread_join(d.supervisor, NULL);
	d.running = 0;
	curl_global_cleanup();
}
