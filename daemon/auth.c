/*
 * auth.c — the admin bearer token. Both sides are hashed before they are
 * compared, so the comparison takes the same time whatever the length or the
 * content of what was sent.
 */
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "http.h"
#include "log.h"
#include "metrics.h"

static unsigned char expected[crypto_hash_sha256_BYTES];
static int configured;

int auth_init(const char *token)
{
	if (token == NULL || token[0] == '\0')
		return -1;
	crypto_hash_sha256(expected, (const unsigned char *)token, strlen(token));
	configured = 1;
	return 0;
}

int auth_check(struct http_request *req)
{
	const char *header = http_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
	unsigned char got[crypto_hash_sha256_BYTES];
	const char *why = "missing";

	if (header != NULL && strncasecmp(header, "Bearer ", 7) == 0) {
		const char *token = header + 7;
		crypto_hash_sha256(got, (const unsigned char *)token, strlen(token));
		if (configured && sodium_memcmp(got, expected, sizeof got) == 0)
			return 0;
		why = "wrong";
	} else if (header != NULL) {
		why = "not a bearer token";
	}
	metrics_count_auth_failure();
	/* The token sent is never logged, only that it failed. */
	log_info("event=auth.failed client=%s reason=\"%s\"", req->client_ip, why);
	http_reply_problem(req, 401, "a valid \"Authorization: Bearer\" token is required");
	return -1;
}
