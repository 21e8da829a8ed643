/*
 * webhook_metrics.c — the webhook lines of /metrics: delivery attempts by
 * outcome, their latency, disabled endpoints, and each endpoint's backlog.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "metrics.h"
#include "store.h"
#include "strbuf.h"
#include "webhook.h"
#include "webhook_metrics.h"
#include "webhook_store.h"

enum outcome { OUTCOME_DELIVERED, OUTCOME_REJECTED, OUTCOME_UNREACHABLE, OUTCOME_COUNT };
static const char *const outcome_names[OUTCOME_COUNT] = { "delivered", "rejected", "unreachable" };
static const double latency_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15 };
#define LATENCY_BUCKETS (sizeof latency_buckets / sizeof latency_buckets[0])

static atomic_ulong attempts_by_outcome[OUTCOME_COUNT];
static atomic_ulong endpoints_disabled;
static atomic_ulong latency_counts[LATENCY_BUCKETS + 1];
static atomic_ullong latency_sum_us;
static atomic_int metrics_added;

void webhook_metrics_observe(const struct webhook_attempt *a)
{
	enum outcome o = a->status >= 200 && a->status < 300 ? OUTCOME_DELIVERED
			 : a->status != 0                    ? OUTCOME_REJECTED
							     : OUTCOME_UNREACHABLE;
	size_t b = 0;
	while (b < LATENCY_BUCKETS && a->seconds > latency_buckets[b])
		b++;
	atomic_fetch_add(&attempts_by_outcome[o], 1);
	atomic_fetch_add(&latency_counts[b], 1);
	atomic_fetch_add(&latency_sum_us, (unsigned long long)(a->seconds * 1e6));
}

void webhook_metrics_count_disabled(void)
{
	atomic_fetch_add(&endpoints_disabled, 1);
}

/* The webhook lines of /metrics: attempts by outcome, the latency
 * histogram, disabled endpoints, and each endpoint's pending events. */
static void metrics_lines(struct strbuf *b)
{
	strbuf_addf(b,
		       "# HELP accessd_webhook_deliveries_total Delivery attempts by outcome: delivered (2xx), "
		       "rejected (another status), unreachable (no answer).\n"
		       "# TYPE accessd_webhook_deliveries_total counter\n");
	for (int o = 0; o < OUTCOME_COUNT; o++)
		strbuf_addf(b, "accessd_webhook_deliveries_total{outcome=\"%s\"} %lu\n",
			       outcome_names[o], atomic_load(&attempts_by_outcome[o]));
	strbuf_addf(b,
		       "# HELP accessd_webhook_endpoints_disabled_total Endpoints disabled after a 410 or too long without success.\n"
		       "# TYPE accessd_webhook_endpoints_disabled_total counter\n"
		       "accessd_webhook_endpoints_disabled_total %lu\n"
		       "# HELP accessd_webhook_delivery_duration_seconds How long a delivery attempt took, request to answer.\n"
		       "# TYPE accessd_webhook_delivery_duration_seconds histogram\n",
		       atomic_load(&endpoints_disabled));
	unsigned long cumulative = 0;
	for (size_t k = 0; k <= LATENCY_BUCKETS; k++) {
		cumulative += atomic_load(&latency_counts[k]);
		if (k < LATENCY_BUCKETS)
			strbuf_addf(b, "accessd_webhook_delivery_duration_seconds_bucket{le=\"%g\"} %lu\n",
				       latency_buckets[k], cumulative);
		else
			strbuf_addf(b,
				       "accessd_webhook_delivery_duration_seconds_bucket{le=\"+Inf\"} %lu\n"
				       "accessd_webhook_delivery_duration_seconds_sum %.6f\n"
				       "accessd_webhook_delivery_duration_seconds_count %lu\n",
				       cumulative, (double)atomic_load(&latency_sum_us) / 1e6, cumulative);
	}

	struct store *st = store_reader();
	struct webhook_endpoint *items = NULL;
	size_t count = 0;
	if (st == NULL || webhook_store_list(st, &items, &count) != 0)
		return;
	strbuf_addf(b,
		       "# HELP accessd_webhook_pending_events Events an endpoint wants that it has not been delivered yet.\n"
		       "# TYPE accessd_webhook_pending_events gauge\n");
	for (size_t i = 0; i < count; i++) {
		strbuf_addf(b, "accessd_webhook_pending_events{endpoint=\"%s\"} %" PRId64 "\n",
			       items[i].id, webhook_store_pending(st, &items[i]));
		webhook_endpoint_clear(&items[i]);
	}
	free(items);
}

void webhook_metrics_register(void)
{
	if (atomic_exchange(&metrics_added, 1) == 0)
		metrics_add_source(metrics_lines);
}
