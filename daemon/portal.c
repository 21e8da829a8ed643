/*
 * portal.c — the Zaptec portal link builder: pure functions, no I/O.
 *
 * The link is the one thing both Zaptec's portal and the partner's customers see,
 * so it is built byte for byte as the contract spells it: parameters in a fixed
 * order, every value percent-encoded with the RFC 3986 unreserved set only.
 */
#include "portal.h"
#include "strbuf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* Writes c percent-encoded, or as itself when it is unreserved. Returns the
 * length. */
static size_t percent_unit(unsigned char c, char *escaped)
{
	static const char hex[] = "0123456789ABCDEF";

	if (is_unreserved(c)) {
		escaped[0] = (char)c;
		return 1;
	}
	escaped[0] = '%';
	escaped[1] = hex[c >> 4];
	escaped[2] = hex[c & 0x0f];
	return 3;
}

/* A truncated result is still a valid (shorter) encoding, never a dangling
 * "%C" (strbuf_escape writes whole units only). */
size_t portal_percent_encode(char *out, size_t cap, const char *in, size_t len)
{
	return strbuf_escape(out, cap, in, len, percent_unit);
}

void portal_lang_code(const char *lang, char *out, size_t cap)
{
	size_t n = strcspn(lang, "-_");
	size_t o = 0;

	if (cap == 0)
		return;
	if ((n == 2 && (strncasecmp(lang, "nb", 2) == 0 || strncasecmp(lang, "nn", 2) == 0 ||
			strncasecmp(lang, "no", 2) == 0))) {
		snprintf(out, cap, "no");
		return;
	}
	for (; o < n && o + 1 < cap; o++)
		out[o] = (char)tolower((unsigned char)lang[o]);
	out[o] = '\0';
}

static void buf_add_encoded(struct strbuf *b, const char *s)
{
	size_t n = strlen(s);
	size_t need = portal_percent_encode(NULL, 0, s, n);

	if (strbuf_reserve(b, need) != 0)
		return;
	portal_percent_encode(b->p + b->len, need + 1, s, n);
	b->len += need;
}

/* Appends a base URL without its trailing slashes, so that the path added after
 * it starts with exactly one '/'. */
static void buf_add_base(struct strbuf *b, const char *base)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	strbuf_add(b, base, n);
}

/* "<base>/<what>/<token>" as a new string, or NULL. */
static char *join_url(const char *base, const char *what, const char *token)
{
	struct strbuf b = { 0 };

	if (base == NULL || token == NULL)
		return NULL;
	buf_add_base(&b, base);
	strbuf_add_str(&b, what);
	strbuf_add_str(&b, token);
	return strbuf_finish(&b, NULL);
}

const char *portal_base_path(const char *base, size_t *len)
{
	const char *scheme = strstr(base, "://");
	const char *path = strchr(scheme ? scheme + 3 : base, '/');
	size_t n;

	if (path == NULL)
		path = base + strlen(base);
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	*len = n;
	return path;
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
	struct strbuf b = { 0 };
	char *return_url, *lang;
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
	lang = malloc(strlen(link->lang) + 3);
	if (return_url == NULL || lang == NULL) {
		free(return_url);
		free(lang);
		return NULL;
	}
	portal_lang_code(link->lang, lang, strlen(link->lang) + 3);

	buf_add_base(&b, link->portal_url);
	strbuf_add_str(&b, "/access/request/");
	buf_add_encoded(&b, link->lookup_key);
	strbuf_add_str(&b, "?partnerName=");
	buf_add_encoded(&b, link->partner_name);
	strbuf_add_str(&b, "&lang=");
	buf_add_encoded(&b, lang);
	if (has_installation) {
		strbuf_add_str(&b, "&installationId=");
		buf_add_encoded(&b, link->installation_id);
	}
	strbuf_add_str(&b, link->installation_type == PORTAL_TYPE_GO ? "&installationtype=1"
								   : "&installationtype=0");
	strbuf_add_str(&b, "&returnUrl=");
	buf_add_encoded(&b, return_url);
	if (link->show_existing)
		strbuf_add_str(&b, "&showExisting=true");
	free(return_url);
	free(lang);
	return strbuf_finish(&b, NULL);
}
