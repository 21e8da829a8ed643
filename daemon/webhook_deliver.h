/*
 * webhook_deliver.h — the delivery of events to the partner's webhook
 * endpoints.
 *
 * Each enabled endpoint has a thread of its own, with its own connection: it
 * reads the endpoint's next wanted event after its cursor, POSTs it, waits for
 * the answer, and only after a 2xx has been committed moves the cursor on. So
 * events reach an endpoint one at a time in event-id order, a slow or dead
 * endpoint holds up nobody else, and a crash repeats at most the event in
 * flight. Failed attempts wait out webhook_retry_schedule; a 410, or no
 * success for webhook_disable_after, disables the endpoint.
 *
 * A supervisor thread starts a worker for every enabled endpoint (at most
 * WEBHOOK_MAX_ENDPOINTS) and reaps those whose endpoint went away. Workers
 * sleep until the writer commits new events (store_on_events_added) or an endpoint
 * changes (webhook_wake_notify), with a slow poll besides for changes made
 * by another process.
 */
#ifndef ACCESSD_WEBHOOK_DELIVER_H
#define ACCESSD_WEBHOOK_DELIVER_H

#include <stddef.h>

struct config;

/* Starts the supervisor; cfg is borrowed until webhook_deliver_stop().
 * Returns 0, or -1 with err. */
int webhook_deliver_start(const struct config *cfg, char *err, size_t errlen);

/* Ends attempts under way and joins every thread; does nothing when not
 * running. */
void webhook_deliver_stop(void);

#endif
