/*
 * writer.h — the one thread that writes to the database, with group commit.
 *
 * Jobs that arrive while a transaction is being committed wait for the next one
 * and share it: one BEGIN, one COMMIT, one fsync for all of them. Each job runs
 * inside its own savepoint, so a job that fails leaves the others untouched.
 * A job's done() is called only after the transaction has committed (status 0)
 * or failed (status -1): an answer is never sent for a write that is not durable.
 */
#ifndef ACCESSD_WRITER_H
#define ACCESSD_WRITER_H

#include "store.h"

struct writer_job {
	/* Runs on the writer thread inside a transaction. Returns 0 to keep what it
	 * wrote, -1 to roll it back (a system failure: the job's done sees -1). */
	int (*run)(struct store *st, void *arg);
	/* Called on the writer thread once the outcome is durable or lost. Must not
	 * block; may free the job. */
	void (*done)(void *arg, int status);
	void *arg;
	struct writer_job *next; /* the writer's own */
};

/* Opens the writer's connection to path and starts its thread. Returns 0, or -1
 * with err. */
int writer_start(const char *path, char *err, size_t errlen);

/* Queues a job. The job's memory must stay valid until its done() is called. */
void writer_submit(struct writer_job *job);

/* Queues run(arg) and waits for its outcome: 0 committed, -1 failed. For threads
 * that may block (background work, the command line's own writer). */
int writer_run(int (*run)(struct store *st, void *arg), void *arg);

/* Finishes every queued job, then stops the thread and closes its connection. */
void writer_stop(void);

/* What the writer has done since start (for /metrics). */
struct writer_stats {
	unsigned long long jobs;       /* jobs run */
	unsigned long long commits;    /* transactions committed */
	unsigned long long wal_frames; /* database pages appended to the WAL */
	double busy_seconds;           /* running transactions, commits and fsyncs included */
};
void writer_stats(struct writer_stats *out);

#endif
