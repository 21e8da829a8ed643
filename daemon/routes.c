/*
 * routes.c — every endpoint of both listeners, in one table: the handler of a
 * route is found here in one step. The public listener never serves the API.
 * "{}" is one path segment; "{*}" the rest of the path, so that every hit under
 * /access-result/ reaches its handler and is logged, however malformed.
 * The last column is the route's guard: auth_check asks for the admin token.
 */
#include "auth.h"
#include "handlers.h"

#define PUBLIC HTTP_PUBLIC
#define ADMIN HTTP_ADMIN
#define SECRET HTTP_ROUTE_SECRET_PARAM
#define JSON HTTP_ROUTE_JSON_BODY

const struct http_route http_routes[] = {
	{ PUBLIC | ADMIN, "GET", "/healthz", health_live, "healthz", 0, NULL },
	{ ADMIN, "GET", "/readyz", health_ready, "readyz", 0, NULL },
	{ ADMIN, "GET", "/metrics", health_metrics, "metrics", 0, auth_check },

	{ PUBLIC, "GET", "/connect/{*}", public_connect, "connect", SECRET, NULL },
	{ PUBLIC, "GET", "/access-result/{*}", public_result, "access-result", SECRET, NULL },

	{ ADMIN, "POST", "/api/v1/access-requests", api_requests_create, "requests.create", JSON, auth_check },
	{ ADMIN, "GET", "/api/v1/access-requests", api_requests_list, "requests.list", 0, auth_check },
	{ ADMIN, "GET", "/api/v1/access-requests/{}", api_requests_get, "requests.get", 0, auth_check },
	{ ADMIN, "POST", "/api/v1/access-requests/{}/reissue", api_requests_reissue, "requests.reissue", JSON, auth_check },
	{ ADMIN, "POST", "/api/v1/access-requests/{}/cancel", api_requests_cancel, "requests.cancel", 0, auth_check },

	{ ADMIN, "GET", "/api/v1/installations", api_installations_list, "installations.list", 0, auth_check },
	{ ADMIN, "GET", "/api/v1/installations/{}", api_installations_get, "installations.get", 0, auth_check },
	{ ADMIN, "POST", "/api/v1/installations/{}/revoke", api_installations_revoke, "installations.revoke", JSON, auth_check },
	{ ADMIN, "POST", "/api/v1/installations/{}/transfer", api_transfer, "installations.transfer", JSON, auth_check },

	{ ADMIN, "GET", "/api/v1/events", api_events_list, "events.list", 0, auth_check },

	{ ADMIN, "POST", "/api/v1/webhook-endpoints", api_webhooks_create, "webhooks.create", JSON, auth_check },
	{ ADMIN, "GET", "/api/v1/webhook-endpoints", api_webhooks_list, "webhooks.list", 0, auth_check },
	{ ADMIN, "GET", "/api/v1/webhook-endpoints/{}", api_webhooks_get, "webhooks.get", 0, auth_check },
	{ ADMIN, "PATCH", "/api/v1/webhook-endpoints/{}", api_webhooks_patch, "webhooks.patch", JSON, auth_check },
	{ ADMIN, "DELETE", "/api/v1/webhook-endpoints/{}", api_webhooks_delete, "webhooks.delete", 0, auth_check },
	{ ADMIN, "POST", "/api/v1/webhook-endpoints/{}/rotate-secret", api_webhooks_rotate, "webhooks.rotate", 0, auth_check },
	{ ADMIN, "POST", "/api/v1/webhook-endpoints/{}/replay", api_webhooks_replay, "webhooks.replay", JSON, auth_check },
	{ ADMIN, "POST", "/api/v1/webhook-endpoints/{}/test", api_webhooks_test, "webhooks.test", 0, auth_check },

	{ ADMIN, "POST", "/api/v1/erasures", api_erasures_create, "erasures.create", JSON, auth_check },

	{ 0, NULL, NULL, NULL, NULL, 0, NULL },
};
