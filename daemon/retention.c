/*
 * retention.c — the purge pass and the thread that runs it.
 *
 * A pass deletes in batches of RETENTION_BATCH rows, each batch one writer
 * job: a callback queued meanwhile waits for one batch at most, never for the
 * whole pass. The thread sleeps between passes and wakes at once to stop.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "retention.h"
#include "timestamp.h"
#include "writer.h"

/* One batch, from the pass to the transaction and back. */
struct batch {
	enum retention_kind kind;
	int64_t cutoff;
	long deleted;
};

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int running, stopping;
	const struct config *cfg;
} r = { .lock = PTHREAD_MUTEX_INITIALIZER };

static atomic_ullong deleted_total[RETENTION_KIND_COUNT];
static atomic_ullong passes_total, failed_passes_total;
static atomic_int metrics_added;

const char *retention_kind_name(enum retention_kind kind)
{
	static const char *const names[RETENTION_KIND_COUNT] = {
		[RETENTION_EVENTS] = "events",
		[RETENTION_REJECTED_CALLBACKS] = "rejected_callbacks",
		[RETENTION_ACCESS_REQUESTS] = "access_requests",
		[RETENTION_INSTALLATIONS] = "installations",
	};
	return names[kind];
}

static int batch_run(struct store *st, void *arg)
{
	struct batch *b = arg;
	b->deleted = retention_store_purge_batch(st, b->kind, b->cutoff, RETENTION_BATCH);
	return b->deleted < 0 ? -1 : 0;
}

static int stopping(void)
{
	pthread_mutex_lock(&r.lock);
	int stop = r.stopping;
	pthread_mutex_unlock(&r.lock);
	return stop;
}

/* The retention of each kind, in seconds; 0 keeps for ever. */
static int64_t retention_of(const struct config *cfg, enum retention_kind kind)
{
	switch (kind) {
	case RETENTION_EVENTS: return cfg->event_retention;
	case RETENTION_REJECTED_CALLBACKS: return cfg->rejected_callback_retention;
	case RETENTION_ACCESS_REQUESTS:
	case RETENTION_INSTALLATIONS: return cfg->request_retention;
	case RETENTION_KIND_COUNT: break;
	}
	return 0;
}

int retention_purge(const struct config *cfg, retention_runner runner, void *ctx, struct retention_counts *out)
{
	int64_t now = timestamp_now();
	struct timespec started, ended;
	int failed = 0;

	clock_gettime(CLOCK_MONOTONIC, &started);
	for (int k = 0; k < RETENTION_KIND_COUNT; k++) {
		out->deleted[k] = 0;
		int64_t keep = retention_of(cfg, (enum retention_kind)k);
		struct batch b = { .kind = (enum retention_kind)k, .cutoff = now - keep };
		if (keep == 0)
			continue;
		do {
			if (failed || stopping())
				break;
			b.deleted = 0;
			failed = runner(batch_run, &b, ctx) != 0;
			if (!failed) {
				out->deleted[k] += b.deleted;
				atomic_fetch_add(&deleted_total[k], (unsigned long long)b.deleted);
			}
		} while (!failed && b.deleted == RETENTION_BATCH);
	}
	clock_gettime(CLOCK_MONOTONIC, &ended);
	long ms = (ended.tv_sec - started.tv_sec) * 1000 + (ended.tv_nsec - started.tv_nsec) / 1000000;
	atomic_fetch_add(failed ? &failed_passes_total : &passes_total, 1);
	if (failed)
		log_error("event=purge.failed events=%ld rejected_callbacks=%ld access_requests=%ld "
			  "installations=%ld duration_ms=%ld",
			  out->deleted[RETENTION_EVENTS], out->deleted[RETENTION_REJECTED_CALLBACKS],
			  out->deleted[RETENTION_ACCESS_REQUESTS], out->deleted[RETENTION_INSTALLATIONS], ms);
	else
		log_info("event=purge.pass events=%ld rejected_callbacks=%ld access_requests=%ld "
			 "installations=%ld duration_ms=%ld",
			 out->deleted[RETENTION_EVENTS], out->deleted[RETENTION_REJECTED_CALLBACKS],
			 out->deleted[RETENTION_ACCESS_REQUESTS], out->deleted[RETENTION_INSTALLATIONS], ms);
	return failed ? -1 : 0;
}

static void metrics_lines(char **buf, size_t *len, size_t *cap)
{
	metrics_append(buf, len, cap,
		       "# HELP accessd_purged_total Rows deleted by the retention pass, by kind.\n"
		       "# TYPE accessd_purged_total counter\n");
	for (int k = 0; k < RETENTION_KIND_COUNT; k++)
		metrics_append(buf, len, cap, "accessd_purged_total{kind=\"%s\"} %llu\n",
			       retention_kind_name((enum retention_kind)k), atomic_load(&deleted_total[k]));
	metrics_append(buf, len, cap,
		       "# HELP accessd_purge_passes_total Retention passes, by outcome.\n"
		       "# TYPE accessd_purge_passes_total counter\n"
		       "accessd_purge_passes_total{outcome=\"ok\"} %llu\n"
		       "accessd_purge_passes_total{outcome=\"failed\"} %llu\n",
		       atomic_load(&passes_total), atomic_load(&failed_passes_total));
}

static int through_writer(int (*run)(struct store *st, void *arg), void *arg, void *ctx)
{
	(void)ctx;
	return writer_run(run, arg);
}

/* The thread: a pass, then a wait of purge_interval (cut short by stop). */
static void *purge_main(void *unused)
{
	(void)unused;
	pthread_setname_np(pthread_self(), "purge");
	for (;;) {
		struct retention_counts counts;
		retention_purge(r.cfg, through_writer, NULL, &counts);
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += r.cfg->purge_interval;
		pthread_mutex_lock(&r.lock);
		while (!r.stopping && pthread_cond_timedwait(&r.cond, &r.lock, &until) == 0)
			;
		int stop = r.stopping;
		pthread_mutex_unlock(&r.lock);
		if (stop)
			return NULL;
	}
}

int retention_start(const struct config *cfg, char *err, size_t errlen)
{
	pthread_condattr_t attr;

	r.cfg = cfg;
	r.stopping = 0;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r.cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&r.thread, NULL, purge_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the purge thread");
		pthread_cond_destroy(&r.cond);
		return -1;
	}
	r.running = 1;
	if (atomic_exchange(&metrics_added, 1) == 0)
		metrics_add_source(metrics_lines);
	return 0;
}

void retention_stop(void)
{
	if (!r.running)
		return;
	pthread_mutex_lock(&r.lock);
	r.stopping = 1;
	pthread_cond_signal(&r.cond);
	pthread_mutex_unlock(&r.lock);
	pthread_join(r.thread, NULL);
	pthread_cond_destroy(&r.cond);
	r.running = 0;
}
