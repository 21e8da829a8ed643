/*
 * api_list.c — a page of an admin API list, read from the store one row at a
 * time, and its reply. Requests, installations and events are paged alike.
 */
#include "api_list.h"
#include "cursor.h"
#include "http_query.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000

long api_list_limit(struct http_request *req, json_t *errors)
{
	return http_query_limit(req, LIST_DEFAULT, LIST_MAX, errors);
}

int api_list_init(struct api_list *list, long limit, int64_t key, int64_t seq)
{
	*list = (struct api_list){ .items = json_array(), .limit = limit, .last_key = key, .last_seq = seq };
	return list->items ? 0 : -1;
}

int api_list_full(struct api_list *list)
{
	if (list->rows < list->limit)
		return 0;
	list->more = 1;
	return 1;
}

int api_list_add(struct api_list *list, json_t *item, int64_t key, int64_t seq)
{
	list->oom = json_array_append_new(list->items, item) != 0;
	list->last_key = key;
	list->last_seq = seq;
	list->rows++;
	return list->oom;
}

void api_list_set(struct api_list *list, const char *name, json_t *value)
{
	if (list->extra == NULL)
		list->extra = json_object();
	if (list->extra == NULL || json_object_set_new(list->extra, name, value) != 0)
		list->oom = 1;
}

enum http_outcome api_list_reply(struct http_request *req, struct api_list *list, int store_rc,
				 enum api_list_next next)
{
	json_t *items = list->items, *extra = list->extra;
	json_t *body = NULL;

	list->items = list->extra = NULL;
	if (store_rc != 0 || list->oom) {
		json_decref(items);
		json_decref(extra);
		return store_rc != 0 ? http_reply_problem(req, 503, "the database is not available")
				     : http_reply_problem(req, 500, "out of memory");
	}
	if (next == API_LIST_AFTER) {
		body = json_pack("{s:o, s:I}", "items", items, "nextAfter", (json_int_t)list->last_seq);
	} else {
		char cursor[CURSOR_TEXT_LEN + 1];
		if (list->more)
			cursor_encode(list->last_key, list->last_seq, cursor);
		body = json_pack("{s:o, s:o}", "items", items, "nextCursor",
				 list->more ? json_string(cursor) : json_null());
	}
	if (body != NULL && extra != NULL && json_object_update(body, extra) != 0) {
		json_decref(body);
		body = NULL;
	}
	json_decref(extra);
	return body ? http_reply_json_steal(req, 200, body) : http_reply_problem(req, 500, "out of memory");
}
