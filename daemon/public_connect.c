/*
 * public_connect.c — GET /connect/{token}: the link the customer clicks. An open
 * request goes on to Zaptec's portal (its first open is recorded); the others
 * get a page saying why not. Repeat clicks on an opened link are answered from
 * the redirect cache when it can.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "public.h"
#include "redirect_cache.h"
#include "requests.h"
#include "status.h"
#include "store.h"
#include "timestamp.h"

struct connect_job {
	struct access_request r;
	char token[TOKEN_TEXT_LEN + 1];
};

/* Replies 303 to the portal URL for this request and token. Given the token's
 * hash, the answer is also kept for the next click; read is the cache
 * generation taken before the request was read. */
static enum http_outcome go_to_portal(struct http_request *req, const struct access_request *r,
				      const char *token, const unsigned char *hash, uint64_t read)
{
	char *url = requests_portal_url(r, token, http_ctx.cfg);
	if (url == NULL)
		return public_page(req, 503, PAGE_UNAVAILABLE, r, NULL);
	if (hash != NULL)
		redirect_cache_put(hash, r->seq, r->expires_at, url, read);
	enum http_outcome outcome = http_reply_redirect(req, url);
	free(url);
	return outcome;
}

static int open_run(struct store *st, void *arg)
{
	struct connect_job *job = arg;
	return requests_mark_opened(st, &job->r, timestamp_now());
}

static enum http_outcome open_resume(struct http_request *req)
{
	struct connect_job *job = req->state;
	if (req->job_status != 0)
		return public_page(req, 503, PAGE_UNAVAILABLE, &job->r, NULL);
	return go_to_portal(req, &job->r, job->token, NULL, 0);
}

enum http_outcome public_connect(struct http_request *req)
{
	const char *token = req->params[0];
	unsigned char hash[TOKEN_HASH_LEN];
	char location[REDIRECT_CACHE_URL_MAX];
	struct access_request r;

	if (token_decode(token, strlen(token), hash) != 0)
		return public_page(req, 404, PAGE_UNKNOWN, NULL, NULL);
	int64_t now = timestamp_now();
	if (redirect_cache_get(hash, now, location))
		return http_reply_redirect(req, location);

	uint64_t read = redirect_cache_generation();
	struct store *st = store_reader();
	int found = st ? store_request_find_by_token(st, hash, &r) : -1;
	if (found < 0)
		return public_page(req, 503, PAGE_UNAVAILABLE, NULL, NULL);
	if (found == 0)
		return public_page(req, 404, PAGE_UNKNOWN, NULL, NULL);

	if (status_request_is(r.status, STATUS_REQUEST_GRANTED))
		return public_page(req, 200, PAGE_ALREADY_GRANTED, &r, r.result_installation_id);
	if (status_request_is(r.status, STATUS_REQUEST_CONTESTED))
		return public_page(req, 200, PAGE_CONTESTED, &r, r.result_installation_id);
	if (requests_cancelled(&r))
		return public_page(req, 410, PAGE_CANCELLED, &r, NULL);
	if (now >= r.expires_at)
		return public_page(req, 410, PAGE_EXPIRED, &r, NULL);
	/* A customer who said no may still say yes while the link lives. */
	if (status_request_is(r.status, STATUS_REQUEST_DENIED))
		return go_to_portal(req, &r, token, NULL, 0);
	/* Only the first open writes; every later click is a read and a redirect. */
	if (r.opened_at != 0)
		return go_to_portal(req, &r, token, hash, read);

	struct connect_job *job = malloc(sizeof *job);
	if (job == NULL)
		return http_queue(req, 500, NULL);
	job->r = r;
	memcpy(job->token, token, TOKEN_TEXT_LEN + 1);
	req->state = job;
	req->free_state = free;
	return http_defer(req, open_run, job, open_resume);
}
