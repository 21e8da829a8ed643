/*
 * public.h — what the public endpoints share: the customer's page for an
 * outcome, in the customer's language.
 */
#ifndef ACCESSD_PUBLIC_H
#define ACCESSD_PUBLIC_H

#include "http.h"
#include "page.h"

struct access_request;

/* Renders and queues the page of kind with status. r (may be NULL) gives the
 * language, partner and return link; installation_id (may be NULL) the
 * installation to name, by its Zaptec name when it is bound to r and the name
 * is known. */
enum http_outcome public_page(struct http_request *req, unsigned status, enum page_kind kind,
			      const struct access_request *r, const char *installation_id);

/* The page for a public path no route has: a browser that strays gets a page,
 * not JSON. */
enum http_outcome public_not_found(struct http_request *req);

#endif
