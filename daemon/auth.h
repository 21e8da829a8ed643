/*
 * auth.h — the admin API's bearer token.
 */
#ifndef ACCESSD_AUTH_H
#define ACCESSD_AUTH_H

struct http_request;

/* Remembers the SHA-256 of the configured token (the token itself is not kept
 * here). Returns 0, or -1 when token is empty. */
int auth_init(const char *token);

/* Checks "Authorization: Bearer <token>" in constant time. Returns 0 when it
 * matches; otherwise queues a 401 with WWW-Authenticate: Bearer and returns -1. */
int auth_check(struct http_request *req);

#endif
