/*
 * webhook_worker.c — one endpoint's deliveries: the next wanted event after
 * the cursor, signed and POSTed; the outcome recorded; retries scheduled.
 *
 * The cursor. Events go out strictly one after another, each only once the
 * one before was answered with a 2xx. The cursor's move past a delivered
 * event is handed to the writer and committed with its next group commit,
 * while the next event is already on its way: waiting for an fsync between
 * deliveries would cap an endpoint at the disk's sync rate. The cursor in the
 * database thus trails the deliveries by the advances not yet committed, at
 * most WEBHOOK_UNCONFIRMED_MAX (a few milliseconds' worth in practice). It
 * never runs ahead of them, so a crash skips nothing; it repeats, with the
 * same webhook-id, the events delivered since the last commit. Before a
 * failure is recorded, and whenever the endpoint was changed by hand, the
 * worker waits until every advance has committed, so the database agrees.
 *
 * Several instances. Each runs a worker for every enabled endpoint, but only
 * the one holding the endpoint's lease ("webhook:<id>", lease.h) delivers; the
 * others wait to take it over once it expires, within 30 s of the holder's
 * death. A worker re-reads its endpoint at every step and never waits longer
 * than IDLE_POLL_MS between steps, so a change made through another
 * instance's API (which cannot signal this process) is followed within about
 * a second, as are events another instance appended. Whenever the lease was
 * newly taken, the worker starts again from the database's cursor: another
 * instance may have moved it meanwhile.
 */
#include <assert.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "events.h"
#include "log.h"
#include "store.h"
#include "timestamp.h"
#include "webhook_metrics.h"
#include "webhook_sign.h"
#include "webhook_store.h"
#include "webhook_wake.h"
#include "webhook_worker.h"
#include "writer.h"

/* Deliveries whose cursor advance may be uncommitted at once. */
#define WEBHOOK_UNCONFIRMED_MAX 16
/* How often a worker with nothing to do, or waiting to retry, looks again by
 * itself: events and endpoint changes that another process wrote (the
 * command line, another instance) wake nobody. */
#define IDLE_POLL_MS 1000
/* A database that does not answer is tried again after this long. */
#define TROUBLE_WAIT_MS 1000

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- one message --- */

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
	webhook_metrics_observe(a);
}

/* --- the cursor's advances, committed behind the deliveries --- */

struct advance_job {
	struct writer_job job;
	struct webhook_worker *w;
	int64_t from, to, revision, now;
	int status;
};

static int advance_run(struct store *st, void *arg)
{
	struct advance_job *a = arg;
	return webhook_store_advance(st, a->w->id, a->from, a->revision, a->to, a->now, a->status);
}

static void advance_done(void *arg, int status)
{
	struct advance_job *a = arg;
	struct webhook_worker *w = a->w;
	pthread_mutex_lock(&w->lock);
	w->unconfirmed--;
	if (status != 0)
		w->advance_failed = 1;
	pthread_cond_broadcast(&w->settled);
	pthread_mutex_unlock(&w->lock);
	free(a);
}

/* Waits, before a delivery, while WEBHOOK_UNCONFIRMED_MAX advances are
 * pending: the events delivered but not yet committed never exceed it. */
static void wait_for_room(struct webhook_worker *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->unconfirmed >= WEBHOOK_UNCONFIRMED_MAX)
		pthread_cond_wait(&w->settled, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/* Hands the writer the cursor's move from `from` to `to`. Returns 0, or -1
 * out of memory. */
static int advance(struct webhook_worker *w, int64_t from, int64_t to, int64_t revision, int status)
{
	struct advance_job *a = calloc(1, sizeof *a);
	if (a == NULL)
		return -1;
	*a = (struct advance_job){ .job = { .run = advance_run, .done = advance_done },
				   .w = w, .from = from, .to = to, .revision = revision,
				   .now = timestamp_now(), .status = status };
	a->job.arg = a;
	pthread_mutex_lock(&w->lock);
	assert(w->unconfirmed < WEBHOOK_UNCONFIRMED_MAX);
	w->unconfirmed++;
	pthread_mutex_unlock(&w->lock);
	writer_submit(&a->job);
	return 0;
}

/* Waits until every advance handed over has committed or failed. Returns 1
 * when one failed since the last call (the database's cursor is then behind
 * the deliveries, which repeat from it), else 0. */
static int settle(struct webhook_worker *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->unconfirmed > 0)
		pthread_cond_wait(&w->settled, &w->lock);
	int failed = w->advance_failed;
	w->advance_failed = 0;
	pthread_mutex_unlock(&w->lock);
	return failed;
}

/* --- failures --- */

/* What a failed attempt changes, carried to the writer. */
struct failure_job {
	const struct webhook_endpoint *e;
	const struct webhook_attempt *a;
	int64_t now, next_attempt_ms;
	const char *disable;  /* NULL, or why the endpoint is disabled */
	int disabled;         /* out */
};

static int failure_run(struct store *st, void *arg)
{
	struct failure_job *job = arg;
	const struct webhook_endpoint *e = job->e;
	const struct webhook_attempt *a = job->a;

	if (job->disable == NULL)
		return webhook_store_failed(st, e->id, e->delivered_through, e->revision, job->next_attempt_ms,
					    job->now, a->status, a->error);
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
static int64_t retry_wait_ms(const struct config *cfg, int failures, const struct webhook_attempt *a)
{
	size_t i = failures < 1 ? 0 : (size_t)failures - 1;
	if (i >= cfg->webhook_retry_count)
		i = cfg->webhook_retry_count - 1;
	double factor = 0.9 + 0.2 * (double)randombytes_uniform(10001) / 10000.0;
	int64_t wait = (int64_t)((double)cfg->webhook_retry_schedule[i] * 1000.0 * factor);
	if (a->retry_after > 0 && a->retry_after * 1000 > wait)
		wait = a->retry_after * 1000;
	return wait;
}

/* Records a failed attempt at event_id on e as the database has it (every
 * advance settled): when to try again, or the endpoint's end after a 410 or
 * webhook_disable_after without success. Returns 0, or -1 when the writer
 * failed. */
static int record_failure(const struct config *cfg, const struct webhook_endpoint *e, int64_t event_id, const struct webhook_attempt *a)
{
	struct failure_job job = { .e = e, .a = a, .now = timestamp_now() };
	int64_t failing_since = e->failing_since ? e->failing_since : job.now;

	if (a->status == 410)
		job.disable = "gone";
	else if (job.now - failing_since >= cfg->webhook_disable_after)
		job.disable = "failing";
	else
		job.next_attempt_ms = now_ms() + retry_wait_ms(cfg, e->attempts + 1, a);
	log_info("event=webhook.attempt_failed endpoint=%s webhook_event=%" PRId64 " attempt=%d status=%d error=\"%s\"",
		 e->id, event_id, e->attempts + 1, a->status, a->error);
	if (writer_run(failure_run, &job) != 0)
		return -1;
	if (job.disabled) {
		webhook_metrics_count_disabled();
		log_warn("event=webhook.endpoint_disabled endpoint=%s reason=%s status=%d", e->id, job.disable,
			 a->status);
	}
	return 0;
}

/* --- test messages --- */

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

/* --- the loop --- */

/* Where a worker stands: the cursor as far as deliveries have got (ahead of
 * the database's by the unconfirmed advances) under the endpoint's revision,
 * and how far past it the log is known to hold nothing the endpoint wants. */
struct position {
	int known;
	int64_t through, revision, scanned;
};

/* Does one step of an endpoint's work: a test, a wait, or one event. Returns
 * 0 to go on, -1 when the endpoint is gone or disabled. */
static int step(struct webhook_worker *w, struct webhook_http *http, struct position *pos)
{
	struct webhook_endpoint e;
	uint64_t seen = webhook_wake_generation(WEBHOOK_WAKE_ANY);
	struct store *st = store_reader();
	int found = st ? webhook_store_get(st, w->id, &e) : -1;
	int64_t oldest, newest, event_id;
	json_t *event = NULL;

	if (found < 0) {
		webhook_wake_wait(WEBHOOK_WAKE_ANY, seen, TROUBLE_WAIT_MS);
		return 0;
	}
	if (found == 0 || !e.enabled) {
		if (found)
			webhook_endpoint_clear(&e);
		return -1;
	}
	int lease = lease_own_keep(&w->lease);
	if (lease != 1 && pos->known) {
		/* Lost, or taken again: the cursor is the database's again. */
		settle(w);
		pos->known = 0;
	}
	if (lease == 0) {
		webhook_wake_wait(WEBHOOK_WAKE_ANY, seen, IDLE_POLL_MS);
		webhook_endpoint_clear(&e);
		return 0;
	}
	if (!pos->known || pos->revision != e.revision) {
		/* Changed by hand (a replay, new types, enabled again): start from
		 * the database's cursor once ours has settled there. */
		if (pos->known) {
			settle(w);
			pos->known = 0;
			webhook_endpoint_clear(&e);
			return 0;
		}
		*pos = (struct position){ .known = 1, .through = e.delivered_through, .revision = e.revision,
					  .scanned = e.delivered_through };
	}
	if (e.tests_requested > e.tests_sent) {
		send_test(http, &e);
		webhook_endpoint_clear(&e);
		return 0;
	}
	int64_t wait = e.next_attempt_ms - now_ms();
	if (wait > 0) {
		webhook_wake_wait(WEBHOOK_WAKE_ANY, seen, wait < IDLE_POLL_MS ? wait : IDLE_POLL_MS);
		webhook_endpoint_clear(&e);
		return 0;
	}
	if (pos->scanned < pos->through)
		pos->scanned = pos->through;
	int next = webhook_store_event_bounds(st, &oldest, &newest) == 0
			   ? webhook_store_next_event(st, &e, pos->scanned, newest, &event, &event_id)
			   : -1;
	if (next <= 0) {
		if (next == 0)
			pos->scanned = newest;
		webhook_wake_wait(WEBHOOK_WAKE_ANY, seen, next == 0 ? IDLE_POLL_MS : TROUBLE_WAIT_MS);
		webhook_endpoint_clear(&e);
		return 0;
	}
	char msg_id[32];
	struct webhook_attempt a;
	wait_for_room(w);
	snprintf(msg_id, sizeof msg_id, "evt_%" PRId64, event_id);
	send_message(http, &e, msg_id, json_string_value(json_object_get(event, "type")),
		     json_object_get(event, "at"), event, &a);
	json_decref(event);
	webhook_endpoint_clear(&e);
	if (atomic_load(&webhook_wake_stopping))
		return 0;
	if (a.status >= 200 && a.status < 300) {
		if (advance(w, pos->through, event_id, pos->revision, a.status) != 0) {
			pos->known = 0; /* out of memory: delivered again from the database's cursor */
			settle(w);
			return 0;
		}
		pos->through = event_id;
		return 0;
	}
	/* A failure is recorded against the database's own row, once every
	 * advance is in: its cursor, its count of failed attempts. */
	int advance_failed = settle(w);
	found = webhook_store_get(st, w->id, &e);
	if (found == 1 && !advance_failed && e.revision == pos->revision && e.delivered_through == pos->through) {
		if (record_failure(w->cfg, &e, event_id, &a) != 0)
			webhook_wake_wait(WEBHOOK_WAKE_ANY, seen, TROUBLE_WAIT_MS);
	} else {
		pos->known = 0;
	}
	if (found == 1)
		webhook_endpoint_clear(&e);
	return 0;
}

void *webhook_worker_main(void *arg)
{
	struct webhook_worker *w = arg;
	struct position pos = { 0 };
	struct webhook_http *http = webhook_http_new(&webhook_wake_stopping);

	pthread_setname_np(pthread_self(), "webhook");
	if (http == NULL)
		log_error("event=webhook.no_client endpoint=%s", w->id);
	while (http != NULL && !atomic_load(&webhook_wake_stopping))
		if (step(w, http, &pos) != 0)
			break;
	/* The writer's callbacks refer to this worker: let them all run. */
	settle(w);
	lease_own_release(&w->lease);
	webhook_http_free(http);
	store_reader_release();
	atomic_store(&w->finished, 1);
	webhook_wake_notify(); /* the supervisor reaps it */
	return NULL;
}
