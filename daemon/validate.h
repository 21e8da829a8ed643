/*
 * validate.h — checks for every value that arrives from the network or a file.
 * Pure functions: no I/O, no allocation. Each returns 0 when the value is good,
 * or -1 and sets *why (when why is not NULL) to a static English sentence that
 * says what is wrong, fit for a problem detail's "message".
 */
#ifndef ACCESSD_VALIDATE_H
#define ACCESSD_VALIDATE_H

#include <stddef.h>

#define VALIDATE_GUID_LEN 36

/* The value of one hex digit (either case), or -1 for any other character. */
int validate_hex_digit(int c);

/* A GUID in 8-4-4-4-12 hex form, any case; out (37 bytes) receives the lowercase
 * form. Braces, missing hyphens, other lengths are invalid. */
int validate_guid(const char *in, char out[VALIDATE_GUID_LEN + 1], const char **why);

/* A language tag of the BCP 47 shape the contract allows: a 2-3 letter primary
 * language, then optional subtags of 1-8 letters or digits ("en", "nb-NO",
 * "zh-Hant-TW", "es-419"), at most 35 characters. */
int validate_lang(const char *in, const char **why);

/* Text for a string field: valid UTF-8 (no overlongs, no surrogates), no control
 * characters (C0, DEL, C1), at most max_chars characters (code points), and not
 * empty when allow_empty is 0. len is the byte length (the text may hold a NUL,
 * which is a control character). */
int validate_text(const char *in, size_t len, size_t max_chars, int allow_empty, const char **why);

/* A returnTo URL: absolute, https (or http on a loopback host: 127.0.0.0/8, [::1],
 * localhost), no user info, no fragment, no control characters or spaces, and its
 * origin (scheme://host[:port], lowercased, default port dropped) listed in
 * cfg->redirect_allow. */
int validate_return_to(const char *url, char *const *origins, size_t origin_count, const char **why);

/* A base URL the daemon calls (zaptec_api_url): printable ASCII, http(s), no
 * user info, and https unless its host is a loopback address, so that the
 * service account's password and tokens never cross a network in clear. */
int validate_secure_base_url(const char *url, const char **why);

/* An origin for redirect_allow in the configuration: "https://host[:port]" or
 * "http://loopback[:port]", no path. out (cap bytes) receives its canonical form
 * (lowercase, default port dropped). */
int validate_origin(const char *in, char *out, size_t cap, const char **why);

/* A support_url: an absolute https URL (http on a loopback host) with a host,
 * no user info, no fragment, printable ASCII only, at most 2048 bytes. */
int validate_support_url(const char *url, const char **why);

/* A support_email: local@domain, printable ASCII without spaces, quotes,
 * angle brackets or anything else that would need quoting in a mailto: link;
 * a domain of at least two labels; at most 254 bytes. */
int validate_email(const char *email, const char **why);

/* A webhook endpoint's URL: at most 2048 characters, absolute, https (http on a
 * loopback host, or anywhere with allow_http: webhook_allow_http), no user
 * info, no fragment, no spaces, control or non-ASCII characters. */
int validate_webhook_url(const char *url, int allow_http, const char **why);

#endif
