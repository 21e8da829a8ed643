/*
 * webhook_deliver.c — the supervisor and the per-endpoint delivery workers,
 * and the webhook lines of /metrics.
 *
 * Why a thread per endpoint rather than one libcurl multi loop: an endpoint's
 * deliveries are strictly one after another (the next event waits for the
 * answer to the one before and for its cursor to be committed), so each
 * endpoint is a short sequential loop that blocks on its receiver and on the
 * writer; written as such, a receiver that hangs for 15 s stalls only its own
 * thread, and the order per endpoint follows from the code's shape. A partner
 * has a handful of endpoints, and WEBHOOK_MAX_ENDPOINTS bounds the threads.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "config.h"
#include "events.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "timestamp.h"
#include "token.h"
#include "webhook.h"
#include "webhook_deliver.h"
#include "webhook_http.h"
#include "webhook_sign.h"
#include "writer.h"

/* How often a worker with nothing to do looks again by itself: events that
 * another process wrote (the command line's link) wake nobody. */
#define IDLE_POLL_MS 1000
/* How often the supervisor looks for endpoints made by another process. */
#define SUPERVISOR_POLL_MS 2000
/* A database that does not answer is tried again after this long. */
#define TROUBLE_WAIT_MS 1000
#define ROTATION_OVERLAP (24 * 3600)

struct worker {
	char id[TOKEN_ID_LEN + 1];
	pthread_t thread;
	atomic_int finished;
	struct worker *next;
};

static struct {
	pthread_mutex_t lock;    /* guards everything below but stopping */
	pthread_cond_t cond;     /* signalled on every change of a generation */
	uint64_t events_gen;     /* bumped when the writer committed events */
	uint64_t endpoints_gen;  /* bumped when an endpoint changed */
	atomic_int stopping;
	int running, cond_ready;
	pthread_t supervisor;
	const struct config *cfg;
	struct worker *workers;  /* the supervisor's own */
} d = { .lock = PTHREAD_MUTEX_INITIALIZER };

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

static void observe(const struct webhook_attempt *a)
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

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The sum of both generations: what a worker watches. */
static uint64_t generation(void)
{
	pthread_mutex_lock(&d.lock);
	uint64_t g = d.events_gen + d.endpoints_gen;
	pthread_mutex_unlock(&d.lock);
	return g;
}

/* Waits up to ms milliseconds, or until the generation moves away from seen
 * (read before the caller looked at the database, so no wake-up is missed),
 * or the daemon stops. */
static void wait_for_change(uint64_t seen, int64_t ms)
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
	while (d.events_gen + d.endpoints_gen == seen && !atomic_load(&d.stopping))
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

/* --- one delivery --- */

/* The signatures of a message: with the current secret, and during the day
 * after a rotation with the previous one too. Returns 0 or -1. */
static int sign_all(const struct webhook_endpoint *e, const char *id, int64_t timestamp, const char *body,
		    size_t len, char *out, size_t cap)
{
	char sig[WEBHOOK_SIGNATURE_LEN + 1];

	if (webhook_sign(e->secret, id, timestamp, body, len, sig) != 0)
		return -1;
	snprintf(out, cap, "%s", sig);
	if (e->previous_secret != NULL && timestamp < e->previous_secret_until) {
		if (webhook_sign(e->previous_secret, id, timestamp, body, len, sig) != 0)
			return -1;
		size_t used = strlen(out);
		snprintf(out + used, cap - used, " %s", sig);
	}
	return 0;
}

/* Builds the message {"type","timestamp","data"}, signs it and POSTs it. */
static void send_message(struct webhook_http *http, const struct webhook_endpoint *e, const char *id,
			 const char *type, json_t *at, json_t *data, struct webhook_attempt *a)
{
	char signatures[2 * (WEBHOOK_SIGNATURE_LEN + 1)];
	json_t *msg = json_pack("{s:s, s:O, s:O}", "type", type, "timestamp", at, "data", data);
	char *body = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	int64_t timestamp = timestamp_now();

	json_decref(msg);
	if (body == NULL || sign_all(e, id, timestamp, body, strlen(body), signatures, sizeof signatures) != 0) {
		memset(a, 0, sizeof *a);
		snprintf(a->error, sizeof a->error, body ? "the endpoint's secret is not valid" : "out of memory");
		free(body);
		return;
	}
	webhook_http_post(http, e->url, id, timestamp, signatures, body, strlen(body), a);
	free(body);
	observe(a);
}

/* What an attempt at an event changes, carried to the writer. */
struct record_job {
	const struct webhook_endpoint *e;
	int64_t event_id;
	const struct webhook_attempt *a;
	int64_t now, next_attempt_ms;
	const char *disable;  /* NULL, or why the endpoint is disabled */
	int disabled;         /* out */
};

static int record_run(struct store *st, void *arg)
{
	struct record_job *job = arg;
	const struct webhook_endpoint *e = job->e;
	const struct webhook_attempt *a = job->a;

	if (a->status >= 200 && a->status < 300)
		return webhook_store_advance(st, e->id, e->delivered_through, job->event_id, job->now, a->status);
	if (job->disable == NULL)
		return webhook_store_failed(st, e->id, e->delivered_through, job->next_attempt_ms, job->now,
					    a->status, a->error);
	int rc = webhook_store_disable(st, e->id, job->now, job->disable, a->status, a->error);
	if (rc <= 0)
		return rc;
	job->disabled = 1;
	return events_append(st, job->now, "webhook.endpoint.disabled", NULL, NULL, NULL,
			     json_pack("{s:s, s:s}", "endpointId", e->id, "reason", job->disable));
}

/* The wait before the next attempt after `failures` failed ones: the
 * schedule's entry (its last one repeats), ±10 %, and never shorter than a
 * 429's or 503's Retry-After. */
static int64_t retry_wait_ms(int failures, const struct webhook_attempt *a)
{
	const struct config *cfg = d.cfg;
	size_t i = failures < 1 ? 0 : (size_t)failures - 1;
	if (i >= cfg->webhook_retry_count)
		i = cfg->webhook_retry_count - 1;
	double factor = 0.9 + 0.2 * (double)randombytes_uniform(10001) / 10000.0;
	int64_t wait = (int64_t)((double)cfg->webhook_retry_schedule[i] * 1000.0 * factor);
	if (a->retry_after > 0 && a->retry_after * 1000 > wait)
		wait = a->retry_after * 1000;
	return wait;
}

/* Records what an attempt at event_id got, deciding a failure's next attempt
 * or the endpoint's end. Returns 0, or -1 when the writer failed. */
static int record(const struct webhook_endpoint *e, int64_t event_id, const struct webhook_attempt *a)
{
	struct record_job job = { .e = e, .event_id = event_id, .a = a, .now = timestamp_now() };
	int delivered = a->status >= 200 && a->status < 300;

	if (!delivered) {
		int64_t failing_since = e->failing_since ? e->failing_since : job.now;
		if (a->status == 410)
			job.disable = "gone";
		else if (job.now - failing_since >= d.cfg->webhook_disable_after)
			job.disable = "failing";
		else
			job.next_attempt_ms = now_ms() + retry_wait_ms(e->attempts + 1, a);
		log_info("event=webhook.attempt_failed endpoint=%s webhook_event=%" PRId64 " attempt=%d status=%d error=\"%s\"",
			 e->id, event_id, e->attempts + 1, a->status, a->error);
	}
	if (writer_run(record_run, &job) != 0)
		return -1;
	if (job.disabled) {
		atomic_fetch_add(&endpoints_disabled, 1);
		log_warn("event=webhook.endpoint_disabled endpoint=%s reason=%s status=%d", e->id, job.disable,
			 a->status);
	}
	return 0;
}

static int tests_sent_run(struct store *st, void *arg)
{
	const struct webhook_endpoint *e = arg;
	return webhook_store_tests_sent(st, e->id, e->tests_requested);
}

/* Sends one webhook.test message, outside the feed: its id is its own and it
 * moves no cursor. Whatever the answer, the request is then done. */
static void send_test(struct webhook_http *http, const struct webhook_endpoint *e)
{
	char token[TOKEN_TEXT_LEN + 1], id[sizeof "test_" + TOKEN_TEXT_LEN];
	unsigned char unused[TOKEN_HASH_LEN];
	struct webhook_attempt a;

	token_generate(token, unused);
	snprintf(id, sizeof id, "test_%s", token);
	json_t *at = timestamp_json(timestamp_now());
	json_t *data = json_pack("{s:s}", "endpointId", e->id);
	if (at != NULL && data != NULL) {
		send_message(http, e, id, "webhook.test", at, data, &a);
		log_info("event=webhook.test_sent endpoint=%s status=%d error=\"%s\"", e->id, a.status, a.error);
	}
	json_decref(at);
	json_decref(data);
	if (writer_run(tests_sent_run, (void *)e) != 0)
		log_warn("event=webhook.test_not_recorded endpoint=%s", e->id);
}

/* Where a worker has looked: events after `from` up to `through` hold
 * nothing the endpoint wants, as long as its cursor is still `from` and its
 * filter unchanged (revision). Saves reading them again. */
struct scan {
	int64_t from, through, revision;
};

/* Does one step of an endpoint's work: a test, a wait, or one event. Returns
 * 0 to go on, -1 when the endpoint is gone or disabled. */
static int worker_step(struct webhook_http *http, const char *id, struct scan *scan)
{
	struct webhook_endpoint e;
	uint64_t seen = generation();
	struct store *st = store_reader();
	int found = st ? webhook_store_get(st, id, &e) : -1;
	int64_t oldest, newest, event_id;
	json_t *event = NULL;

	if (found < 0) {
		wait_for_change(seen, TROUBLE_WAIT_MS);
		return 0;
	}
	if (found == 0 || !e.enabled) {
		if (found)
			webhook_endpoint_clear(&e);
		return -1;
	}
	if (e.tests_requested > e.tests_sent) {
		send_test(http, &e);
		webhook_endpoint_clear(&e);
		return 0;
	}
	int64_t wait = e.next_attempt_ms - now_ms();
	if (wait > 0) {
		wait_for_change(seen, wait);
		webhook_endpoint_clear(&e);
		return 0;
	}
	if (scan->from != e.delivered_through || scan->revision != e.revision)
		*scan = (struct scan){ .from = e.delivered_through, .through = e.delivered_through, .revision = e.revision };
	int next = webhook_store_event_bounds(st, &oldest, &newest) == 0
			   ? webhook_store_next_event(st, &e, scan->through, newest, &event, &event_id)
			   : -1;
	if (next <= 0) {
		if (next == 0)
			scan->through = newest;
		wait_for_change(seen, next == 0 ? IDLE_POLL_MS : TROUBLE_WAIT_MS);
		webhook_endpoint_clear(&e);
		return 0;
	}
	char msg_id[32];
	struct webhook_attempt a;
	snprintf(msg_id, sizeof msg_id, "evt_%" PRId64, event_id);
	send_message(http, &e, msg_id, json_string_value(json_object_get(event, "type")),
		     json_object_get(event, "at"), event, &a);
	json_decref(event);
	if (!atomic_load(&d.stopping) && record(&e, event_id, &a) != 0)
		wait_for_change(seen, TROUBLE_WAIT_MS);
	webhook_endpoint_clear(&e);
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct scan scan = { .from = -1 };
	struct webhook_http *http = webhook_http_new(&d.stopping);

	pthread_setname_np(pthread_self(), "webhook");
	if (http == NULL)
		log_error("event=webhook.no_client endpoint=%s", w->id);
	while (http != NULL && !atomic_load(&d.stopping))
		if (worker_step(http, w->id, &scan) != 0)
			break;
	webhook_http_free(http);
	store_reader_release();
	atomic_store(&w->finished, 1);
	webhook_deliver_notify(); /* the supervisor reaps it */
	return NULL;
}

/* --- the supervisor --- */

/* Joins the workers that ended. */
static void reap(void)
{
	for (struct worker **p = &d.workers; *p;) {
		struct worker *w = *p;
		if (atomic_load(&w->finished)) {
			pthread_join(w->thread, NULL);
			*p = w->next;
			free(w);
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
	for (struct worker *w = d.workers; w; w = w->next)
		running++;
	for (size_t i = 0; i < count; i++) {
		int have = 0;
		for (struct worker *w = d.workers; w && !have; w = w->next)
			have = strcmp(w->id, items[i].id) == 0;
		if (items[i].enabled && !have && running < WEBHOOK_MAX_ENDPOINTS) {
			struct worker *w = calloc(1, sizeof *w);
			if (w != NULL) {
				snprintf(w->id, sizeof w->id, "%s", items[i].id);
				if (pthread_create(&w->thread, NULL, worker_main, w) == 0) {
					w->next = d.workers;
					d.workers = w;
					running++;
				} else {
					log_error("event=webhook.no_thread endpoint=%s", w->id);
					free(w);
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
	while (!atomic_load(&d.stopping)) {
		pthread_mutex_lock(&d.lock);
		uint64_t seen = d.endpoints_gen;
		pthread_mutex_unlock(&d.lock);
		reap();
		start_workers();

		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += SUPERVISOR_POLL_MS / 1000;
		pthread_mutex_lock(&d.lock);
		while (d.endpoints_gen == seen && !atomic_load(&d.stopping))
			if (pthread_cond_timedwait(&d.cond, &d.lock, &until) != 0)
				break;
		pthread_mutex_unlock(&d.lock);
	}
	for (struct worker *w = d.workers, *next; w; w = next) {
		next = w->next;
		pthread_join(w->thread, NULL);
		free(w);
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
	atomic_store(&d.stopping, 0);
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
	writer_on_events(on_events_committed);
	if (atomic_exchange(&metrics_added, 1) == 0)
		metrics_add_source(metrics_lines);
	return 0;
}

void webhook_deliver_stop(void)
{
	if (!d.running)
		return;
	writer_on_events(NULL);
	pthread_mutex_lock(&d.lock);
	atomic_store(&d.stopping, 1);
	pthread_cond_broadcast(&d.cond);
	pthread_mutex_unlock(&d.lock);
	pthread_join(d.supervisor, NULL);
	d.running = 0;
	curl_global_cleanup();
}
