/*
 * health.c — /healthz (the process runs), /readyz (the database takes writes)
 * and /metrics.
 */
#include <stdlib.h>
#include <string.h>

#include "callback.h"
#include "handlers.h"
#include "metrics.h"
#include "store.h"

enum http_outcome health_live(struct http_request *req)
{
	static const char ok[] = "{\"status\":\"ok\"}";
	char *body = strdup(ok);
	return http_reply_text(req, 200, "application/json", body, body ? strlen(ok) : 0);
}

static int probe(struct store *st, void *arg)
{
	(void)arg;
	return store_probe_write(st);
}

static enum http_outcome ready_answer(struct http_request *req)
{
	const char *text = req->job_status == 0 ? "{\"status\":\"ready\"}" : "{\"status\":\"unavailable\"}";
	char *body = strdup(text);
	return http_reply_text(req, req->job_status == 0 ? 200 : 503, "application/json", body,
			       body ? strlen(text) : 0);
}

/* Ready means a write transaction commits: it goes through the writer like any
 * other write, so a full disk or a read-only file shows here. */
enum http_outcome health_ready(struct http_request *req)
{
	return http_defer(req, probe, NULL, ready_answer);
}

/* A route's name for /metrics, by its index in the route table. */
static const char *route_name(int index)
{
	return http_routes[index].pattern ? http_routes[index].name : NULL;
}

enum http_outcome health_metrics(struct http_request *req)
{
	struct store *st = store_reader();
	size_t len = 0;
	char *text = st ? metrics_render(st, route_name, callback_outcome_name, &len) : NULL;
	if (text == NULL)
		return http_reply_problem(req, 503, "metrics are not available right now");
	return http_reply_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
