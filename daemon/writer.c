/*
 * writer.c — the writer thread and its group commit.
 *
 * The thread takes every job queued so far, runs them all in one transaction
 * (each in a savepoint) and commits once. While it commits, new jobs queue up
 * for the next round, so under load many callbacks share one fsync.
 */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "redirect_cache.h"
#include "timestamp.h"
#include "writer.h"

/* Bounds one transaction, so that a flood of jobs still commits regularly. */
#define WRITER_MAX_BATCH 512

/* WAL pages after which the checkpointer copies the log into the database,
 * and how many more pages each further pass waits for. A page changed by many
 * commits is copied once a pass, so fewer passes copy less. */
#define CHECKPOINT_PAGES 4000
#define CHECKPOINT_STEP 2000

/* WAL pages after which the writer itself checkpoints and starts the log
 * over. Under a steady stream of commits the passive checkpoints never catch
 * up with the last frame, and SQLite only rewinds a log that is wholly copied:
 * without this the WAL grows for as long as the load lasts. */
#define RESTART_PAGES (4 * CHECKPOINT_PAGES)
#define RESTART_WAIT_MS 100

/* Access requests one transaction may change and still be forgotten one by
 * one in the redirect cache; beyond that the whole cache is dropped. */
#define CHANGED_REQUESTS_MAX 1024

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct writer_job *head, *tail;
	int stopping;
	int running;
	pthread_t thread;
	struct store *st;
	unsigned long long jobs, commits, wal_frames, busy_ns;
	/* The checkpointer: its own thread and connection, so that copying the
	 * WAL into the database never sits on a commit's path. */
	pthread_t checkpoint_thread;
	pthread_cond_t checkpoint_wake, checkpoint_idle;
	int checkpoint_due, checkpoint_running, restart_pending;
	struct store *checkpoint_st;
	/* The writer thread's own: the WAL's size after the last commit, and
	 * the size at which to rewind it (restart_wal). */
	int wal_pages, restart_at, checkpoint_at;
	/* The access requests (by seq) the current transaction changed. */
	int64_t changed[CHANGED_REQUESTS_MAX];
	size_t changed_count;
	int changed_overflow;
	/* Whether the current transaction added events, and who to tell. */
	int events_added;
	void (*on_events)(void);
} w = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.checkpoint_wake = PTHREAD_COND_INITIALIZER,
	.checkpoint_idle = PTHREAD_COND_INITIALIZER,
};

/* Called by SQLite after each commit with the WAL's size in pages. */
static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)arg;
	(void)db;
	(void)name;
	int rewound = pages < w.wal_pages;
	if (rewound) {
		w.restart_at = RESTART_PAGES;
		w.checkpoint_at = CHECKPOINT_PAGES;
	}
	pthread_mutex_lock(&w.lock);
	w.wal_frames += (unsigned long long)(rewound ? pages : pages - w.wal_pages);
	if (pages >= w.checkpoint_at) {
		w.checkpoint_at = pages + CHECKPOINT_STEP;
		w.checkpoint_due = 1;
		pthread_cond_signal(&w.checkpoint_wake);
	}
	pthread_mutex_unlock(&w.lock);
	w.wal_pages = pages;
	return SQLITE_OK;
}

/* SQLite's update hook: notes each access request the transaction changes,
 * and whether it added events. */
static void on_row_change(void *arg, int op, const char *db_name, const char *table, sqlite3_int64 rowid)
{
	(void)arg;
	(void)db_name;
	if (op == SQLITE_INSERT && strcmp(table, "events") == 0)
		w.events_added = 1;
	if (strcmp(table, "access_requests") != 0)
		return;
	if (w.changed_count < CHANGED_REQUESTS_MAX)
		w.changed[w.changed_count++] = rowid;
	else
		w.changed_overflow = 1;
}

/* After a transaction ended (committed or not): the redirect cache must not
 * answer for a request it may have changed. */
static void forget_changed_requests(void)
{
	if (w.changed_overflow)
		redirect_cache_forget(NULL, 0);
	else if (w.changed_count > 0)
		redirect_cache_forget(w.changed, w.changed_count);
	w.changed_count = 0;
	w.changed_overflow = 0;
}

/* Runs passive checkpoints when the WAL has grown: they copy what no reader
 * still needs and never block the writer. */
static void *checkpoint_main(void *unused)
{
	(void)unused;
	pthread_setname_np(pthread_self(), "checkpoint");
	pthread_mutex_lock(&w.lock);
	while (!w.stopping) {
		if (!w.checkpoint_due || w.restart_pending) {
			pthread_cond_wait(&w.checkpoint_wake, &w.lock);
			continue;
		}
		w.checkpoint_due = 0;
		w.checkpoint_running = 1;
		pthread_mutex_unlock(&w.lock);
		int log_pages = 0, copied = 0;
		int rc = sqlite3_wal_checkpoint_v2(store_db(w.checkpoint_st), NULL, SQLITE_CHECKPOINT_PASSIVE,
						   &log_pages, &copied);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warn("event=db.checkpoint_failed error=\"%s\"", sqlite3_errmsg(store_db(w.checkpoint_st)));
		else
			log_debug("event=db.checkpoint wal_pages=%d copied=%d", log_pages, copied);
		pthread_mutex_lock(&w.lock);
		w.checkpoint_running = 0;
		pthread_cond_broadcast(&w.checkpoint_idle);
	}
	pthread_mutex_unlock(&w.lock);
	return NULL;
}

/* Copies the whole WAL into the database and rewinds it, so the next commit
 * writes at its start; the jobs queued meanwhile wait. The checkpointer's
 * pass is let finish first (both need the checkpoint lock). A reader of an
 * old snapshot is waited for only briefly: then the rewind is tried again
 * CHECKPOINT_PAGES later. */
static void restart_wal(void)
{
	sqlite3 *db = store_db(w.st);
	int log_pages = 0, copied = 0;

	pthread_mutex_lock(&w.lock);
	w.restart_pending = 1;
	while (w.checkpoint_running)
		pthread_cond_wait(&w.checkpoint_idle, &w.lock);
	pthread_mutex_unlock(&w.lock);

	sqlite3_busy_timeout(db, RESTART_WAIT_MS);
	int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_RESTART, &log_pages, &copied);
	sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);

	pthread_mutex_lock(&w.lock);
	w.restart_pending = 0;
	pthread_cond_signal(&w.checkpoint_wake);
	pthread_mutex_unlock(&w.lock);
	if (rc == SQLITE_OK) {
		w.restart_at = RESTART_PAGES;
		log_debug("event=db.wal_restart wal_pages=%d", log_pages);
	} else {
		if (rc != SQLITE_BUSY)
			log_warn("event=db.checkpoint_failed error=\"%s\"", sqlite3_errmsg(db));
		w.restart_at = w.wal_pages + CHECKPOINT_PAGES;
	}
}

/* Runs one job in its own savepoint; returns its outcome (0 kept, -1 undone). */
static int run_job(struct writer_job *job)
{
	if (store_exec(w.st, STMT_SAVEPOINT) != SQLITE_DONE)
		return -1;
	int rc = job->run(w.st, job->arg);
	if (rc != 0)
		store_exec(w.st, STMT_ROLLBACK_TO);
	if (store_exec(w.st, STMT_RELEASE) != SQLITE_DONE)
		return -1;
	return rc;
}

/* Runs a batch in one transaction and reports every job's outcome; then
 * rewinds the WAL if it has grown past restart_at. */
static void run_batch(struct writer_job *batch)
{
	int status[WRITER_MAX_BATCH];
	int n = 0, committed = 0;
	uint64_t started = timestamp_monotonic_ns();

	if (store_exec(w.st, STMT_BEGIN) == SQLITE_DONE) {
		for (struct writer_job *job = batch; job; job = job->next) {
			/* The loop that takes jobs off the queue stops at the bound. */
			assert(n < WRITER_MAX_BATCH);
			status[n++] = run_job(job);
		}
		committed = store_exec(w.st, STMT_COMMIT) == SQLITE_DONE;
		if (!committed) {
			log_error("event=db.commit_failed jobs=%d error=\"%s\"", n,
				  sqlite3_errmsg(store_db(w.st)));
			/* SQLite has rolled back by itself after some errors (SQLITE_FULL). */
			if (!sqlite3_get_autocommit(store_db(w.st)))
				store_exec(w.st, STMT_ROLLBACK);
		}
	}
	forget_changed_requests();
	pthread_mutex_lock(&w.lock);
	w.jobs += (unsigned long long)n;
	w.commits += committed ? 1 : 0;
	w.busy_ns += timestamp_monotonic_ns() - started;
	void (*notify)(void) = committed && w.events_added ? w.on_events : NULL;
	pthread_mutex_unlock(&w.lock);
	w.events_added = 0;
	if (notify != NULL)
		notify();

	n = 0;
	for (struct writer_job *job = batch, *next; job; job = next) {
		int outcome = committed ? status[n] : -1;
		n++;
		next = job->next; /* done() may free the job */
		job->done(job->arg, outcome);
	}
	if (w.wal_pages >= w.restart_at)
		restart_wal();
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

int writer_start(const char *path, char *err, size_t errlen)
{
	w.st = store_open(path, 0, err, errlen);
	if (w.st == NULL)
		return -1;
	w.checkpoint_st = store_open(path, 0, err, errlen);
	if (w.checkpoint_st == NULL) {
		store_close(w.st);
		w.st = NULL;
		return -1;
	}
	/* Commits never checkpoint: the checkpointer thread does, off the path.
	 * The writer's page cache is larger than the readers': each callback
	 * touches several indexes, and re-reading their pages from the kernel
	 * was its largest cost. */
	sqlite3_exec(store_db(w.st), "PRAGMA wal_autocheckpoint=0; PRAGMA cache_size=-4096; PRAGMA temp_store=MEMORY;", NULL, NULL, NULL);
	sqlite3_wal_hook(store_db(w.st), on_wal_commit, NULL);
	sqlite3_update_hook(store_db(w.st), on_row_change, NULL);
	w.stopping = 0;
	w.checkpoint_due = 0;
	w.wal_pages = 0;
	w.restart_at = RESTART_PAGES;
	w.checkpoint_at = CHECKPOINT_PAGES;
	w.running = 1;
	if (pthread_create(&w.thread, NULL, writer_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the writer thread");
		goto fail;
	}
	if (pthread_create(&w.checkpoint_thread, NULL, checkpoint_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the checkpoint thread");
		pthread_mutex_lock(&w.lock);
		w.stopping = 1;
		pthread_cond_signal(&w.wake);
		pthread_mutex_unlock(&w.lock);
		pthread_join(w.thread, NULL);
		goto fail;
	}
	return 0;
fail:
	store_close(w.st);
	store_close(w.checkpoint_st);
	w.st = w.checkpoint_st = NULL;
	w.running = 0;
	return -1;
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
	pthread_cond_signal(&w.checkpoint_wake);
	pthread_mutex_unlock(&w.lock);
	pthread_join(w.thread, NULL);
	pthread_join(w.checkpoint_thread, NULL);
	pthread_mutex_lock(&w.lock);
	w.running = 0;
	pthread_mutex_unlock(&w.lock);
	/* Closing the last connection checkpoints and removes the WAL. */
	store_close(w.checkpoint_st);
	store_close(w.st);
	w.st = w.checkpoint_st = NULL;
}

void writer_on_events(void (*listener)(void))
{
	pthread_mutex_lock(&w.lock);
	w.on_events = listener;
	pthread_mutex_unlock(&w.lock);
}

void writer_stats(struct writer_stats *out)
{
	pthread_mutex_lock(&w.lock);
	out->jobs = w.jobs;
	out->commits = w.commits;
	out->wal_frames = w.wal_frames;
	out->busy_seconds = (double)w.busy_ns / 1e9;
	pthread_mutex_unlock(&w.lock);
}
