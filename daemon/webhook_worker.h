/*
 * webhook_worker.h — one endpoint's delivery thread, and what it shares with
 * the supervisor in webhook_deliver.c (private to the two).
 */
#ifndef ACCESSD_WEBHOOK_WORKER_H
#define ACCESSD_WEBHOOK_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "lease.h"
#include "token.h"
#include "webhook_http.h"

struct config;

/* A worker, made and reaped by the supervisor. */
struct webhook_worker {
	char id[TOKEN_ID_LEN + 1];       /* the endpoint's */
	pthread_t thread;
	struct lease_own lease;          /* "webhook:<id>": this instance delivers while it holds it */
	atomic_int finished;             /* set by the thread as it ends */
	struct webhook_worker *next;     /* the supervisor's list */
	/* Cursor advances handed to the writer and not yet committed. */
	pthread_mutex_t lock;
	pthread_cond_t settled;
	int unconfirmed;
	int advance_failed;
};

/* The thread's body: delivers the endpoint's events until it is gone or
 * disabled, or the daemon stops. */
void *webhook_worker_main(void *arg);

/* --- from webhook_deliver.c --- */

/* The configuration (retry schedule, disable_after). */
const struct config *webhook_deliver_config(void);

/* Set once the daemon stops: attempts end at once. */
extern atomic_int webhook_deliver_stopping;

/* A counter that moves whenever events were committed or an endpoint
 * changed; read it before looking at the database, then wait on it. */
uint64_t webhook_deliver_generation(void);

/* Waits up to ms milliseconds, or until the generation differs from seen, or
 * the daemon stops. */
void webhook_deliver_wait(uint64_t seen, int64_t ms);

/* Metrics: one attempt's outcome and duration; one endpoint disabled. */
void webhook_deliver_observe(const struct webhook_attempt *a);
void webhook_deliver_count_disabled(void);

#endif
