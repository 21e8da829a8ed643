/*
 * metrics.h — counters for /metrics, kept in atomics so the hot path never locks,
 * and their rendering in the Prometheus text format.
 */
#ifndef ACCESSD_METRICS_H
#define ACCESSD_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct strbuf;

/* Counts one answered request: admin is 1 on the admin listener and 0 on the
 * public one, route the index into the route table or -1 for none. */
void metrics_observe_request(int admin, int route, unsigned status, uint64_t micros);

/* Names what metrics counts by index without knowing it: the name of entry
 * index, or NULL past the last. */
typedef const char *(*metrics_namer)(int index);

/* Counts one hit on /access-result by its outcome (enum callback_outcome, at
 * most METRICS_MAX_CALLBACK_OUTCOMES of them). */
#define METRICS_MAX_CALLBACK_OUTCOMES 16
void metrics_count_callback(int outcome);

/* Counts admin requests refused for a wrong or missing token. */
void metrics_count_auth_failure(void);

/* A source of further lines for /metrics (the Zaptec client, the verifier,
 * the webhooks): appends to b. At most 8 sources. */
typedef void (*metrics_source)(struct strbuf *b);
void metrics_add_source(metrics_source source);

/* Appends the standard process metrics (CPU, memory, descriptors, start
 * time) read from /proc. (metrics_process.c) */
void metrics_process_append(struct strbuf *b);

/* Renders every metric, reading the counts by status from st, naming the
 * routes with route_name and the callback outcomes with outcome_name.
 * Returns a new string (caller frees) or NULL. */
char *metrics_render(struct store *st, metrics_namer route_name, metrics_namer outcome_name, size_t *len);

#endif
