/*
 * http.h — the HTTP plumbing on libmicrohttpd: the two listeners, the request
 * context, routing, request bodies, deferred (suspended) requests and replies.
 *
 * A request's life: libmicrohttpd hands us its raw URI (http_request is made
 * there), the body arrives in pieces, then the route's handler runs once. A
 * handler either queues a reply or defers: it suspends the connection, hands a
 * job to the writer, and its resume function queues the reply once the write is
 * durable. The context is freed in one place, when libmicrohttpd completes.
 */
#ifndef ACCESSD_HTTP_H
#define ACCESSD_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#include "writer.h"

struct config;

enum http_listener { HTTP_PUBLIC = 1, HTTP_ADMIN = 2 };

#define HTTP_MAX_PARAMS 2
#define HTTP_MAX_BODY (64 * 1024)

/* What a handler did. */
enum http_outcome {
	HTTP_QUEUED,    /* a reply is queued (or queuing failed: the connection closes) */
	HTTP_DEFERRED,  /* the request waits for the writer; resume() will reply */
};

struct http_request;
typedef enum http_outcome (*http_handler)(struct http_request *req);

/* A route's guard runs before its body is looked at: it returns 0 to let the
 * request through, or queues a refusal (a 401) and returns -1. */
typedef int (*http_guard)(struct http_request *req);

struct http_route {
	unsigned listeners;      /* HTTP_PUBLIC | HTTP_ADMIN */
	const char *method;      /* "GET" also answers HEAD */
	const char *pattern;     /* "/api/v1/access-requests/{}": {} is one path segment */
	http_handler handler;
	const char *name;        /* for logs and metrics: "connect", "requests.create" */
	unsigned flags;
	http_guard guard;        /* NULL: anyone may call the route */
};

/* Route flags. */
#define HTTP_ROUTE_SECRET_PARAM 2u  /* the path parameter is a token: never logged */
#define HTTP_ROUTE_JSON_BODY 4u     /* reads a JSON object body */

/* The route table (routes.c), ended by an entry with a NULL pattern. */
extern const struct http_route http_routes[];

struct http_request {
	struct MHD_Connection *connection;
	enum http_listener listener;
	const struct http_route *route;
	const char *method;
	char *raw_uri;                   /* as received, query included; owned */
	const char *params[HTTP_MAX_PARAMS]; /* path segments matched by {} (point into path) */
	char *path;                      /* the decoded path; owned */
	char *body;                      /* the request body, NUL-terminated; owned */
	size_t body_len;
	int body_too_large;
	json_t *json;                    /* the parsed body for HTTP_ROUTE_JSON_BODY; owned */
	unsigned status;                 /* the status sent, for the access log */
	size_t bytes;
	uint64_t started_ns;
	int handled;                     /* the handler has run */
	int suspended;
	/* For deferred requests. */
	struct writer_job job;
	int (*defer_run)(struct store *st, void *arg);
	void *defer_arg;
	int job_status;
	enum http_outcome (*resume)(struct http_request *req);
	/* The handler's own state, freed with the request by free_state. */
	void *state;
	void (*free_state)(void *state);
	char client_ip[64];              /* the peer, or X-Forwarded-For from a trusted proxy */
	const char *extra_header;        /* one more header for the reply (http_set_header) */
	char extra_value[256];
};

/* The shared state handlers read: the configuration, and when the process started. */
struct http_context {
	const struct config *cfg;
};
extern struct http_context http_ctx;

/*
 * Starts both listeners on the given sockets (already bound and listening), with
 * the limits of cfg; the public one over TLS when tls_key and tls_cert (PEM text)
 * are given. public_not_found answers a path no route has on the public
 * listener (NULL: a JSON 404, as on the admin listener). libmicrohttpd owns the
 * sockets from then on. Returns 0, or -1 with err.
 */
int http_start(const struct config *cfg, int public_fd, int admin_fd, const char *tls_key,
	       const char *tls_cert, http_handler public_not_found, char *err, size_t errlen);

/* Begins the stop: every request that arrives from now on is answered 503
 * with Retry-After, without reaching a handler. */
void http_quiesce(void);

/* Stops both listeners, waiting (bounded) for requests in flight. */
void http_stop(void);

/* Binds and listens on "host:port" or "[v6]:port". Returns the fd or -1 with err. */
int http_bind(const char *address, char *err, size_t errlen);

/* The port a listening socket is bound to (for tests on port 0), or -1. */
int http_socket_port(int fd);

/*
 * Defers the request: suspends its connection, runs run(store, arg) on the writer,
 * and calls resume(req) on a worker thread once the outcome is durable, with
 * req->job_status 0 (committed) or -1 (failed). Returns HTTP_DEFERRED.
 */
enum http_outcome http_defer(struct http_request *req, int (*run)(struct store *st, void *arg),
			     void *arg, enum http_outcome (*resume)(struct http_request *req));

/*
 * Starts a handler's job: a new zeroed state of size bytes that the request
 * owns from now on (free_state frees it with the request) and, with errors not
 * NULL, a new empty list for field_error_add that the caller owns. Returns the
 * state, or NULL when memory ran out (then *errors is NULL too).
 */
void *http_new_job(struct http_request *req, size_t size, void (*free_state)(void *state), json_t **errors);

/* A request header, or NULL. */
const char *http_header(struct http_request *req, const char *name);

/* A query argument, or NULL. */
const char *http_query(struct http_request *req, const char *name);


/* --- replies (http_reply.c). Each returns HTTP_QUEUED. --- */

/* Adds one header (name static, value copied) to the reply queued next:
 * Location of a 201, Allow of a 405, Retry-After of a 429. */
void http_set_header(struct http_request *req, const char *name, const char *value);

/* Sends body as JSON; borrows body. */
enum http_outcome http_reply_json(struct http_request *req, unsigned status, const json_t *body);

/* Sends body as JSON and releases it. */
enum http_outcome http_reply_json_steal(struct http_request *req, unsigned status, json_t *body);

/* An RFC 9457 problem: {"type","title","status","detail"}. */
enum http_outcome http_reply_problem(struct http_request *req, unsigned status, const char *detail);

/* A problem with one more member, name: value (taken), such as the 410's
 * "oldestAvailable". */
enum http_outcome http_reply_problem_with(struct http_request *req, unsigned status, const char *detail,
					  const char *name, json_t *value);

/* A 400 problem with "errors": [{"field","message"}]; takes errors. */
enum http_outcome http_reply_invalid(struct http_request *req, const char *detail, json_t *errors);

/* Takes errors: when it lists any field error, queues the 400 with them and
 * returns 1 (the handler returns HTTP_QUEUED); else releases it and returns 0. */
int http_reply_if_invalid(struct http_request *req, const char *detail, json_t *errors);

/* An HTML page with the public security headers; takes html (malloc'd). */
enum http_outcome http_reply_html(struct http_request *req, unsigned status, char *html, size_t len);

/* A 303 See Other to location (copied), with the public security headers. */
enum http_outcome http_reply_redirect(struct http_request *req, const char *location);

/* A body of the given type; takes text (malloc'd). */
enum http_outcome http_reply_text(struct http_request *req, unsigned status, const char *type,
				  char *text, size_t len);

/* Queues a response made elsewhere, recording status and size; takes resp. */
enum http_outcome http_queue(struct http_request *req, unsigned status, struct MHD_Response *resp);

#endif
