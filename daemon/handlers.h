/*
 * handlers.h — the endpoint handlers named in the route table (routes.c),
 * grouped by the file that holds them.
 */
#ifndef ACCESSD_HANDLERS_H
#define ACCESSD_HANDLERS_H

#include "http.h"

/* health.c */
enum http_outcome health_live(struct http_request *req);
enum http_outcome health_ready(struct http_request *req);
enum http_outcome health_metrics(struct http_request *req);

/* public_connect.c */
enum http_outcome public_connect(struct http_request *req);

/* public_result.c */
enum http_outcome public_result(struct http_request *req);

/* api_requests.c */
enum http_outcome api_requests_create(struct http_request *req);
enum http_outcome api_requests_list(struct http_request *req);
enum http_outcome api_requests_get(struct http_request *req);
enum http_outcome api_requests_reissue(struct http_request *req);
enum http_outcome api_requests_cancel(struct http_request *req);

/* api_installations.c */
enum http_outcome api_installations_list(struct http_request *req);
enum http_outcome api_installations_get(struct http_request *req);
enum http_outcome api_installations_revoke(struct http_request *req);

/* api_transfer.c */
enum http_outcome api_transfer(struct http_request *req);

/* api_events.c */
enum http_outcome api_events_list(struct http_request *req);

/* api_webhooks.c */
enum http_outcome api_webhooks_create(struct http_request *req);
enum http_outcome api_webhooks_list(struct http_request *req);
enum http_outcome api_webhooks_get(struct http_request *req);
enum http_outcome api_webhooks_patch(struct http_request *req);
enum http_outcome api_webhooks_delete(struct http_request *req);
enum http_outcome api_webhooks_rotate(struct http_request *req);
enum http_outcome api_webhooks_replay(struct http_request *req);
enum http_outcome api_webhooks_test(struct http_request *req);

/* api_erasures.c */
enum http_outcome api_erasures_create(struct http_request *req);

#endif
