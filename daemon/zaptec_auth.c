/*
 * zaptec_auth.c — the token interface, and its password-grant implementation.
 *
 * Zaptec issues no refresh tokens, so renewing means logging in again. The
 * password is kept in memory only as long as the object lives; the form that
 * carries it is wiped as soon as the login returns.
 */
#include "zaptec_auth.h"

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ratelimit.h"
#include "zaptec_http.h"

/* A token is renewed this share of its lifetime early, but at most
 * RENEW_EARLY_MAX seconds early. */
#define RENEW_EARLY_SHARE 0.1
#define RENEW_EARLY_MAX 60.0

struct password_auth {
	struct zaptec_auth base; /* first, so a struct zaptec_auth * converts back */
	struct zaptec_http *http;
	char *username;
	char *password;
	char *token;     /* NULL when none is held */
	double renew_at; /* monotonic seconds from which the token is renewed */
	struct ratelimit *logins;
};

int zaptec_auth_bearer(struct zaptec_auth *auth, char *out, size_t cap, char *err, size_t errlen)
{
	return auth->bearer(auth, out, cap, err, errlen);
}

void zaptec_auth_invalidate(struct zaptec_auth *auth)
{
	auth->invalidate(auth);
}

void zaptec_auth_free(struct zaptec_auth *auth)
{
	if (auth != NULL)
		auth->free(auth);
}

/* Frees a string after overwriting it; accepts NULL. */
static void wipe_free(char *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

/* A token goes into an HTTP header: it must be printable ASCII without spaces. */
static int token_is_usable(const char *token)
{
	if (*token == '\0')
		return 0;
	for (const char *p = token; *p != '\0'; p++)
		if (*p < 0x21 || *p > 0x7e)
			return 0;
	return 1;
}

/*
 * Takes the token out of a 200 answer to the login: access_token, a token_type
 * of Bearer when one is given, and expires_in above 0. On success the token is
 * held (owned by a) and renew_at set from started, when the login was sent.
 * Returns 0, or -1 with a reason in err.
 */
static int take_token(struct password_auth *a, const char *body, double started, char *err, size_t errlen)
{
	json_t *root = json_loads(body, 0, NULL);
	json_t *token = json_object_get(root, "access_token");
	json_t *type = json_object_get(root, "token_type");
	json_t *expires = json_object_get(root, "expires_in");
	int rc = -1;

	if (!json_is_string(token) || !token_is_usable(json_string_value(token)))
		snprintf(err, errlen, "the login answer holds no usable access_token");
	else if (type != NULL && (!json_is_string(type) || strcasecmp(json_string_value(type), "Bearer") != 0))
		snprintf(err, errlen, "the login answer's token_type is not Bearer");
	else if (!json_is_number(expires) || !(json_number_value(expires) > 0))
		snprintf(err, errlen, "the login answer's expires_in is not a number above 0");
	else if ((a->token = strdup(json_string_value(token))) == NULL)
		snprintf(err, errlen, "out of memory");
	else {
		double lifetime = json_number_value(expires);
		double early = lifetime * RENEW_EARLY_SHARE;
		a->renew_at = started + lifetime - (early < RENEW_EARLY_MAX ? early : RENEW_EARLY_MAX);
		rc = 0;
	}
	json_decref(root);
	return rc;
}

/*
 * Writes why Zaptec refused a login into err: its error_description (or error),
 * with control characters replaced, since err ends up in the log. Should a
 * server ever quote the password back, the reason is withheld.
 */
static void describe_refusal(const struct password_auth *a, int status, const char *body,
			     char *err, size_t errlen)
{
	json_t *root = json_loads(body, 0, NULL);
	const char *reason = json_string_value(json_object_get(root, "error_description"));
	char text[256];

	if (reason == NULL)
		reason = json_string_value(json_object_get(root, "error"));
	if (reason == NULL)
		reason = "no reason given";
	if (a->password[0] != '\0' && strstr(reason, a->password) != NULL)
		reason = "reason withheld because it quotes the password";
	snprintf(text, sizeof text, "%s", reason);
	for (char *p = text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	snprintf(err, errlen, "Zaptec refused the login of %s (HTTP %d): %s", a->username, status, text);
	json_decref(root);
}

/* The url-encoded form of the password grant, owned by the caller, who must
 * wipe it; NULL when out of memory. */
static char *login_form(const struct password_auth *a)
{
	char *user = curl_easy_escape(NULL, a->username, 0);
	char *password = curl_easy_escape(NULL, a->password, 0);
	char *form = NULL;

	if (user != NULL && password != NULL &&
	    asprintf(&form, "grant_type=password&username=%s&password=%s&scope=openid", user, password) < 0)
		form = NULL;
	curl_free(user);
	if (password != NULL) {
		sodium_memzero(password, strlen(password));
		curl_free(password);
	}
	return form;
}

/*
 * Logs in once, no sooner than the login interval after the previous attempt
 * ended. Returns 0 with a fresh token held, or what zaptec_auth_bearer()
 * returns on failure.
 */
static int log_in(struct password_auth *a, char *err, size_t errlen)
{
	struct zaptec_http_reply reply;
	unsigned long ticket;
	char *form = login_form(a);
	int status;

	if (form == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (zaptec_http_sleep(a->http, ratelimit_reserve(a->logins, &ticket)) != 0) {
		ratelimit_release(a->logins, ticket);
		wipe_free(form);
		snprintf(err, errlen, "stopping");
		return -1;
	}
	double started = ratelimit_monotonic(NULL);
	status = zaptec_http_request(a->http, ZAPTEC_HTTP_TOKEN, "/oauth/token", NULL, form, &reply, err, errlen);
	ratelimit_release(a->logins, ticket);
	wipe_free(form);

	if (status == 200) {
		if (take_token(a, reply.body, started, err, errlen) != 0)
			status = -1;
		else
			status = 0;
	} else if (status == 400 || status == 401) {
		describe_refusal(a, status, reply.body, err, errlen);
		status = ZAPTEC_AUTH_REFUSED;
	} else if (status > 0) {
		snprintf(err, errlen, "the login answered HTTP %d", status);
	}
	zaptec_http_reply_clear(&reply);
	return status;
}

static void password_invalidate(struct zaptec_auth *auth)
{
	struct password_auth *a = (struct password_auth *)auth;

	wipe_free(a->token);
	a->token = NULL;
}

/* The held token while it is not due for renewal, else a fresh one. */
static int password_bearer(struct zaptec_auth *auth, char *out, size_t cap, char *err, size_t errlen)
{
	struct password_auth *a = (struct password_auth *)auth;

	if (a->token != NULL && ratelimit_monotonic(NULL) >= a->renew_at)
		password_invalidate(auth);
	if (a->token == NULL) {
		int rc = log_in(a, err, errlen);
		if (rc != 0)
			return rc;
	}
	if (strlen(a->token) >= cap) {
		snprintf(err, errlen, "the access token is longer than %zu bytes", cap - 1);
		return -1;
	}
	strcpy(out, a->token);
	return 0;
}

static void password_free(struct zaptec_auth *auth)
{
	struct password_auth *a = (struct password_auth *)auth;

	wipe_free(a->token);
	wipe_free(a->password);
	free(a->username);
	ratelimit_free(a->logins);
	free(a);
}

struct zaptec_auth *zaptec_auth_password_new(struct zaptec_http *http, const char *username,
					     const char *password)
{
	struct password_auth *a = calloc(1, sizeof *a);

	if (a == NULL)
		return NULL;
	a->base.bearer = password_bearer;
	a->base.invalidate = password_invalidate;
	a->base.free = password_free;
	a->http = http;
	a->username = strdup(username);
	a->password = strdup(password);
	a->logins = ratelimit_new(1, ZAPTEC_AUTH_LOGIN_INTERVAL, ratelimit_monotonic, NULL);
	if (a->username == NULL || a->password == NULL || a->logins == NULL) {
		password_free(&a->base);
		return NULL;
	}
	return &a->base;
}
