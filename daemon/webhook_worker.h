/*
 * webhook_worker.h — one endpoint's delivery thread, as the supervisor in
 * webhook_deliver.c makes and reaps it.
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
	const struct config *cfg;        /* the retry schedule, disable_after; borrowed */
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

#endif
