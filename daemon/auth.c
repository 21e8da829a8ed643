/*
 * auth.c — the admin bearer token. Both sides are hashed before they are
 * compared, so the comparison takes the same time whatever the length or the
 * content of what was sent. A client address that keeps sending wrong tokens
 * is throttled: after AUTH_FAILURE_LIMIT failures within a window its wrong
 * tokens get 429 until the window ends, so guessing costs time. The right
 * token is always accepted: wrong tokens from another process on the same
 * host must not lock the partner's backend out.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "token.h"

#define AUTH_FAILURE_LIMIT 10
#define AUTH_WINDOW_SECONDS 60
/* Addresses tracked at once; when full, the oldest window gives way. A flood
 * from many addresses can push one out early, which only lets it guess again:
 * the table bounds memory, the token's entropy bounds guessing. */
#define AUTH_SLOTS 64

/* The failures of one client address in its current window. */
struct auth_slot {
	char client[64];
	time_t window_start;
	unsigned failures;
	int warned;                /* auth.throttled logged in this window */
};

static unsigned char expected[crypto_hash_sha256_BYTES];
static int configured;
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static struct auth_slot slots[AUTH_SLOTS];

int auth_init(const char *token)
{
	if (token == NULL || token[0] == '\0')
		return -1;
	crypto_hash_sha256(expected, (const unsigned char *)token, strlen(token));
	configured = 1;
	pthread_mutex_lock(&slots_lock);
	memset(slots, 0, sizeof slots);
	pthread_mutex_unlock(&slots_lock);
	return 0;
}

/* The slot of client in a live window, or NULL. Called with slots_lock held. */
static struct auth_slot *find_slot(const char *client, time_t now)
{
	for (size_t i = 0; i < AUTH_SLOTS; i++)
		if (slots[i].client[0] && now < slots[i].window_start + AUTH_WINDOW_SECONDS &&
		    strcmp(slots[i].client, client) == 0)
			return &slots[i];
	return NULL;
}

/* How many seconds client stays throttled (0: not throttled); logs the first
 * refusal of a window at warn. */
static int throttled_for(const char *client, time_t now)
{
	int seconds = 0, first = 0;

	pthread_mutex_lock(&slots_lock);
	struct auth_slot *s = find_slot(client, now);
	if (s && s->failures >= AUTH_FAILURE_LIMIT) {
		seconds = (int)(s->window_start + AUTH_WINDOW_SECONDS - now);
		first = !s->warned;
		s->warned = 1;
	}
	pthread_mutex_unlock(&slots_lock);
	if (first)
		log_warn("event=auth.throttled client=%s failures=%d retry_after=%d", client,
			 AUTH_FAILURE_LIMIT, seconds);
	return seconds;
}

/* Counts one failure of client, opening a window when it has none (in a free
 * or expired slot, else the oldest). */
static void record_failure(const char *client, time_t now)
{
	pthread_mutex_lock(&slots_lock);
	struct auth_slot *s = find_slot(client, now);
	if (s == NULL) {
		s = &slots[0];
		for (size_t i = 0; i < AUTH_SLOTS; i++) {
			if (slots[i].client[0] == '\0' || now >= slots[i].window_start + AUTH_WINDOW_SECONDS) {
				s = &slots[i];
				break;
			}
			if (slots[i].window_start < s->window_start)
				s = &slots[i];
		}
		snprintf(s->client, sizeof s->client, "%s", client);
		s->window_start = now;
		s->failures = 0;
		s->warned = 0;
	}
	s->failures++;
	pthread_mutex_unlock(&slots_lock);
}

int auth_check(struct http_request *req)
{
	const char *header = http_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
	unsigned char got[crypto_hash_sha256_BYTES];
	const char *why = "missing";
	time_t now = time(NULL);

	if (header != NULL && strncasecmp(header, "Bearer ", 7) == 0) {
		const char *token = header + 7;
		crypto_hash_sha256(got, (const unsigned char *)token, strlen(token));
		if (configured && token_equal(got, expected, sizeof got) == 0)
			return 0;
		why = "wrong";
	} else if (header != NULL) {
		why = "not a bearer token";
	}
	int seconds = throttled_for(req->client_ip, now);
	if (seconds > 0) {
		char retry[16];
		snprintf(retry, sizeof retry, "%d", seconds);
		metrics_count_auth_failure();
		http_set_header(req, MHD_HTTP_HEADER_RETRY_AFTER, retry);
		http_reply_problem(req, 429, "too many failed attempts; try again later");
		return -1;
	}
	record_failure(req->client_ip, now);
	metrics_count_auth_failure();
	/* The token sent is never logged, only that it failed. */
	log_info("event=auth.failed client=%s reason=\"%s\"", req->client_ip, why);
	http_reply_problem(req, 401, "a valid \"Authorization: Bearer\" token is required");
	return -1;
}
