/*
 * proxy.h — the client's address, taken from X-Forwarded-For only when the peer
 * is a trusted proxy (trusted_proxies in the configuration).
 */
#ifndef ACCESSD_PROXY_H
#define ACCESSD_PROXY_H

#include <stddef.h>
#include <sys/socket.h>

struct config;

/* Writes the client address into out: the peer's, or — when the peer is in
 * cfg->trusted_proxies — the right-most address of forwarded_for that is not
 * itself a trusted proxy. Malformed header entries are ignored. */
void proxy_client_address(const struct config *cfg, const struct sockaddr *peer,
			  const char *forwarded_for, char *out, size_t cap);

#endif
