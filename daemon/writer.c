/*
 * writer.c — the writer thread and its group commit.
 *
 * The thread takes every job queued so far, runs them all in one transaction
 * (each in a savepoint) and commits once. While it commits, new jobs queue up
 * for the next round, so under load many callbacks share one fsync. It knows
 * no engine: the store's transactions are all it uses, and whoever must hear
 * of a commit (the redirect cache) registers with the store.
 */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "timestamp.h"
#include "writer.h"

/* Bounds one transaction, so that a flood of jobs still commits regularly. */
#define WRITER_MAX_BATCH 512

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct writer_job *head, *tail;
	int stopping;
	int running;
	pthread_t thread;
	struct store *st;
	unsigned long long jobs, commits, busy_ns;
} w = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
};

/* Runs one job in its own savepoint; returns its outcome (0 kept, -1 undone). */
static int run_job(struct writer_job *job)
{
	if (store_savepoint(w.st) != 0)
		return -1;
	int rc = job->run(w.st, job->arg);
	if (rc != 0)
		store_rollback_to(w.st);
	if (store_release(w.st) != 0)
		return -1;
	return rc;
}

/* Runs a batch in one transaction and reports every job's outcome; then lets
 * the engine do its upkeep (SQLite rewinds a grown WAL). */
static void run_batch(struct writer_job *batch)
{
	int status[WRITER_MAX_BATCH];
	int n = 0, committed = 0;
	uint64_t started = timestamp_monotonic_ns();

	if (store_begin(w.st) == 0) {
		for (struct writer_job *job = batch; job; job = job->next) {
			/* The loop that takes jobs off the queue stops at the bound. */
			assert(n < WRITER_MAX_BATCH);
			status[n++] = run_job(job);
		}
		committed = store_commit(w.st) == 0;
		if (!committed)
			log_error("event=db.commit_failed jobs=%d error=\"%s\"", n, store_errmsg(w.st));
	}
	pthread_mutex_lock(&w.lock);
	w.jobs += (unsigned long long)n;
	w.commits += committed ? 1 : 0;
	w.busy_ns += timestamp_monotonic_ns() - started;
	pthread_mutex_unlock(&w.lock);

	n = 0;
	for (struct writer_job *job = batch, *next; job; job = next) {
		int outcome = committed ? status[n] : -1;
		n++;
		next = job->next; /* done() may free the job */
		job->done(job->arg, outcome);
	}
	store_after_batch(w.st);
}

static void *writer_main(void *unused)
{
	(void)unused;
	pthread_setname_np(pthread_self(), "writer");
	pthread_mutex_lock(&w.lock);
	for (;;) {
		while (w.head == NULL && !w.stopping)
			pthread_cond_wait(&w.wake, &w.lock);
		if (w.head == NULL)
			break;
		/* Take up to WRITER_MAX_BATCH jobs off the queue. */
		struct writer_job *batch = w.head, *last = batch;
		for (int n = 1; n < WRITER_MAX_BATCH && last->next; n++)
			last = last->next;
		w.head = last->next;
		if (w.head == NULL)
			w.tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&w.lock);
		run_batch(batch);
		pthread_mutex_lock(&w.lock);
	}
	pthread_mutex_unlock(&w.lock);
	return NULL;
}

int writer_start(const char *database, char *err, size_t errlen)
{
	w.st = store_open_writer(database, err, errlen);
	if (w.st == NULL)
		return -1;
	w.stopping = 0;
	w.running = 1;
	if (pthread_create(&w.thread, NULL, writer_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the writer thread");
		store_close(w.st);
		w.st = NULL;
		w.running = 0;
		return -1;
	}
	return 0;
}

void writer_submit(struct writer_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&w.lock);
	if (!w.running || w.stopping) {
		/* Nothing will run it: fail it at once rather than leave it waiting. */
		pthread_mutex_unlock(&w.lock);
		job->done(job->arg, -1);
		return;
	}
	if (w.tail)
		w.tail->next = job;
	else
		w.head = job;
	w.tail = job;
	pthread_cond_signal(&w.wake);
	pthread_mutex_unlock(&w.lock);
}

/* A job whose submitter waits for it (writer_run). */
struct sync_job {
	struct writer_job job;
	int (*run)(struct store *st, void *arg);
	void *arg;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int finished, status;
};

static int sync_run(struct store *st, void *arg)
{
	struct sync_job *s = arg;
	return s->run(st, s->arg);
}

static void sync_done(void *arg, int status)
{
	struct sync_job *s = arg;
	pthread_mutex_lock(&s->lock);
	s->finished = 1;
	s->status = status;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

int writer_run(int (*run)(struct store *st, void *arg), void *arg)
{
	struct sync_job s = {
		.job = { .run = sync_run, .done = sync_done },
		.run = run,
		.arg = arg,
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	s.job.arg = &s;
	writer_submit(&s.job);
	pthread_mutex_lock(&s.lock);
	while (!s.finished)
		pthread_cond_wait(&s.cond, &s.lock);
	pthread_mutex_unlock(&s.lock);
	return s.status;
}

void writer_stop(void)
{
	if (!w.running)
		return;
	pthread_mutex_lock(&w.lock);
	w.stopping = 1;
	pthread_cond_signal(&w.wake);
	pthread_mutex_unlock(&w.lock);
	pthread_join(w.thread, NULL);
	pthread_mutex_lock(&w.lock);
	w.running = 0;
	struct store *st = w.st;
	w.st = NULL;
	pthread_mutex_unlock(&w.lock);
	store_close(st);
}

void writer_stats(struct writer_stats *out)
{
	pthread_mutex_lock(&w.lock);
	out->jobs = w.jobs;
	out->commits = w.commits;
	out->wal_frames = w.st ? store_pages_logged(w.st) : 0;
	out->busy_seconds = (double)w.busy_ns / 1e9;
	pthread_mutex_unlock(&w.lock);
}
