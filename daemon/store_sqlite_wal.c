/*
 * store_sqlite_wal.c — the upkeep of SQLite's write-ahead log on the writer's
 * connection: a checkpointer thread that copies the log into the database off
 * the commit path, and the rewind of a log that steady commits keep growing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "store_sqlite.h"

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

/* How long a truncating checkpoint waits for readers of an older snapshot. */
#define TRUNCATE_WAIT_MS 1000

struct sqlite_wal {
	pthread_mutex_t lock;
	pthread_cond_t wake, idle;
	pthread_t thread;
	int stopping, due, running, restart_pending;
	unsigned long long frames; /* pages appended to the WAL since start */
	struct sqlite_store *checkpoint_st; /* the checkpointer's own connection */
	/* The writer thread's own: the WAL's size after the last commit, and the
	 * sizes at which to rewind it and to wake the checkpointer. */
	int pages, restart_at, checkpoint_at;
	/* The writer thread's own: an erasure asked for the log to be emptied. */
	int truncate_due;
};

/* Called by SQLite after each commit with the WAL's size in pages. */
static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct sqlite_wal *w = arg;
	(void)db;
	(void)name;
	int rewound = pages < w->pages;
	if (rewound) {
		w->restart_at = RESTART_PAGES;
		w->checkpoint_at = CHECKPOINT_PAGES;
	}
	pthread_mutex_lock(&w->lock);
	w->frames += (unsigned long long)(rewound ? pages : pages - w->pages);
	if (pages >= w->checkpoint_at) {
		w->checkpoint_at = pages + CHECKPOINT_STEP;
		w->due = 1;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	w->pages = pages;
	return SQLITE_OK;
}

/* Runs passive checkpoints when the WAL has grown: they copy what no reader
 * still needs and never block the writer. */
static void *checkpoint_main(void *arg)
{
	struct sqlite_wal *w = arg;
	sqlite3 *db = w->checkpoint_st->db;
	pthread_setname_np(pthread_self(), "checkpoint");
	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		if (!w->due || w->restart_pending) {
			pthread_cond_wait(&w->wake, &w->lock);
			continue;
		}
		w->due = 0;
		w->running = 1;
		pthread_mutex_unlock(&w->lock);
		int log_pages = 0, copied = 0;
		int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_pages, &copied);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warn("event=db.checkpoint_failed error=\"%s\"", sqlite3_errmsg(db));
		else
			log_debug("event=db.checkpoint wal_pages=%d copied=%d", log_pages, copied);
		pthread_mutex_lock(&w->lock);
		w->running = 0;
		pthread_cond_broadcast(&w->idle);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int sqlite_wal_start(struct sqlite_store *s, const char *path, char *err, size_t errlen)
{
	struct sqlite_wal *w = calloc(1, sizeof *w);
	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->idle, NULL);
	w->restart_at = RESTART_PAGES;
	w->checkpoint_at = CHECKPOINT_PAGES;
	w->checkpoint_st = (struct sqlite_store *)store_sqlite_engine.open(path, 0, STORE_ROLE_PLAIN, err, errlen);
	if (w->checkpoint_st == NULL) {
		free(w);
		return -1;
	}
	if (pthread_create(&w->thread, NULL, checkpoint_main, w) != 0) {
		snprintf(err, errlen, "cannot start the checkpoint thread");
		store_sqlite_engine.close(&w->checkpoint_st->base);
		free(w);
		return -1;
	}
	/* Commits never checkpoint: the checkpointer thread does, off the path.
	 * The writer's page cache is larger than the readers': each callback
	 * touches several indexes, and re-reading their pages from the kernel
	 * was its largest cost. */
	sqlite3_exec(s->db, "PRAGMA wal_autocheckpoint=0; PRAGMA cache_size=-4096; PRAGMA temp_store=MEMORY;", NULL,
		     NULL, NULL);
	sqlite3_wal_hook(s->db, on_wal_commit, w);
	s->wal = w;
	return 0;
}

/* Copies the whole WAL into the database with a checkpoint of mode, which
 * rewinds (RESTART) or empties (TRUNCATE) the log, so the next commit writes
 * at its start; the jobs queued meanwhile wait. The checkpointer's pass is
 * let finish first (both need the checkpoint lock). A reader of an old
 * snapshot is waited for only wait_ms. Returns the SQLite result. */
static int checkpoint_whole_wal(struct sqlite_store *s, int mode, int wait_ms)
{
	struct sqlite_wal *w = s->wal;
	int log_pages = 0, copied = 0;

	pthread_mutex_lock(&w->lock);
	w->restart_pending = 1;
	while (w->running)
		pthread_cond_wait(&w->idle, &w->lock);
	pthread_mutex_unlock(&w->lock);

	sqlite3_busy_timeout(s->db, wait_ms);
	int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, mode, &log_pages, &copied);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);

	pthread_mutex_lock(&w->lock);
	w->restart_pending = 0;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	if (rc == SQLITE_OK)
		log_debug("event=db.wal_restart mode=%s wal_pages=%d",
			  mode == SQLITE_CHECKPOINT_TRUNCATE ? "truncate" : "restart", log_pages);
	else if (rc != SQLITE_BUSY)
		log_warn("event=db.checkpoint_failed error=\"%s\"", sqlite3_errmsg(s->db));
	return rc;
}

/* Rewinds the WAL; when a reader holds it, the rewind is tried again
 * CHECKPOINT_PAGES later. */
static void restart_wal(struct sqlite_store *s)
{
	struct sqlite_wal *w = s->wal;
	if (checkpoint_whole_wal(s, SQLITE_CHECKPOINT_RESTART, RESTART_WAIT_MS) == SQLITE_OK)
		w->restart_at = RESTART_PAGES;
	else
		w->restart_at = w->pages + CHECKPOINT_PAGES;
}

void sqlite_wal_truncate_after_commit(struct sqlite_store *s)
{
	s->wal->truncate_due = 1;
}

void sqlite_wal_after_batch(struct sqlite_store *s)
{
	struct sqlite_wal *w = s->wal;
	/* A reader of an older snapshot keeps the log: then the next batch tries again. */
	if (w->truncate_due && checkpoint_whole_wal(s, SQLITE_CHECKPOINT_TRUNCATE, TRUNCATE_WAIT_MS) == SQLITE_OK) {
		w->truncate_due = 0;
		w->restart_at = RESTART_PAGES;
	}
	if (w->pages >= w->restart_at)
		restart_wal(s);
}

unsigned long long sqlite_wal_pages_logged(struct sqlite_store *s)
{
	pthread_mutex_lock(&s->wal->lock);
	unsigned long long frames = s->wal->frames;
	pthread_mutex_unlock(&s->wal->lock);
	return frames;
}

/* Stops the checkpointer and closes its connection; the writer's connection
 * closes after, and closing the last one checkpoints and removes the WAL. */
void sqlite_wal_stop(struct sqlite_store *s)
{
	struct sqlite_wal *w = s->wal;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	store_sqlite_engine.close(&w->checkpoint_st->base);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->idle);
	free(w);
	s->wal = NULL;
}
