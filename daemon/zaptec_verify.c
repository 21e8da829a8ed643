/*
 * zaptec_verify.c — the verifier thread: reads the verifications that are due,
 * asks Zaptec, records each outcome through the writer, and runs the
 * reconciliation passes in between. Also its lines of /metrics.
 *
 * A fresh grant is noticed by looking at the queue once a second (one indexed
 * read), which keeps the callback's hot path free of any call into here.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "events.h"
#include "installations.h"
#include "lease.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "zaptec_reconcile.h"
#include "store.h"
#include "strbuf.h"
#include "timestamp.h"
#include "zaptec_verify.h"
#include "writer.h"
#include "zaptec.h"

#define DUE_BATCH 20          /* verifications read from the queue at a time */
#define IDLE_WAIT 1.0         /* seconds between looks at the queue when nothing is due */
#define RETRY_BASE 2.0        /* first retry after 2 s, then 4, 8, ... */
#define NO_ACCESS_CAP 30.0    /* longest wait between "no access" answers */
#define TROUBLE_CAP 60.0      /* longest wait of one verification while the API fails */
#define PAUSE_CAP 120.0       /* longest pause of every verification while the API fails */
/* The first reconciliation waits this long (or reconcile_interval, if shorter)
 * after start, so pending verifications and the first login go first. */
#define FIRST_PASS_DELAY 10


enum outcome { OUTCOME_VERIFIED, OUTCOME_RETRY, OUTCOME_UNCONFIRMED };

/* What one answer changes, carried to the writer. */
struct outcome_job {
	const struct verification_due *due;
	enum outcome kind;
	int status;                             /* the API's answer, as zaptec.h reports it */
	const struct zaptec_installation *inst; /* OUTCOME_VERIFIED only */
	const char *error;                      /* OUTCOME_RETRY, OUTCOME_UNCONFIRMED */
	int64_t now, next_attempt;
	int applied;                            /* out: the row was still this round's */
};

static struct {
	pthread_mutex_t lock; /* guards client (for /metrics), stopping and cond */
	pthread_cond_t cond;
	pthread_t thread;
	int running, stopping;
	struct zaptec_client *client;
	struct zaptec_reconcile *reconcile;
	int64_t verify_window, reconcile_interval;
	int64_t next_pass;   /* wall time of the next reconciliation; 0 never */
	int trouble;         /* calls in a row without a usable answer */
	double paused_until; /* monotonic: no verification starts before this */
} v = { .lock = PTHREAD_MUTEX_INITIALIZER };

static atomic_int api_up = -1; /* from the last call: 1 answered, 0 not; -1 no call yet */
static atomic_int metrics_added;

static int stopping(void)
{
	pthread_mutex_lock(&v.lock);
	int s = v.stopping;
	pthread_mutex_unlock(&v.lock);
	return s;
}

/* Whether Zaptec answered, for accessd_zaptec_api_up: any status but a 5xx
 * counts (a 429 is an answer); no answer or refused credentials do not. */
static void note_api(int status)
{
	if (status != 0)
		atomic_store(&api_up, status >= 100 && status < 500);
}

/* Writes the installation's side of an outcome and its event, once the queue
 * row was found to be still this round's. */
static int apply_to_installation(struct store *st, struct outcome_job *job)
{
	const char *id = job->due->installation_id;
	struct installation in;
	json_t *detail = NULL;
	const char *type = NULL;
	int changed = 0, rc;

	int found = store_installation_find(st, id, &in);
	if (found <= 0)
		return found; /* gone: nothing to record */
	if (job->kind == OUTCOME_VERIFIED) {
		const struct zaptec_installation *inst = job->inst;
		rc = store_installation_set_verified(st, id, job->now, inst->name, inst->roles, &changed);
		type = "installation.verified";
		detail = json_pack("{s:o, s:o}", "name", inst->name ? json_string(inst->name) : json_null(),
				   "roles", inst->roles >= 0 ? json_integer(inst->roles) : json_null());
	} else if (job->kind == OUTCOME_RETRY) {
		rc = store_installation_set_last_error(st, id, job->error);
	} else {
		rc = store_installation_set_unconfirmed(st, id, job->now, job->error, &changed);
		type = "installation.unconfirmed";
		detail = json_pack("{s:i, s:i}", "lastStatus", job->status, "attempts", job->due->attempts + 1);
	}
	/* A row no longer "verifying" (revoked meanwhile) keeps its status. */
	if (rc != 0 || type == NULL || !changed) {
		json_decref(detail);
		return rc;
	}
	return events_append(st, job->now, type, in.request_id[0] ? in.request_id : NULL, id,
			     in.reference[0] ? in.reference : NULL, detail);
}

/*
 * Writer job: records an outcome. The queue row is updated (a retry) or
 * deleted (an end) only when it still has the queued_at and attempts read;
 * otherwise the grant was queued again meanwhile and this answer is stale, so
 * nothing is written. Returns 0, or -1 on a database failure.
 */
static int apply_outcome(struct store *st, void *arg)
{
	struct outcome_job *job = arg;
	int rc = job->kind == OUTCOME_RETRY
			 ? store_verification_reschedule(st, job->due, job->next_attempt, job->error, &job->applied)
			 : store_verification_finish(st, job->due, &job->applied);
	if (rc != 0)
		return -1;
	return job->applied ? apply_to_installation(st, job) : 0;
}

/* Holds every verification back after the API failed, longer each time in a
 * row, so an API that is down for hours sees a call every few minutes. */
static void pause_after_trouble(void)
{
	double delay = zaptec_backoff_delay(v.trouble, RETRY_BASE, PAUSE_CAP);
	v.trouble++;
	v.paused_until = ratelimit_monotonic(NULL) + delay;
}

/* The wall time of the next attempt: delay seconds on, rounded up, as the
 * queue keeps whole seconds. */
static int64_t after(int64_t now, double delay)
{
	return now + (int64_t)ceil(delay);
}

/*
 * Asks Zaptec about one due verification and records the outcome: see
 * zaptec_verify.h. Nothing is recorded when the call ended because we are stopping.
 */
static void verify_one(const struct verification_due *due)
{
	struct zaptec_installation inst = { .name = NULL };
	struct outcome_job job = { .due = due };
	char err[256] = "", error[300];

	int status = zaptec_get_installation(v.client, due->installation_id, &inst, err, sizeof err);
	if (stopping()) {
		zaptec_installation_clear(&inst);
		return;
	}
	note_api(status);
	job.status = status;
	job.now = timestamp_now();
	job.error = error;
	if (status == 200) {
		job.kind = OUTCOME_VERIFIED;
		job.inst = &inst;
		v.trouble = 0;
	} else if (zaptec_reconcile_no_access(status)) {
		v.trouble = 0;
		snprintf(error, sizeof error, "the Zaptec API answered %d: the installation is not visible", status);
		int64_t window_end = due->queued_at + v.verify_window;
		if (job.now < window_end) {
			job.kind = OUTCOME_RETRY;
			job.next_attempt = after(job.now, zaptec_backoff_delay(due->attempts, RETRY_BASE, NO_ACCESS_CAP));
			/* One last look just when the window closes, not later. */
			if (job.next_attempt > window_end)
				job.next_attempt = window_end;
		} else {
			job.kind = OUTCOME_UNCONFIRMED;
		}
	} else {
		snprintf(error, sizeof error, "%s", err[0] ? err : "no usable answer from the Zaptec API");
		job.kind = OUTCOME_RETRY;
		job.next_attempt = after(job.now, zaptec_backoff_delay(due->attempts, RETRY_BASE, TROUBLE_CAP));
		if (status == ZAPTEC_LOGIN_REFUSED)
			log_error("event=zaptec.login_refused reason=\"%s\"", err);
		pause_after_trouble();
	}

	if (job.kind == OUTCOME_RETRY)
		log_warn("event=verification.retry installation=%s status=%d attempts=%d next_in=%llds reason=\"%s\"",
			 due->installation_id, status, due->attempts + 1, (long long)(job.next_attempt - job.now), error);
	if (writer_run(apply_outcome, &job) != 0) {
		log_error("event=verification.store_failed installation=%s", due->installation_id);
		pause_after_trouble();
	} else if (!job.applied) {
		log_debug("event=verification.stale installation=%s", due->installation_id);
	} else if (job.kind == OUTCOME_VERIFIED) {
		log_info("event=installation.verified installation=%s roles=%ld", due->installation_id, inst.roles);
	} else if (job.kind == OUTCOME_UNCONFIRMED) {
		log_info("event=installation.unconfirmed installation=%s status=%d attempts=%d", due->installation_id, status,
			 due->attempts + 1);
	}
	zaptec_installation_clear(&inst);
}

/* The verifications being read into the caller's array. */
struct due_read {
	struct verification_due *out;
	int n, cap;
};

static int note_due(void *arg, const struct verification_due *due)
{
	struct due_read *d = arg;
	if (d->n == d->cap)
		return 1;
	d->out[d->n++] = *due;
	return 0;
}

/* Reads up to cap verifications due at now into out, earliest first. Returns
 * how many, or -1 when the database failed (logged). */
static int read_due(struct verification_due *out, int cap, int64_t now)
{
	struct store *st = store_reader();
	struct due_read d = { .out = out, .cap = cap };

	if (st == NULL || store_verification_list_due(st, now, cap, note_due, &d) != 0)
		return -1;
	return d.n;
}

/* Sleeps up to seconds, or until zaptec_verify_stop() wakes the thread. */
static void wait_for(double seconds)
{
	struct timespec ts = timestamp_monotonic_after(seconds);

	pthread_mutex_lock(&v.lock);
	if (!v.stopping)
		pthread_cond_timedwait(&v.cond, &v.lock, &ts);
	pthread_mutex_unlock(&v.lock);
}

/*
 * The thread: each round starts a reconciliation pass when one is due, runs
 * its next step when its time has come, then verifies what is due; it sleeps
 * only when a round found nothing to do.
 */
static void *run(void *arg)
{
	struct verification_due due[DUE_BATCH];

	(void)arg;
	while (!stopping()) {
		/* Zaptec's limits are per account: one instance at a time calls it. */
		if (!lease_held(LEASE_ZAPTEC)) {
			wait_for(IDLE_WAIT);
			continue;
		}
		int64_t now = timestamp_now();
		int busy = 0, paused = ratelimit_monotonic(NULL) < v.paused_until;

		if (v.next_pass != 0 && now >= v.next_pass && !zaptec_reconcile_active(v.reconcile)) {
			zaptec_reconcile_begin(v.reconcile, now);
			v.next_pass = now + v.reconcile_interval;
		}
		if (!paused && zaptec_reconcile_active(v.reconcile) && zaptec_reconcile_wait(v.reconcile) <= 0) {
			int status;
			zaptec_reconcile_step(v.reconcile, v.client, &status);
			note_api(status);
			busy = 1;
		}
		int n = paused ? 0 : read_due(due, DUE_BATCH, now);
		for (int i = 0; i < n && !stopping() && ratelimit_monotonic(NULL) >= v.paused_until; i++)
			verify_one(&due[i]);
		if (n == DUE_BATCH)
			busy = 1;
		if (!busy) {
			double wait = IDLE_WAIT, step = zaptec_reconcile_wait(v.reconcile);
			wait_for(!paused && step > 0 && step < wait ? step : wait);
		}
	}
	store_reader_release();
	return NULL;
}

/* The verifier's lines of /metrics; nothing while it is not running. */
static void metrics_lines(struct strbuf *b)
{
	struct zaptec_http_stats stats;

	pthread_mutex_lock(&v.lock);
	int have = v.client != NULL;
	if (have)
		zaptec_client_stats(v.client, &stats);
	pthread_mutex_unlock(&v.lock);
	if (!have)
		return;
	strbuf_addf(b,
		       "# HELP accessd_zaptec_api_requests_total Calls to the Zaptec API by endpoint and outcome.\n"
		       "# TYPE accessd_zaptec_api_requests_total counter\n");
	for (int e = 0; e < ZAPTEC_HTTP_ENDPOINT_COUNT; e++)
		for (int o = 0; o < ZAPTEC_HTTP_OUTCOME_COUNT; o++)
			strbuf_addf(b,
				       "accessd_zaptec_api_requests_total{endpoint=\"%s\",outcome=\"%s\"} %lu\n",
				       zaptec_http_endpoint_name((enum zaptec_http_endpoint)e),
				       zaptec_http_outcome_name((enum zaptec_http_outcome)o), stats.calls[e][o]);
	strbuf_addf(b,
		       "# HELP accessd_zaptec_api_throttled_total Calls the Zaptec API answered 429.\n"
		       "# TYPE accessd_zaptec_api_throttled_total counter\n"
		       "accessd_zaptec_api_throttled_total %lu\n",
		       stats.rate_limited);

	struct store *st = store_reader();
	long long count = 0;
	int64_t oldest = 0;
	if (st != NULL && store_verification_stats(st, &count, &oldest) == 0) {
		long long age = count > 0 ? (long long)(timestamp_now() - oldest) : 0;
		strbuf_addf(b,
			       "# HELP accessd_verification_queue_length Grants waiting to be confirmed with the Zaptec API.\n"
			       "# TYPE accessd_verification_queue_length gauge\n"
			       "accessd_verification_queue_length %lld\n"
			       "# HELP accessd_verification_oldest_age_seconds How long the oldest waiting grant has waited.\n"
			       "# TYPE accessd_verification_oldest_age_seconds gauge\n"
			       "accessd_verification_oldest_age_seconds %lld\n",
			       count, age < 0 ? 0 : age);
	}
	int up = atomic_load(&api_up);
	if (up >= 0)
		strbuf_addf(b,
			       "# HELP accessd_zaptec_api_up Whether the last call to the Zaptec API got an answer (not a 5xx).\n"
			       "# TYPE accessd_zaptec_api_up gauge\n"
			       "accessd_zaptec_api_up %d\n",
			       up);
}

int zaptec_verify_start(const struct config *cfg, char *err, size_t errlen)
{
	pthread_condattr_t attr;

	if (zaptec_global_init() != 0) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	v.client = zaptec_client_new(cfg->zaptec_api_url, cfg->zaptec_username, cfg->zaptec_password, NULL, err,
				     errlen);
	v.reconcile = v.client ? zaptec_reconcile_new() : NULL;
	if (v.reconcile == NULL) {
		if (v.client != NULL)
			snprintf(err, errlen, "out of memory");
		goto fail;
	}
	v.verify_window = cfg->verify_window;
	v.reconcile_interval = cfg->reconcile_interval;
	v.next_pass = 0;
	if (cfg->reconcile_interval > 0)
		v.next_pass = timestamp_now() +
			      (cfg->reconcile_interval < FIRST_PASS_DELAY ? cfg->reconcile_interval : FIRST_PASS_DELAY);
	v.trouble = 0;
	v.paused_until = 0;
	v.stopping = 0;
	atomic_store(&api_up, -1);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&v.cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&v.thread, NULL, run, NULL) != 0) {
		snprintf(err, errlen, "cannot start the verifier thread");
		pthread_cond_destroy(&v.cond);
		goto fail;
	}
	v.running = 1;
	if (atomic_exchange(&metrics_added, 1) == 0)
		metrics_add_source(metrics_lines);
	log_info("event=verifier.start verify_window=%llds reconcile_interval=%llds",
		 (long long)cfg->verify_window, (long long)cfg->reconcile_interval);
	return 0;
fail:
	zaptec_reconcile_free(v.reconcile);
	v.reconcile = NULL;
	zaptec_client_free(v.client);
	v.client = NULL;
	zaptec_global_cleanup();
	return -1;
}

void zaptec_verify_stop(void)
{
	if (!v.running)
		return;
	pthread_mutex_lock(&v.lock);
	v.stopping = 1;
	pthread_cond_signal(&v.cond);
	pthread_mutex_unlock(&v.lock);
	zaptec_client_stop(v.client);
	pthread_join(v.thread, NULL);
	v.running = 0;
	pthread_cond_destroy(&v.cond);
	zaptec_reconcile_free(v.reconcile);
	v.reconcile = NULL;
	pthread_mutex_lock(&v.lock);
	zaptec_client_free(v.client);
	v.client = NULL;
	pthread_mutex_unlock(&v.lock);
	zaptec_global_cleanup();
}
