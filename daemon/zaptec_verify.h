/*
 * zaptec_verify.h — the thread that confirms grants with Zaptec's API.
 *
 * A granted callback records the installation as "verifying" and queues a row
 * in the verifications table. The verifier reads the rows that are due, asks
 * GET /api/installation/{id}, and records the answer through the writer:
 * visible → "granted" with its name and roles; not visible → retried with
 * backoff until verify_window has passed since the grant, then "unconfirmed";
 * no usable answer (network, 5xx, 429, login) → retried for as long as it
 * takes, since an API that is down says nothing about the grant. The queue is
 * in the database, so pending work survives restarts.
 *
 * The same thread runs reconciliation (zaptec_reconcile.h) every reconcile_interval,
 * one bounded step at a time between verifications. /metrics shows the calls
 * by endpoint and outcome, 429s, the queue and whether the API answered.
 */
#ifndef ACCESSD_ZAPTEC_VERIFY_H
#define ACCESSD_ZAPTEC_VERIFY_H

#include <stddef.h>

struct config;

/* Starts the thread with a client for cfg's API and credentials; cfg is
 * borrowed and must outlive zaptec_verify_stop(). Call only when
 * cfg->zaptec_username is set. Returns 0, or -1 with err. */
int zaptec_verify_start(const struct config *cfg, char *err, size_t errlen);

/* Ends calls and waits under way, joins the thread and frees the client. Does
 * nothing when the verifier is not running. */
void zaptec_verify_stop(void);

#endif
