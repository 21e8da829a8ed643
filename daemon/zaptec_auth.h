/*
 * zaptec_auth.h — where the bearer token for Zaptec's API comes from.
 *
 * Callers see only a small interface: ask for a token, and say that the one
 * they were given was refused. Today's implementation is the OAuth2 password
 * grant; Zaptec has announced client credentials, which will be another
 * implementation of the same interface.
 */
#ifndef ACCESSD_ZAPTEC_AUTH_H
#define ACCESSD_ZAPTEC_AUTH_H

#include <stddef.h>

struct zaptec_http;

/* What zaptec_auth_bearer() returns when Zaptec refused the credentials
 * themselves: a configuration problem, not one that waiting fixes. */
#define ZAPTEC_AUTH_REFUSED (-2)

/* The interface. An implementation embeds this as its first member. */
struct zaptec_auth {
	int (*bearer)(struct zaptec_auth *auth, char *out, size_t cap, char *err, size_t errlen);
	void (*invalidate)(struct zaptec_auth *auth);
	void (*free)(struct zaptec_auth *auth);
};

/*
 * Writes a token that is valid now (NUL-terminated) into out, logging in first
 * when there is none or the one held is about to expire. Returns 0; or
 * ZAPTEC_AUTH_REFUSED with Zaptec's reason in err; or the login's HTTP status
 * (429, 5xx, ...) or -1 (no answer, or an answer without a usable token) with a
 * reason in err, both worth retrying later. Neither err nor any log ever holds
 * the password.
 */
int zaptec_auth_bearer(struct zaptec_auth *auth, char *out, size_t cap, char *err, size_t errlen);

/* Forgets the token held, after the API answered 401 to it. */
void zaptec_auth_invalidate(struct zaptec_auth *auth);

/* Releases auth; accepts NULL. */
void zaptec_auth_free(struct zaptec_auth *auth);

/*
 * The password grant: POST /oauth/token with grant_type=password, username,
 * password and scope=openid, through http (borrowed; it must outlive the
 * result). username and password are copied; the password stays in memory only,
 * and is wiped when the result is freed. A token is renewed a little before the
 * expires_in Zaptec gave (a tenth of its lifetime early, at most 60 s), and two
 * logins start at least ZAPTEC_AUTH_LOGIN_INTERVAL seconds apart, counting from
 * the end of the earlier one, because Zaptec allows one login a second.
 * Returns NULL when out of memory.
 */
struct zaptec_auth *zaptec_auth_password_new(struct zaptec_http *http, const char *username,
					     const char *password);

/* One login a second as the server sees it, with the margin of
 * ZAPTEC_HTTP_CALL_WINDOW for servers that stamp requests after answering. */
#define ZAPTEC_AUTH_LOGIN_INTERVAL 1.1

#endif
