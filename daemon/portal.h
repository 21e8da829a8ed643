/*
 * portal.h — the Zaptec portal link builder: pure functions, no I/O.
 *
 * Builds, byte for byte, the URL of the contract:
 *   P/access/request/K?partnerName=..&lang=..[&installationId=..]
 *     &installationtype=0|1&returnUrl=U%2Faccess-result%2F<token>[&showExisting=true]
 * where lang is Zaptec's code for the request's language (portal_lang_code).
 */
#ifndef ACCESSD_PORTAL_H
#define ACCESSD_PORTAL_H

#include <stddef.h>

enum portal_type { PORTAL_TYPE_PRO = 0, PORTAL_TYPE_GO = 1 };

/* The language code Zaptec's portal takes for a language tag: its primary
 * subtag in lower case, with Norwegian in any form ("nb", "nn", "no", "nb-NO")
 * sent as "no", as Zaptec's own example link does. Writes at most cap bytes
 * including the NUL into out; a primary subtag that does not fit is cut. */
void portal_lang_code(const char *lang, char *out, size_t cap);

/* What one link is made of. Every string is borrowed; installation_id is NULL when
 * the request names no installation. portal_url and public_url may end in '/'. */
struct portal_link {
	const char *portal_url;
	const char *lookup_key;
	const char *partner_name;
	const char *lang;
	const char *installation_id;
	enum portal_type installation_type;
	const char *public_url;
	const char *token;
	int show_existing;
};

/*
 * Percent-encodes in (len bytes) as RFC 3986 unreserved-only: A-Z a-z 0-9 - . _ ~
 * stay, every other byte becomes %XX with uppercase hex. Writes at most cap bytes
 * including the NUL into out. Returns the length the encoding needs (without the
 * NUL), like snprintf: the output is complete only when the result is < cap.
 */
size_t portal_percent_encode(char *out, size_t cap, const char *in, size_t len);

/* Returns the portal URL as a new string (caller frees), or NULL when the link is
 * invalid (a Pro link without installation_id, a missing field) or memory ran out. */
char *portal_build_url(const struct portal_link *link);

/* "<public_url>/connect/<token>" and "<public_url>/access-result/<token>", as new
 * strings (caller frees); a trailing '/' on public_url is not doubled. */
char *portal_connect_url(const char *public_url, const char *token);
char *portal_return_url(const char *public_url, const char *token);

/* The path of a base URL such as public_url, without its trailing '/':
 * "https://partner.example/zaptec/" gives "/zaptec" (its length in *len), a
 * base without a path "". Returns a pointer into base. */
const char *portal_base_path(const char *base, size_t *len);

#endif
