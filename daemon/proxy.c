/*
 * proxy.c — X-Forwarded-For from trusted proxies. The header is read from the
 * right: each proxy appends the address it saw, so the first entry from the
 * right that is not a trusted proxy is the client. Anything left of it could
 * have been written by the client and is never believed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "proxy.h"

static int in_cidr(const struct config_cidr *c, int family, const unsigned char *addr)
{
	if (c->family != family)
		return 0;
	unsigned full = c->prefix / 8, rest = c->prefix % 8;
	if (memcmp(c->addr, addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (c->addr[full] & mask) == (addr[full] & mask);
}

/* Whether the address (text form) lies in one of cfg->trusted_proxies. */
static int proxy_is_trusted(const struct config *cfg, const char *address)
{
	unsigned char addr[16];
	int family;

	if (inet_pton(AF_INET, address, addr) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, address, addr) == 1)
		family = AF_INET6;
	else
		return 0;
	for (size_t i = 0; i < cfg->trusted_proxy_count; i++)
		if (in_cidr(&cfg->trusted_proxies[i], family, addr))
			return 1;
	return 0;
}

/* Writes the text form of a socket address; "-" when unknown. */
static void peer_text(const struct sockaddr *peer, char *out, size_t cap)
{
	snprintf(out, cap, "-");
	if (peer == NULL)
		return;
	if (peer->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)peer)->sin_addr, out, (socklen_t)cap);
	} else if (peer->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)peer)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a))
			inet_ntop(AF_INET, &a->s6_addr[12], out, (socklen_t)cap);
		else
			inet_ntop(AF_INET6, a, out, (socklen_t)cap);
	}
}

void proxy_client_address(const struct config *cfg, const struct sockaddr *peer,
			  const char *forwarded_for, char *out, size_t cap)
{
	peer_text(peer, out, cap);
	if (cfg == NULL || forwarded_for == NULL || !proxy_is_trusted(cfg, out))
		return;

	size_t end = strlen(forwarded_for);
	while (end > 0) {
		size_t start = end;
		while (start > 0 && forwarded_for[start - 1] != ',')
			start--;
		/* Trim the entry [start, end). */
		size_t a = start, b = end;
		while (a < b && (forwarded_for[a] == ' ' || forwarded_for[a] == '\t'))
			a++;
		while (b > a && (forwarded_for[b - 1] == ' ' || forwarded_for[b - 1] == '\t'))
			b--;
		char entry[INET6_ADDRSTRLEN + 1];
		unsigned char bin[16];
		if (b - a == 0 || b - a >= sizeof entry)
			return; /* malformed: keep what we have */
		memcpy(entry, forwarded_for + a, b - a);
		entry[b - a] = '\0';
		if (inet_pton(AF_INET, entry, bin) != 1 && inet_pton(AF_INET6, entry, bin) != 1)
			return;
		snprintf(out, cap, "%s", entry);
		if (!proxy_is_trusted(cfg, entry))
			return;
		end = start > 0 ? start - 1 : 0;
	}
}
