/*
 * zaptec.c — the Zaptec API client: what the daemon asks the API, and how its
 * answers are read. Transport and limits live in zaptec_http.c, tokens in
 * zaptec_auth.c.
 *
 * Field names are PascalCase. Any field but Id may be missing, depending on the
 * roles the service account has on an installation.
 */
#include "zaptec.h"

#include <curl/curl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

/* Room for a JWT, which is what Zaptec issues; a longer token is an error. */
#define BEARER_MAX 8192

struct zaptec_client {
	struct zaptec_http *http;
	struct zaptec_auth *auth;
};

int zaptec_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void zaptec_global_cleanup(void)
{
	curl_global_cleanup();
}

struct zaptec_client *zaptec_client_new(const char *api_url, const char *username, const char *password,
					const char *user_agent, char *err, size_t errlen)
{
	struct zaptec_client *client = calloc(1, sizeof *client);

	if (client == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	client->http = zaptec_http_new(api_url, user_agent != NULL ? user_agent : "zaptec-accessd/" ACCESSD_VERSION,
				       err, errlen);
	if (client->http == NULL) {
		zaptec_client_free(client);
		return NULL;
	}
	client->auth = zaptec_auth_password_new(client->http, username, password);
	if (client->auth == NULL) {
		snprintf(err, errlen, "out of memory");
		zaptec_client_free(client);
		return NULL;
	}
	return client;
}

void zaptec_client_free(struct zaptec_client *client)
{
	if (client == NULL)
		return;
	zaptec_auth_free(client->auth);
	zaptec_http_free(client->http);
	free(client);
}

void zaptec_client_stats(const struct zaptec_client *client, struct zaptec_http_stats *out)
{
	zaptec_http_stats(client->http, out);
}

void zaptec_client_stop(struct zaptec_client *client)
{
	zaptec_http_stop(client->http);
}

/*
 * GETs path with a token, and when the API answers 401 logs in again and tries
 * once more: a token can be revoked or expire early on Zaptec's side. The token
 * is taken after waiting for the rate limits, so that a wait (a Retry-After may
 * last minutes) cannot outlast it. Returns
 * the HTTP status with *reply set (cleared by the caller), or a failure of the
 * login or the transport with a reason in err.
 */
static int authorized_get(struct zaptec_client *client, enum zaptec_http_endpoint endpoint, const char *path,
			  struct zaptec_http_reply *reply, char *err, size_t errlen)
{
	char bearer[BEARER_MAX];
	int status = 0;

	memset(reply, 0, sizeof *reply);
	for (int attempt = 0; attempt < 2; attempt++) {
		if (attempt > 0) {
			zaptec_http_reply_clear(reply);
			zaptec_auth_invalidate(client->auth);
		}
		if (zaptec_http_wait(client->http, endpoint) != 0) {
			snprintf(err, errlen, "stopping");
			status = ZAPTEC_ERROR;
			break;
		}
		int login = zaptec_auth_bearer(client->auth, bearer, sizeof bearer, err, errlen);
		if (login != 0) {
			status = login;
			break;
		}
		status = zaptec_http_request(client->http, endpoint, path, bearer, NULL, reply, err, errlen);
		if (status >= 300)
			snprintf(err, errlen, "GET %s answered HTTP %d", path, status);
		if (status != 401)
			break;
	}
	sodium_memzero(bearer, sizeof bearer);
	return status;
}

/* Empties an installation that holds nothing yet (its memory may be garbage). */
static void installation_init(struct zaptec_installation *inst)
{
	memset(inst, 0, sizeof *inst);
	inst->roles = -1;
	inst->type = -1;
}

void zaptec_installation_clear(struct zaptec_installation *inst)
{
	free(inst->name);
	installation_init(inst);
}

/*
 * Reads one installation object into *out, which holds nothing yet. Returns 0,
 * or -1 with a reason in err when it is not an object or has no GUID Id. A Name, CurrentUserRoles or
 * InstallationType that is missing or of another type is left unknown.
 */
static int read_installation(json_t *obj, struct zaptec_installation *out, char *err, size_t errlen)
{
	const char *id = json_string_value(json_object_get(obj, "Id"));
	json_t *name = json_object_get(obj, "Name");
	json_t *roles = json_object_get(obj, "CurrentUserRoles");
	json_t *type = json_object_get(obj, "InstallationType");

	installation_init(out);
	if (!json_is_object(obj) || id == NULL || validate_guid(id, out->id, NULL) != 0) {
		snprintf(err, errlen, "an installation in the answer has no GUID Id");
		return -1;
	}
	if (json_is_string(name) && (out->name = strdup(json_string_value(name))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (json_is_integer(roles) && json_integer_value(roles) >= 0)
		out->roles = (long)json_integer_value(roles);
	if (json_is_integer(type) && json_integer_value(type) >= 0 && json_integer_value(type) <= INT_MAX)
		out->type = (int)json_integer_value(type);
	return 0;
}

int zaptec_get_installation(struct zaptec_client *client, const char *id, struct zaptec_installation *out,
			    char *err, size_t errlen)
{
	struct zaptec_http_reply reply;
	char wanted[ZAPTEC_ID_LEN + 1], path[64];
	int status;

	installation_init(out);
	if (validate_guid(id, wanted, NULL) != 0) {
		snprintf(err, errlen, "installation id is not a GUID");
		return ZAPTEC_ERROR;
	}
	snprintf(path, sizeof path, "/api/installation/%s", wanted);
	status = authorized_get(client, ZAPTEC_HTTP_INSTALLATION, path, &reply, err, errlen);
	if (status == 200) {
		json_t *root = json_loads(reply.body, 0, NULL);
		if (read_installation(root, out, err, errlen) != 0) {
			status = ZAPTEC_ERROR;
		} else if (strcmp(out->id, wanted) != 0) {
			snprintf(err, errlen, "GET %s answered about installation %s", path, out->id);
			status = ZAPTEC_ERROR;
		}
		if (status != 200)
			zaptec_installation_clear(out);
		json_decref(root);
	}
	zaptec_http_reply_clear(&reply);
	return status;
}

/* Reads every item of a list page before handing any to the caller, so that
 * a malformed page stops reconciliation before it acted on half of it. */
static int read_page(json_t *root, struct zaptec_installation **items, size_t *count, int *pages,
		     char *err, size_t errlen)
{
	json_t *data = json_object_get(root, "Data");
	json_t *page_count = json_object_get(root, "Pages");
	size_t n = json_array_size(data);

	*items = NULL;
	*count = 0;
	if (!json_is_array(data) || !json_is_integer(page_count) || json_integer_value(page_count) < 0 ||
	    json_integer_value(page_count) > INT_MAX) {
		snprintf(err, errlen, "the installation list has no Data array or Pages count");
		return -1;
	}
	if (n > 0 && (*items = calloc(n, sizeof **items)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (read_installation(json_array_get(data, i), &(*items)[i], err, errlen) != 0) {
			for (size_t j = 0; j <= i; j++)
				zaptec_installation_clear(&(*items)[j]);
			free(*items);
			*items = NULL;
			return -1;
		}
	}
	*count = n;
	*pages = (int)json_integer_value(page_count);
	return 0;
}

int zaptec_list_installations(struct zaptec_client *client, int page_index, int page_size,
			      int (*each)(const struct zaptec_installation *inst, void *arg), void *arg,
			      int *pages, char *err, size_t errlen)
{
	struct zaptec_http_reply reply;
	struct zaptec_installation *items = NULL;
	size_t count = 0;
	char path[96];
	int status;

	if (page_index < 0 || page_size < 1) {
		snprintf(err, errlen, "page index below 0 or page size below 1");
		return ZAPTEC_ERROR;
	}
	snprintf(path, sizeof path, "/api/installation?PageSize=%d&PageIndex=%d", page_size, page_index);
	status = authorized_get(client, ZAPTEC_HTTP_INSTALLATIONS, path, &reply, err, errlen);
	if (status == 200) {
		json_t *root = json_loads(reply.body, 0, NULL);
		if (read_page(root, &items, &count, pages, err, errlen) != 0)
			status = ZAPTEC_ERROR;
		json_decref(root);
	}
	zaptec_http_reply_clear(&reply);
	for (size_t i = 0; i < count; i++) {
		if (status == 200 && each(&items[i], arg) != 0) {
			snprintf(err, errlen, "stopped by the caller");
			status = ZAPTEC_STOPPED;
		}
		zaptec_installation_clear(&items[i]);
	}
	free(items);
	return status;
}

double zaptec_backoff_delay(int attempt, double base, double cap)
{
	double d = base * ldexp(1.0, attempt < 0 ? 0 : attempt > 30 ? 30 : attempt);

	if (!(d <= cap))
		d = cap;
	/* A millisecond resolution is fine-grained enough to spread retries. */
	uint32_t half_ms = (uint32_t)(d * 500.0);
	return d - (half_ms > 0 ? randombytes_uniform(half_ms + 1) : 0) / 1000.0;
}
