/*
 * webhook_wake.h — the wake-ups of the webhook threads: the writer's commits
 * of events and the API's changes of endpoints move a generation; a thread
 * reads the generation before it looks at the database, then waits for it to
 * move. Shared by the supervisor and its workers, owned by neither.
 */
#ifndef ACCESSD_WEBHOOK_WAKE_H
#define ACCESSD_WEBHOOK_WAKE_H

#include <stdatomic.h>
#include <stdint.h>

/* Set once the daemon stops: attempts and waits end at once. */
extern atomic_int webhook_wake_stopping;

/* Clears the stop flag and readies the condition (once). */
void webhook_wake_init(void);

/* What a thread waits for: the workers for events or endpoint changes, the
 * supervisor for endpoint changes alone. */
enum webhook_wake_watch { WEBHOOK_WAKE_ANY, WEBHOOK_WAKE_ENDPOINTS };

/* A counter that moves whenever what watch names changes; read it before
 * looking at the database, then wait on it. */
uint64_t webhook_wake_generation(enum webhook_wake_watch watch);

/* Waits up to ms milliseconds, or until the generation differs from seen, or
 * the daemon stops. */
void webhook_wake_wait(enum webhook_wake_watch watch, uint64_t seen, int64_t ms);

/* Events were committed (the writer's hook). */
void webhook_wake_events(void);

/* An endpoint changed: wakes every worker and the supervisor. */
void webhook_wake_notify(void);

/* Sets the stop flag and wakes every waiting thread. */
void webhook_wake_stop(void);

#endif
