/*
 * api_list.h — what the admin API's lists share: the page size, a page filled
 * by the store's walk one row at a time, and its reply with the position to
 * read on from.
 */
#ifndef ACCESSD_API_LIST_H
#define ACCESSD_API_LIST_H

#include <jansson.h>
#include <stdint.h>

#include "http.h"

/* A page being read: at most limit items, whether one more exists, and the
 * position of the last item kept (key and seq, as a cursor holds them). */
struct api_list {
	json_t *items;
	long limit, rows;
	int64_t last_key, last_seq;
	int more, oom;
	json_t *extra;   /* further members of the reply's object, or NULL; owned */
};

/* The "limit" query parameter: 100 when absent, 1 to 1000 (else noted). */
long api_list_limit(struct http_request *req, json_t *errors);

/* Starts an empty page of at most limit items; its position starts at
 * (key, seq). Returns 0, or -1 when memory ran out. */
int api_list_init(struct api_list *list, long limit, int64_t key, int64_t seq);

/* For the store's visitor, before it makes an item: whether the page is
 * full. A row past a full page means one more exists, so the walk (asked
 * for limit + 1 rows) stops there. */
int api_list_full(struct api_list *list);

/* Adds item (taken; NULL when memory ran out) at position (key, seq).
 * Returns nonzero to stop the walk: memory ran out. */
int api_list_add(struct api_list *list, json_t *item, int64_t key, int64_t seq);

/* Adds a member (value taken) to the reply's object: "feedPosition" beside
 * the items. Out of memory shows as a 500 in the reply. */
void api_list_set(struct api_list *list, const char *name, json_t *value);

/* How the reply says where to read on. */
enum api_list_next {
	API_LIST_CURSOR, /* "nextCursor": an opaque cursor when more exists, else null */
	API_LIST_AFTER,  /* "nextAfter": the last item's seq (the start when empty) */
};

/* Replies to a list: 503 when the store's walk failed (store_rc nonzero),
 * 500 when memory ran out, else 200 with {"items", next}. Releases the page. */
enum http_outcome api_list_reply(struct http_request *req, struct api_list *list, int store_rc,
				 enum api_list_next next);

#endif
