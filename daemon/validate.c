/*
 * validate.c — checks for every value that arrives from the network or a file.
 *
 * Pure functions: no I/O, no allocation. The URL checks are deliberately
 * narrower than what browsers accept: a returnTo URL is one the daemon will send
 * a customer's browser to, so anything a browser might read differently from us
 * (user info, backslashes, percent-encoded or numeric-looking hosts, spaces) is
 * refused rather than interpreted.
 */
#include "validate.h"


#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define LANG_MAX_LEN 35
#define RETURN_TO_MAX_LEN 2048
#define WEBHOOK_URL_MAX_LEN 2048
#define HOST_MAX_LEN 253
#define ORIGIN_MAX_LEN (sizeof "https://" - 1 + HOST_MAX_LEN + sizeof ":65535" - 1)

/* What parse_origin found: the scheme, the host in canonical form (lowercase,
 * IPv6 in brackets as inet_ntop writes it), the port (0 when none was given) and
 * where the path, query or end begins. */
struct url_origin {
	int https;
	char host[HOST_MAX_LEN + 1];
	unsigned port;
	int loopback;
	const char *rest;
};

static int fail(const char **why, const char *sentence)
{
	if (why != NULL)
		*why = sentence;
	return -1;
}

static int is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

int validate_hex_digit(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int validate_guid(const char *in, char out[VALIDATE_GUID_LEN + 1], const char **why)
{
	static const char *const bad = "must be a GUID in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	char tmp[VALIDATE_GUID_LEN + 1];

	if (in == NULL || strlen(in) != VALIDATE_GUID_LEN)
		return fail(why, bad);
	for (size_t i = 0; i < VALIDATE_GUID_LEN; i++) {
		unsigned char c = (unsigned char)in[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return fail(why, bad);
		} else if (validate_hex_digit(c) < 0) {
			return fail(why, bad);
		}
		tmp[i] = lower((char)c);
	}
	tmp[VALIDATE_GUID_LEN] = '\0';
	memcpy(out, tmp, sizeof tmp);
	return 0;
}

/*
 * Walks the tag subtag by subtag: the first must be 2-3 letters, each later one
 * 1-8 letters or digits; an empty subtag (a leading, trailing or doubled '-')
 * is invalid. Case is not checked: "EN-gb" is the same tag as "en-GB".
 */
int validate_lang(const char *in, const char **why)
{
	static const char *const bad =
		"must be a language tag such as \"en\" or \"nb-NO\"";
	size_t len, start = 0;

	if (in == NULL)
		return fail(why, bad);
	len = strlen(in);
	if (len == 0 || len > LANG_MAX_LEN)
		return fail(why, bad);
	for (int first = 1; start <= len; first = 0) {
		size_t end = start;

		while (end < len && in[end] != '-') {
			unsigned char c = (unsigned char)in[end];

			if (!is_alpha(c) && !(is_digit(c) && !first))
				return fail(why, bad);
			end++;
		}
		size_t n = end - start;
		if (first ? (n < 2 || n > 3) : (n < 1 || n > 8))
			return fail(why, bad);
		start = end + 1;
	}
	return 0;
}

/*
 * Decodes one UTF-8 sequence at s (n bytes available) by the table of RFC 3629
 * section 4, which leaves out overlong forms, surrogates and anything above
 * U+10FFFF. Returns the sequence's length and its code point in *cp, or 0 when
 * the bytes are not valid UTF-8.
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	v = (v << 6) | (s[1] & 0x3f);
	for (size_t i = 2; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	*cp = v;
	return len;
}

int validate_text(const char *in, size_t len, size_t max_chars, int allow_empty, const char **why)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t chars = 0;

	if (in == NULL && len > 0)
		return fail(why, "is missing");
	if (len == 0)
		return allow_empty ? 0 : fail(why, "must not be empty");
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (n == 0)
			return fail(why, "is not valid UTF-8");
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return fail(why, "must not contain control characters");
		i += n;
		chars++;
	}
	if (chars > max_chars)
		return fail(why, "is too long");
	return 0;
}

/* Parses a port of 1 to 5 digits, 1..65535, from s (n bytes). Returns it, or 0. */
static unsigned parse_port(const char *s, size_t n)
{
	unsigned v = 0;

	if (n == 0 || n > 5)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= 65535 ? v : 0;
}

/* Reads a dotted-quad IPv4 address written the one plain way: four decimal
 * numbers 0-255 without leading zeros. Returns 0 and the first octet, or -1. */
static int parse_ipv4(const char *s, size_t n, unsigned *first)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;

		if (part > 0) {
			if (i >= n || s[i] != '.')
				return -1;
			start = ++i;
		}
		while (i < n && is_digit((unsigned char)s[i]) && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return -1;
		if (part == 0)
			*first = v;
	}
	return i == n ? 0 : -1;
}

/*
 * Checks a host name of letters, digits, '-' and '.', with no empty label, and
 * copies it lowercased into u->host. A name whose last label starts with a digit
 * is an IPv4 address to a browser (which reads "0x7f.1" or "127.0.0.01" too), so
 * it must then be a plain dotted quad. Sets u->loopback for localhost and
 * 127.0.0.0/8.
 */
static int parse_name_host(const char *s, size_t n, struct url_origin *u, const char **why)
{
	size_t last_label = 0;
	unsigned first = 0;

	if (n == 0)
		return fail(why, "must name a host");
	if (n > HOST_MAX_LEN)
		return fail(why, "has a host name that is too long");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (i == 0 || i + 1 == n || s[i - 1] == '.')
				return fail(why, "has an invalid host name");
			last_label = i + 1;
		} else if (c == '%') {
			return fail(why, "must not percent-encode its host");
		} else if (!is_alpha(c) && !is_digit(c) && c != '-') {
			return fail(why, "has an invalid host name");
		}
		u->host[i] = lower((char)c);
	}
	u->host[n] = '\0';
	if (is_digit((unsigned char)s[last_label])) {
		if (parse_ipv4(s, n, &first) != 0)
			return fail(why, "has an invalid IPv4 address");
		u->loopback = first == 127;
	} else {
		u->loopback = strcmp(u->host, "localhost") == 0;
	}
	return 0;
}

/* Checks an IPv6 literal (the text between the brackets) and writes it in
 * canonical form, in brackets, into u->host. Zone ids are refused with the rest
 * of '%'. */
static int parse_ipv6_host(const char *s, size_t n, struct url_origin *u, const char **why)
{
	char text[INET6_ADDRSTRLEN];
	struct in6_addr addr;

	if (memchr(s, '%', n) != NULL)
		return fail(why, "must not percent-encode its host");
	if (n == 0 || n >= sizeof text)
		return fail(why, "has an invalid IPv6 address");
	memcpy(text, s, n);
	text[n] = '\0';
	if (inet_pton(AF_INET6, text, &addr) != 1)
		return fail(why, "has an invalid IPv6 address");
	inet_ntop(AF_INET6, &addr, text, sizeof text);
	snprintf(u->host, sizeof u->host, "[%s]", text);
	u->loopback = memcmp(&addr, &in6addr_loopback, sizeof addr) == 0;
	return 0;
}

/*
 * Parses the scheme and authority of an absolute http(s) URL at s into u;
 * http only on a loopback host unless allow_http. The whole string must
 * already be known to hold only printable ASCII. Returns 0, or -1 with *why.
 */
static int parse_origin(const char *s, int allow_http, struct url_origin *u, const char **why)
{
	const char *auth, *auth_end, *host_end;

	memset(u, 0, sizeof *u);
	if (strncasecmp(s, "https://", 8) == 0) {
		u->https = 1;
		auth = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0) {
		auth = s + 7;
	} else {
		return fail(why, "must be an absolute https URL");
	}
	auth_end = auth + strcspn(auth, "/?");
	if (memchr(auth, '@', (size_t)(auth_end - auth)) != NULL)
		return fail(why, "must not contain user information");

	if (*auth == '[') {
		const char *close = memchr(auth, ']', (size_t)(auth_end - auth));

		if (close == NULL)
			return fail(why, "has an invalid IPv6 address");
		if (parse_ipv6_host(auth + 1, (size_t)(close - auth - 1), u, why) != 0)
			return -1;
		host_end = close + 1;
	} else {
		host_end = memchr(auth, ':', (size_t)(auth_end - auth));
		if (host_end == NULL)
			host_end = auth_end;
		if (parse_name_host(auth, (size_t)(host_end - auth), u, why) != 0)
			return -1;
	}
	if (host_end < auth_end) {
		if (*host_end != ':')
			return fail(why, "has an invalid host");
		u->port = parse_port(host_end + 1, (size_t)(auth_end - host_end - 1));
		if (u->port == 0)
			return fail(why, "has an invalid port");
	}
	if (!u->https && !u->loopback && !allow_http)
		return fail(why, "must use https (http is allowed only for loopback hosts)");
	u->rest = auth_end;
	return 0;
}

int validate_secure_base_url(const char *url, const char **why)
{
	struct url_origin u;

	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return fail(why, "must be printable ASCII without spaces");
	return parse_origin(url, 0, &u, why);
}

/* Writes scheme://host[:port] with the scheme's default port left out. Returns
 * 0, or -1 when out (cap bytes) is too small. */
static int format_origin(const struct url_origin *u, char *out, size_t cap)
{
	unsigned default_port = u->https ? 443 : 80;
	int n;

	if (u->port == 0 || u->port == default_port)
		n = snprintf(out, cap, "%s://%s", u->https ? "https" : "http", u->host);
	else
		n = snprintf(out, cap, "%s://%s:%u", u->https ? "https" : "http", u->host, u->port);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Refuses anything outside printable ASCII (spaces and control characters
 * included), backslashes, which browsers read as '/', and fragments. */
static int check_url_chars(const char *url, const char **why)
{
	for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f)
			return fail(why, "must not contain spaces, control or non-ASCII characters");
		if (*p == '\\')
			return fail(why, "must not contain backslashes");
		if (*p == '#')
			return fail(why, "must not contain a fragment");
	}
	return 0;
}

/*
 * Parses url, builds its canonical origin and compares it with each of the
 * origin_count allowed origins (redirect_allow), each put in canonical form
 * first, so that the check does not depend on how the configuration spelled an
 * origin.
 */
int validate_return_to(const char *url, char *const *origins, size_t origin_count, const char **why)
{
	char origin[ORIGIN_MAX_LEN + 1], allowed[ORIGIN_MAX_LEN + 1];
	struct url_origin u;

	if (url == NULL || url[0] == '\0')
		return fail(why, "must be an absolute https URL");
	if (strlen(url) > RETURN_TO_MAX_LEN)
		return fail(why, "is too long");
	if (check_url_chars(url, why) != 0 || parse_origin(url, 0, &u, why) != 0)
		return -1;
	if (format_origin(&u, origin, sizeof origin) != 0)
		return fail(why, "has a host name that is too long");
	for (size_t i = 0; i < origin_count; i++) {
		if (validate_origin(origins[i], allowed, sizeof allowed, NULL) == 0 &&
		    strcmp(origin, allowed) == 0)
			return 0;
	}
	return fail(why, "is not on an origin listed in redirect_allow");
}

/* Accepts an origin with at most a lone trailing '/', since that is how origins
 * are often pasted; any other path, or a query, is refused. */
int validate_origin(const char *in, char *out, size_t cap, const char **why)
{
	struct url_origin u;

	if (in == NULL || in[0] == '\0')
		return fail(why, "must be an origin such as https://app.example.com");
	if (check_url_chars(in, why) != 0 || parse_origin(in, 0, &u, why) != 0)
		return -1;
	if (u.rest[0] != '\0' && strcmp(u.rest, "/") != 0)
		return fail(why, "must be an origin without a path or query");
	if (format_origin(&u, out, cap) != 0)
		return fail(why, "is too long");
	return 0;
}

int validate_support_url(const char *url, const char **why)
{
	struct url_origin u;

	if (url == NULL || url[0] == '\0')
		return fail(why, "must be an absolute https URL");
	if (strlen(url) > RETURN_TO_MAX_LEN)
		return fail(why, "is too long");
	if (check_url_chars(url, why) != 0)
		return -1;
	if (strpbrk(url, "\"<>^`{|}") != NULL)
		return fail(why, "must percent-encode quotes, angle brackets and braces");
	return parse_origin(url, 0, &u, why) != 0 ? -1 : 0;
}

/* The characters an address may hold outside its '@': letters, digits and the
 * few punctuation marks that need no quoting in a URL or in HTML. */
static int is_email_char(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || strchr(".-_+", c) != NULL;
}

/*
 * Accepts the plain form customers can type and mail clients understand:
 * local@domain.tld. Quoted local parts and address literals are legal in RFC
 * 5322 but no support desk uses them, and refusing them keeps the mailto: link
 * free of anything that would need encoding.
 */
int validate_email(const char *email, const char **why)
{
	const char *at;
	size_t len;

	if (email == NULL || email[0] == '\0')
		return fail(why, "must be an e-mail address such as support@example.com");
	len = strlen(email);
	if (len > 254)
		return fail(why, "is too long");
	at = strchr(email, '@');
	if (at == NULL || at == email || strchr(at + 1, '@') != NULL)
		return fail(why, "must be one local part, '@', and a domain");
	if ((size_t)(at - email) > 64)
		return fail(why, "has a local part longer than 64 characters");
	for (const char *p = email; p < at; p++)
		if (!is_email_char((unsigned char)*p))
			return fail(why, "has a character that does not belong in an address");
	const char *domain = at + 1;
	int dots = 0;
	for (const char *p = domain; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '.') {
			if (p == domain || p[1] == '\0' || p[1] == '.')
				return fail(why, "has an invalid domain");
			dots++;
		} else if (!is_alpha(c) && !is_digit(c) && c != '-') {
			return fail(why, "has an invalid domain");
		}
	}
	if (dots == 0)
		return fail(why, "must have a domain with a dot, such as example.com");
	if (email[0] == '.' || at[-1] == '.' || strstr(email, "..") != NULL)
		return fail(why, "has an invalid local part");
	return 0;
}

int validate_webhook_url(const char *url, int allow_http, const char **why)
{
	struct url_origin u;

	if (url == NULL || url[0] == '\0')
		return fail(why, "must be an absolute https URL");
	if (strlen(url) > WEBHOOK_URL_MAX_LEN)
		return fail(why, "is longer than 2048 characters");
	if (check_url_chars(url, why) != 0 || parse_origin(url, allow_http, &u, why) != 0)
		return -1;
	if (u.rest[0] != '\0' && u.rest[0] != '/' && u.rest[0] != '?')
		return fail(why, "has an invalid host");
	return 0;
}
