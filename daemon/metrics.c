/*
 * metrics.c — counters in atomics, rendered in the Prometheus text format.
 * Counts by status come from the database at scrape time, so they are exact
 * across restarts and cost nothing on the request path.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "status.h"
#include "store.h"
#include "strbuf.h"
#include "writer.h"

#define MAX_ROUTES 64
#define MAX_SOURCES 8

static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };
#define BUCKET_COUNT (sizeof buckets / sizeof buckets[0])

/* [listener][route + 1][status class 1xx..5xx]; route slot 0 is "no route". */
static atomic_ulong requests[2][MAX_ROUTES + 1][5];
static atomic_ulong duration_buckets[2][BUCKET_COUNT + 1];
static atomic_ullong duration_sum_us[2];
static atomic_ulong callbacks[METRICS_MAX_CALLBACK_OUTCOMES];
static atomic_ulong auth_failures;
static metrics_source sources[MAX_SOURCES];
static atomic_int source_count;

void metrics_observe_request(int admin, int route, unsigned status, uint64_t micros)
{
	int l = admin ? 1 : 0;
	assert(route < MAX_ROUTES); /* the route table is ours; grow MAX_ROUTES with it */
	int r = route >= 0 ? route + 1 : 0;
	int c = (status >= 100 && status < 600) ? (int)(status / 100) - 1 : 4;
	atomic_fetch_add_explicit(&requests[l][r][c], 1, memory_order_relaxed);

	double seconds = (double)micros / 1e6;
	size_t b = 0;
	while (b < BUCKET_COUNT && seconds > buckets[b])
		b++;
	atomic_fetch_add_explicit(&duration_buckets[l][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&duration_sum_us[l], micros, memory_order_relaxed);
}

void metrics_count_callback(int outcome)
{
	assert(outcome >= 0 && outcome < METRICS_MAX_CALLBACK_OUTCOMES);
	atomic_fetch_add_explicit(&callbacks[outcome], 1, memory_order_relaxed);
}

void metrics_count_auth_failure(void)
{
	atomic_fetch_add_explicit(&auth_failures, 1, memory_order_relaxed);
}

void metrics_add_source(metrics_source source)
{
	int n = atomic_fetch_add(&source_count, 1);
	if (n < MAX_SOURCES)
		sources[n] = source;
}

/* The counts of one "by status" read, in the order of its list of statuses. */
struct status_counts {
	const char *const *statuses;
	long long counts[8];
};

static int note_count(void *arg, const char *status, long long n)
{
	struct status_counts *c = arg;
	for (int i = 0; c->statuses[i]; i++)
		if (strcmp(status, c->statuses[i]) == 0)
			c->counts[i] = n;
	return 0;
}

/* Appends "name{status=...} n" for every status of the list, 0 for those the
 * store had no row of. */
static void append_counts(struct strbuf *b, const struct status_counts *c, const char *name)
{
	for (int i = 0; c->statuses[i]; i++) {
		assert(i < (int)(sizeof c->counts / sizeof c->counts[0]));
		strbuf_addf(b, "%s{status=\"%s\"} %lld\n", name, c->statuses[i], c->counts[i]);
	}
}

char *metrics_render(struct store *st, metrics_namer route_name, metrics_namer outcome_name, size_t *len)
{
	static const char *const listeners[] = { "public", "admin" };
	struct strbuf out = { 0 };
	struct writer_stats ws;

	strbuf_reserve(&out, 16384);
	strbuf_addf(&out,
		       "# HELP accessd_build_info The running version.\n"
		       "# TYPE accessd_build_info gauge\n"
		       "accessd_build_info{version=\"%s\"} 1\n"
		       "# HELP accessd_http_requests_total HTTP requests answered, by listener, route and status class.\n"
		       "# TYPE accessd_http_requests_total counter\n",
		       ACCESSD_VERSION);
	for (int l = 0; l < 2; l++) {
		for (int r = 0; r <= MAX_ROUTES; r++) {
			const char *route = r == 0 ? "none" : route_name(r - 1);
			if (route == NULL)
				break;
			for (int c = 0; c < 5; c++) {
				unsigned long n = atomic_load(&requests[l][r][c]);
				if (n)
					strbuf_addf(&out,
						       "accessd_http_requests_total{listener=\"%s\",route=\"%s\",code=\"%dxx\"} %lu\n",
						       listeners[l], route, c + 1, n);
			}
		}
	}
	strbuf_addf(&out,
		       "# HELP accessd_http_request_duration_seconds Time from request to response.\n"
		       "# TYPE accessd_http_request_duration_seconds histogram\n");
	for (int l = 0; l < 2; l++) {
		unsigned long cumulative = 0;
		for (size_t b = 0; b <= BUCKET_COUNT; b++) {
			cumulative += atomic_load(&duration_buckets[l][b]);
			if (b < BUCKET_COUNT)
				strbuf_addf(&out,
					       "accessd_http_request_duration_seconds_bucket{listener=\"%s\",le=\"%g\"} %lu\n",
					       listeners[l], buckets[b], cumulative);
			else
				strbuf_addf(&out,
					       "accessd_http_request_duration_seconds_bucket{listener=\"%s\",le=\"+Inf\"} %lu\n"
					       "accessd_http_request_duration_seconds_sum{listener=\"%s\"} %.6f\n"
					       "accessd_http_request_duration_seconds_count{listener=\"%s\"} %lu\n",
					       listeners[l], cumulative, listeners[l],
					       (double)atomic_load(&duration_sum_us[l]) / 1e6, listeners[l], cumulative);
		}
	}
	strbuf_addf(&out,
		       "# HELP accessd_callbacks_total Hits on /access-result, by classification.\n"
		       "# TYPE accessd_callbacks_total counter\n");
	for (int k = 0; k < METRICS_MAX_CALLBACK_OUTCOMES && outcome_name(k) != NULL; k++)
		strbuf_addf(&out, "accessd_callbacks_total{classification=\"%s\"} %lu\n",
			       outcome_name(k), atomic_load(&callbacks[k]));
	writer_stats(&ws);
	strbuf_addf(&out,
		       "# HELP accessd_auth_failures_total Admin requests refused for a missing or wrong token.\n"
		       "# TYPE accessd_auth_failures_total counter\n"
		       "accessd_auth_failures_total %lu\n"
		       "# HELP accessd_db_write_jobs_total Writes committed through the writer.\n"
		       "# TYPE accessd_db_write_jobs_total counter\n"
		       "accessd_db_write_jobs_total %llu\n"
		       "# HELP accessd_db_commits_total Transactions committed (group commit shares one among many writes).\n"
		       "# TYPE accessd_db_commits_total counter\n"
		       "accessd_db_commits_total %llu\n"
		       "# HELP accessd_db_wal_frames_total Database pages appended to the write-ahead log.\n"
		       "# TYPE accessd_db_wal_frames_total counter\n"
		       "accessd_db_wal_frames_total %llu\n"
		       "# HELP accessd_db_writer_busy_seconds_total Time the writer spent on transactions, fsyncs included; its rate is the writer's utilisation.\n"
		       "# TYPE accessd_db_writer_busy_seconds_total counter\n"
		       "accessd_db_writer_busy_seconds_total %.6f\n"
		       "# HELP accessd_access_requests Access requests by status.\n"
		       "# TYPE accessd_access_requests gauge\n",
		       atomic_load(&auth_failures), ws.jobs, ws.commits, ws.wal_frames, ws.busy_seconds);
	struct status_counts request_counts = { .statuses = status_request_names };
	store_request_count_by_status(st, note_count, &request_counts);
	append_counts(&out, &request_counts, "accessd_access_requests");
	strbuf_addf(&out,
		       "# HELP accessd_installations Installations by status.\n"
		       "# TYPE accessd_installations gauge\n");
	struct status_counts installation_counts = { .statuses = status_installation_names };
	store_installation_count_by_status(st, note_count, &installation_counts);
	append_counts(&out, &installation_counts, "accessd_installations");
	metrics_process_append(&out);
	int n = atomic_load(&source_count);
	for (int i = 0; i < n && i < MAX_SOURCES; i++)
		sources[i](&out);
	return strbuf_finish(&out, len);
}
