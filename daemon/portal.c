/*
 * portal.c — the Zaptec portal link builder: pure functions, no I/O.
 *
 * The link is the one thing both Zaptec's portal and the partner's customers see,
 * so it is built byte for byte as the contract spells it: parameters in a fixed
 * order, every value percent-encoded with the RFC 3986 unreserved set only.
 */
#include "portal.h"

#include <stdlib.h>
#include <string.h>

/* A string that grows as pieces are appended; failed stays set once memory ran
 * out, so callers append freely and check once at the end. */
struct buf {
	char *p;
	size_t len;
	size_t cap;
	int failed;
};

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/*
 * Writes whole units only: when an escape does not fit, the output stops before
 * it, so a truncated result is still a valid (shorter) encoding, never a dangling
 * "%C". Returns the full length, as snprintf does.
 */
size_t portal_percent_encode(char *out, size_t cap, const char *in, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t need = 0;
	int fits = 1;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		size_t unit = is_unreserved(c) ? 1 : 3;

		if (fits && need + unit < cap) {
			if (unit == 1) {
				out[need] = (char)c;
			} else {
				out[need] = '%';
				out[need + 1] = hex[c >> 4];
				out[need + 2] = hex[c & 0x0f];
			}
		} else if (fits) {
			fits = 0;
			if (cap > 0)
				out[need] = '\0';
		}
		need += unit;
	}
	if (fits && cap > 0)
		out[need] = '\0';
	return need;
}

/* Makes room for n more bytes and the NUL; returns 0, or -1 (and marks b failed). */
static int buf_reserve(struct buf *b, size_t n)
{
	if (b->failed)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 128;
	while (cap < b->len + n + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (p == NULL) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (buf_reserve(b, n) != 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_add_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_add_encoded(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	size_t need = portal_percent_encode(NULL, 0, s, n);

	if (buf_reserve(b, need) != 0)
		return;
	portal_percent_encode(b->p + b->len, need + 1, s, n);
	b->len += need;
}

/* Appends a base URL without its trailing slashes, so that the path added after
 * it starts with exactly one '/'. */
static void buf_add_base(struct buf *b, const char *base)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	buf_add(b, base, n);
}

/* Hands the finished string to the caller, or frees it and returns NULL when an
 * append failed. */
static char *buf_finish(struct buf *b)
{
	if (b->failed) {
		free(b->p);
		return NULL;
	}
	return b->p;
}

/* "<base>/<what>/<token>" as a new string, or NULL. */
static char *join_url(const char *base, const char *what, const char *token)
{
	struct buf b = { 0 };

	if (base == NULL || token == NULL)
		return NULL;
	buf_add_base(&b, base);
	buf_add_str(&b, what);
	buf_add_str(&b, token);
	return buf_finish(&b);
}

char *portal_connect_url(const char *public_url, const char *token)
{
	return join_url(public_url, "/connect/", token);
}

char *portal_return_url(const char *public_url, const char *token)
{
	return join_url(public_url, "/access-result/", token);
}

/*
 * Builds P/access/request/K?partnerName=..&lang=..[&installationId=..]
 * &installationtype=0|1&returnUrl=..[&showExisting=true]. An empty
 * installation_id counts as none. Returns a new string (caller frees), or NULL for
 * a missing field, a Pro link without an installation, or no memory.
 */
char *portal_build_url(const struct portal_link *link)
{
	struct buf b = { 0 };
	char *return_url;
	int has_installation;

	if (link == NULL || link->portal_url == NULL || link->lookup_key == NULL ||
	    link->partner_name == NULL || link->lang == NULL || link->public_url == NULL ||
	    link->token == NULL)
		return NULL;
	if (link->installation_type != PORTAL_TYPE_PRO && link->installation_type != PORTAL_TYPE_GO)
		return NULL;
	has_installation = link->installation_id != NULL && link->installation_id[0] != '\0';
	if (link->installation_type == PORTAL_TYPE_PRO && !has_installation)
		return NULL;

	return_url = portal_return_url(link->public_url, link->token);
	if (return_url == NULL)
		return NULL;

	buf_add_base(&b, link->portal_url);
	buf_add_str(&b, "/access/request/");
	buf_add_encoded(&b, link->lookup_key);
	buf_add_str(&b, "?partnerName=");
	buf_add_encoded(&b, link->partner_name);
	buf_add_str(&b, "&lang=");
	buf_add_encoded(&b, link->lang);
	if (has_installation) {
		buf_add_str(&b, "&installationId=");
		buf_add_encoded(&b, link->installation_id);
	}
	buf_add_str(&b, link->installation_type == PORTAL_TYPE_GO ? "&installationtype=1"
								   : "&installationtype=0");
	buf_add_str(&b, "&returnUrl=");
	buf_add_encoded(&b, return_url);
	if (link->show_existing)
		buf_add_str(&b, "&showExisting=true");
	free(return_url);
	return buf_finish(&b);
}
