/*
 * routes.c — every endpoint of both listeners, in one table: the handler of a
 * route is found here in one step. The public listener never serves the API.
 * "{}" is one path segment; "{*}" the rest of the path, so that every hit under
 * /access-result/ reaches its handler and is logged, however malformed.
 */
#include "handlers.h"

#define PUBLIC HTTP_PUBLIC
#define ADMIN HTTP_ADMIN
#define AUTH HTTP_ROUTE_AUTH
#define SECRET HTTP_ROUTE_SECRET_PARAM
#define JSON HTTP_ROUTE_JSON_BODY

const struct http_route http_routes[] = {
	{ PUBLIC | ADMIN, "GET", "/healthz", health_live, "healthz", 0 },
	{ ADMIN, "GET", "/readyz", health_ready, "readyz", 0 },
	{ ADMIN, "GET", "/metrics", health_metrics, "metrics", AUTH },

	{ PUBLIC, "GET", "/connect/{*}", public_connect, "connect", SECRET },
	{ PUBLIC, "GET", "/access-result/{*}", public_result, "access-result", SECRET },

	{ ADMIN, "POST", "/api/v1/access-requests", api_requests_create, "requests.create", AUTH | JSON },
	{ ADMIN, "GET", "/api/v1/access-requests", api_requests_list, "requests.list", AUTH },
	{ ADMIN, "GET", "/api/v1/access-requests/{}", api_requests_get, "requests.get", AUTH },
	{ ADMIN, "POST", "/api/v1/access-requests/{}/reissue", api_requests_reissue, "requests.reissue", AUTH | JSON },
	{ ADMIN, "POST", "/api/v1/access-requests/{}/cancel", api_requests_cancel, "requests.cancel", AUTH },

	{ ADMIN, "GET", "/api/v1/installations", api_installations_list, "installations.list", AUTH },
	{ ADMIN, "GET", "/api/v1/installations/{}", api_installations_get, "installations.get", AUTH },
	{ ADMIN, "POST", "/api/v1/installations/{}/revoke", api_installations_revoke, "installations.revoke", AUTH | JSON },
	{ ADMIN, "POST", "/api/v1/installations/{}/transfer", api_transfer, "installations.transfer", AUTH | JSON },

	{ ADMIN, "GET", "/api/v1/events", api_events_list, "events.list", AUTH },

	{ ADMIN, "POST", "/api/v1/webhook-endpoints", api_webhooks_create, "webhooks.create", AUTH | JSON },
	{ ADMIN, "GET", "/api/v1/webhook-endpoints", api_webhooks_list, "webhooks.list", AUTH },
	{ ADMIN, "GET", "/api/v1/webhook-endpoints/{}", api_webhooks_get, "webhooks.get", AUTH },
	{ ADMIN, "PATCH", "/api/v1/webhook-endpoints/{}", api_webhooks_patch, "webhooks.patch", AUTH | JSON },
	{ ADMIN, "DELETE", "/api/v1/webhook-endpoints/{}", api_webhooks_delete, "webhooks.delete", AUTH },
	{ ADMIN, "POST", "/api/v1/webhook-endpoints/{}/rotate-secret", api_webhooks_rotate, "webhooks.rotate", AUTH },
	{ ADMIN, "POST", "/api/v1/webhook-endpoints/{}/replay", api_webhooks_replay, "webhooks.replay", AUTH | JSON },
	{ ADMIN, "POST", "/api/v1/webhook-endpoints/{}/test", api_webhooks_test, "webhooks.test", AUTH },

	{ ADMIN, "POST", "/api/v1/erasures", api_erasures_create, "erasures.create", AUTH | JSON },

	{ 0, NULL, NULL, NULL, NULL, 0 },
};
