/*
 * webhook_metrics.h — what the webhook workers count for /metrics.
 */
#ifndef ACCESSD_WEBHOOK_METRICS_H
#define ACCESSD_WEBHOOK_METRICS_H

#include "webhook_http.h"

/* Counts one attempt's outcome and duration. */
void webhook_metrics_observe(const struct webhook_attempt *a);

/* Counts one endpoint disabled. */
void webhook_metrics_count_disabled(void);

/* Adds the webhook lines to /metrics; once, however often it is called. */
void webhook_metrics_register(void);

#endif
