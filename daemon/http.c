/*
 * http.c — the listeners and the life of a request on libmicrohttpd: the
 * context made from the raw URI, routing, body reading, the route's guard, the
 * deferral to the writer, and the one place where a request is freed and logged.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "portal.h"
#include "proxy.h"
#include "timestamp.h"

/* Bounds the request line and headers of one connection: larger ones get 431. */
#define HTTP_CONNECTION_MEMORY (16 * 1024)

struct http_context http_ctx;
static struct MHD_Daemon *daemons[2];
static http_handler public_not_found; /* the page for a stray browser, or NULL */


/* Matches path against a pattern where "{}" stands for one non-empty segment
 * and a final "{*}" for the rest of the path, slashes included, even empty.
 * On a match, fills params (copies in scratch) and returns 1. */
static int match_pattern(const char *pattern, const char *path, const char **params, char *scratch)
{
	size_t n = 0;
	const char *p = pattern, *s = path;
	char *out = scratch;

	while (*p) {
		if (strcmp(p, "{*}") == 0) {
			if (n == HTTP_MAX_PARAMS)
				return 0;
			strcpy(out, s);
			params[n] = out;
			return 1;
		}
		if (p[0] == '{' && p[1] == '}') {
			const char *end = strchr(s, '/');
			size_t len = end ? (size_t)(end - s) : strlen(s);
			if (len == 0 || n == HTTP_MAX_PARAMS)
				return 0;
			memcpy(out, s, len);
			out[len] = '\0';
			params[n++] = out;
			out += len + 1;
			s += len;
			p += 2;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *s == '\0';
}

/* Whether any route of the request's listener matches path, whatever its method. */
static int path_has_route(const struct http_request *req, const char *path)
{
	const char *params[HTTP_MAX_PARAMS];
	char *scratch = malloc(strlen(path) + 1);
	int found = 0;

	if (scratch == NULL)
		return 0;
	for (const struct http_route *r = http_routes; r->pattern && !found; r++)
		found = (r->listeners & req->listener) && match_pattern(r->pattern, path, params, scratch);
	free(scratch);
	return found;
}

/*
 * public_url may carry a path prefix ("https://partner.example/zaptec"); its
 * links keep it, and a reverse proxy may pass it on or strip it. So on the
 * public listener a path under the prefix loses it when what follows is a
 * route; otherwise the path stays as given (with a prefix such as "/connect",
 * "/connect/<token>" is still a link).
 */
static void strip_public_prefix(struct http_request *req)
{
	size_t n;
	const char *prefix = portal_base_path(http_ctx.cfg->public_url, &n);

	if (req->listener != HTTP_PUBLIC || n == 0 || strncmp(req->path, prefix, n) != 0 ||
	    req->path[n] != '/' || !path_has_route(req, req->path + n))
		return;
	memmove(req->path, req->path + n, strlen(req->path + n) + 1);
}

/* Finds the route for the request; on a path match with another method, fills
 * allow with the methods that would work. */
static const struct http_route *find_route(struct http_request *req, char *allow, size_t allow_len)
{
	const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
	const char *params[HTTP_MAX_PARAMS];
	const struct http_route *found = NULL;

	allow[0] = '\0';
	for (const struct http_route *r = http_routes; r->pattern; r++) {
		if (!(r->listeners & req->listener))
			continue;
		/* A route without parameters must not hand its handler stale ones. */
		memset(params, 0, sizeof params);
		if (!match_pattern(r->pattern, req->path, params, req->path + strlen(req->path) + 1))
			continue;
		if (strcmp(r->method, method) == 0) {
			found = r;
			memcpy(req->params, params, sizeof params);
			break;
		}
		size_t used = strlen(allow);
		snprintf(allow + used, allow_len - used, "%s%s%s", used ? ", " : "", r->method,
			 strcmp(r->method, "GET") == 0 ? ", HEAD" : "");
	}
	return found;
}

/* libmicrohttpd calls this first, with the URI as received: the request context
 * is made here, so that the raw query is at hand for the event log. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *connection)
{
	struct http_request *req = calloc(1, sizeof *req);
	(void)cls;
	(void)connection; /* given again, with the request, to on_request */
	if (req == NULL)
		return NULL;
	req->started_ns = timestamp_monotonic_ns();
	req->raw_uri = strdup(uri);
	return req;
}

/* The client's address: the peer, or on the public listener the address a
 * trusted proxy forwarded. The admin listener is never behind the proxy, and
 * there any local process could name itself another address (and so dodge the
 * throttle and forge the log). */
static void set_client_ip(struct http_request *req)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(req->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *forwarded = req->listener == HTTP_PUBLIC ? http_header(req, "X-Forwarded-For") : NULL;
	proxy_client_address(http_ctx.cfg, info ? info->client_addr : NULL, forwarded, req->client_ip,
			     sizeof req->client_ip);
}

/* Whether the Content-Type is JSON ("application/json", parameters allowed). */
static int is_json_type(const char *type)
{
	static const char json[] = "application/json";
	if (type == NULL || strncasecmp(type, json, sizeof json - 1) != 0)
		return 0;
	char next = type[sizeof json - 1];
	return next == '\0' || next == ';' || next == ' ';
}

/* Parses the body of a JSON route into req->json; replies on failure. */
static int read_json_body(struct http_request *req)
{
	json_error_t error;

	if (req->body_len == 0) {
		req->json = json_object();
		return req->json ? 0 : (http_reply_problem(req, 500, "out of memory"), -1);
	}
	if (!is_json_type(http_header(req, MHD_HTTP_HEADER_CONTENT_TYPE))) {
		http_reply_problem(req, 415, "the body must be application/json");
		return -1;
	}
	req->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &error);
	if (req->json == NULL) {
		char detail[300];
		snprintf(detail, sizeof detail, "invalid JSON at line %d, column %d: %s", error.line,
			 error.column, error.text);
		http_reply_problem(req, 400, detail);
		return -1;
	}
	if (!json_is_object(req->json)) {
		http_reply_problem(req, 400, "the body must be a JSON object");
		return -1;
	}
	return 0;
}

/* Set once the daemon begins to stop: from then on no request reaches a
 * handler, so nothing new is handed to the writer while it drains.
 * MHD_quiesce_daemon would stop the accepting instead, but in libmicrohttpd
 * 0.9.75 it races with the pool's own threads over the listening socket's
 * epoll registration, and the loser aborts the process. */
static atomic_int draining;

/* Everything between the route lookup and the handler; returns the outcome. */
static enum http_outcome dispatch(struct http_request *req)
{
	char allow[128];

	if (atomic_load_explicit(&draining, memory_order_relaxed)) {
		http_set_header(req, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		return http_reply_problem(req, 503, "the daemon is stopping; try again");
	}
	req->route = find_route(req, allow, sizeof allow);
	if (req->route == NULL) {
		/* A browser that strays on the public listener gets a page, not JSON. */
		if (allow[0] == '\0' && req->listener == HTTP_PUBLIC && public_not_found != NULL)
			return public_not_found(req);
		if (allow[0] == '\0')
			return http_reply_problem(req, 404, "no such resource");
		http_set_header(req, MHD_HTTP_HEADER_ALLOW, allow);
		return http_reply_problem(req, 405, "this method is not allowed here");
	}
	if (req->route->guard != NULL && req->route->guard(req) != 0)
		return HTTP_QUEUED;
	if (req->body_too_large)
		return http_reply_problem(req, 413, "the body is larger than 64 KiB");
	if ((req->route->flags & HTTP_ROUTE_JSON_BODY) && read_json_body(req) != 0)
		return HTTP_QUEUED;
	return req->route->handler(req);
}

/* Answers a request whose declared body is too large before reading it; the
 * connection then closes, so the body is never read. */
static int refuse_early(struct http_request *req)
{
	const char *length = http_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (length == NULL || strtoull(length, NULL, 10) <= HTTP_MAX_BODY)
		return 0;
	char allow[128];
	req->route = find_route(req, allow, sizeof allow);
	if (req->route && req->route->guard != NULL && req->route->guard(req) != 0)
		return 1;
	http_reply_problem(req, 413, "the body is larger than 64 KiB");
	return 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	struct http_request *req = *con_cls;
	(void)version;

	if (req == NULL || req->raw_uri == NULL)
		return MHD_NO; /* out of memory in on_uri */
	if (req->path == NULL) {
		req->connection = connection;
		/* The first call: set up, and answer later so keep-alive stays on. */
		size_t len = strlen(url);
		req->listener = (enum http_listener)(intptr_t)cls;
		req->method = method;
		/* Room for the path, then the copies of its parameters behind it. */
		if ((req->path = malloc(2 * len + 2)) == NULL)
			return MHD_NO;
		memcpy(req->path, url, len + 1);
		strip_public_prefix(req);
		set_client_ip(req);
		if (refuse_early(req)) {
			req->handled = 1;
			return req->status ? MHD_YES : MHD_NO;
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!req->body_too_large && req->body_len + *upload_size <= HTTP_MAX_BODY) {
			char *grown = realloc(req->body, req->body_len + *upload_size + 1);
			if (grown == NULL)
				return MHD_NO;
			req->body = grown;
			memcpy(req->body + req->body_len, upload_data, *upload_size);
			req->body_len += *upload_size;
			req->body[req->body_len] = '\0';
		} else {
			req->body_too_large = 1;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	enum http_outcome outcome;
	if (req->suspended) {
		req->suspended = 0;
		outcome = req->resume(req);
	} else if (!req->handled) {
		req->handled = 1;
		outcome = dispatch(req);
	} else {
		return MHD_NO; /* called again after a reply: nothing more to do */
	}
	if (outcome == HTTP_DEFERRED)
		return MHD_YES;
	return req->status ? MHD_YES : MHD_NO;
}

static void log_access(struct http_request *req, uint64_t micros)
{
	char path[256];
	size_t n = 0;

	if (!log_enabled(LOG_LEVEL_INFO))
		return;
	if (req->route && (req->route->flags & HTTP_ROUTE_SECRET_PARAM)) {
		/* Tokens never reach the log: show the route with "…" for them. */
		for (const char *p = req->route->pattern; *p && n + 4 < sizeof path; p++) {
			if (p[0] == '{') {
				memcpy(path + n, "\xe2\x80\xa6", 3);
				n += 3;
				p = strchr(p, '}');
			} else {
				path[n++] = *p;
			}
		}
	} else {
		/* The raw path, without the query, made safe for a key=value line. On
		 * the public listener only its first segment: a mistyped link may
		 * still hold a token. */
		int segments = 0;
		for (const char *p = req->raw_uri; *p && *p != '?' && n + 4 < sizeof path; p++) {
			if (*p == '/' && ++segments > 1 && req->listener == HTTP_PUBLIC) {
				memcpy(path + n, "/\xe2\x80\xa6", 4);
				n += 4;
				break;
			}
			path[n++] = ((unsigned char)*p <= ' ' || *p == '"' || (unsigned char)*p >= 0x7f) ? '?' : *p;
		}
	}
	path[n] = '\0';
	log_info("event=http listener=%s client=%s method=%.16s path=\"%s\" status=%u bytes=%zu us=%llu",
		 req->listener == HTTP_PUBLIC ? "public" : "admin", req->client_ip,
		 req->method ? req->method : "-", path, req->status, req->bytes,
		 (unsigned long long)micros);
}

/* The one place a request ends: logged, counted, freed. */
static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	struct http_request *req = *con_cls;
	(void)cls;
	(void)connection;
	(void)code;
	if (req == NULL)
		return;
	if (req->method != NULL) {
		uint64_t micros = (timestamp_monotonic_ns() - req->started_ns) / 1000;
		int route = req->route ? (int)(req->route - http_routes) : -1;
		metrics_observe_request(req->listener == HTTP_ADMIN, route, req->status, micros);
		log_access(req, micros);
	}
	if (req->free_state)
		req->free_state(req->state);
	json_decref(req->json);
	free(req->body);
	free(req->path);
	free(req->raw_uri);
	free(req);
	*con_cls = NULL;
}

/* libmicrohttpd's messages while the listeners start say why one failed (a
 * TLS key it refused); later ones are about single connections, and a client
 * can cause them at will, so they stay at debug. */
static atomic_int starting;

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '"')
			*p = ' ';
	if (atomic_load(&starting))
		log_error("event=http.library message=\"%s\"", msg);
	else
		log_debug("event=http.library message=\"%s\"", msg);
}

static int deferred_run(struct store *st, void *arg)
{
	struct http_request *req = arg;
	return req->defer_run(st, req->defer_arg);
}

static void deferred_done(void *arg, int status)
{
	struct http_request *req = arg;
	req->job_status = status;
	MHD_resume_connection(req->connection);
}

enum http_outcome http_defer(struct http_request *req, int (*run)(struct store *st, void *arg),
			     void *arg, enum http_outcome (*resume)(struct http_request *req))
{
	req->resume = resume;
	req->defer_run = run;
	req->defer_arg = arg;
	req->job = (struct writer_job){ .run = deferred_run, .done = deferred_done, .arg = req };
	req->suspended = 1;
	/* Suspend before the job is queued, so the writer cannot resume first. */
	MHD_suspend_connection(req->connection);
	writer_submit(&req->job);
	return HTTP_DEFERRED;
}

void *http_new_job(struct http_request *req, size_t size, void (*free_state)(void *state), json_t **errors)
{
	void *job = calloc(1, size);
	if (job == NULL)
		return NULL;
	req->state = job;
	req->free_state = free_state;
	if (errors && (*errors = json_array()) == NULL)
		return NULL;
	return job;
}

const char *http_header(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

const char *http_query(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, name);
}

int http_bind(const char *address, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;

	if (address[0] == '[') {
		const char *close = strchr(address, ']');
		size_t n = close ? (size_t)(close - address - 1) : 0;
		if (close == NULL || n >= sizeof host)
			goto bad;
		memcpy(host, address + 1, n);
		host[n] = '\0';
		port = close + 2;
	} else {
		const char *colon = strrchr(address, ':');
		size_t n = colon ? (size_t)(colon - address) : 0;
		if (colon == NULL || n >= sizeof host)
			goto bad;
		memcpy(host, address, n);
		host[n] = '\0';
		port = colon + 1;
	}
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", address, gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int on = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
	    (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", address, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
bad:
	snprintf(err, errlen, "%s: expected host:port or [v6]:port", address);
	return -1;
}

int http_socket_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

/* Starts one listener on fd. */
static struct MHD_Daemon *start_one(const struct config *cfg, enum http_listener which, int fd,
				    const char *tls_key, const char *tls_cert)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG;
	if (tls_key != NULL)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem options[] = {
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL },
		{ MHD_OPTION_LISTEN_SOCKET, fd, NULL },
		{ MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, NULL },
		{ MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL },
		{ MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_connections_per_ip, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->connection_timeout, NULL },
		{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONNECTION_MEMORY, NULL },
		{ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, NULL },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL },
		{ tls_key ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, (void *)tls_key },
		{ tls_key ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)tls_cert },
		{ MHD_OPTION_END, 0, NULL },
	};
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, (void *)(intptr_t)which,
				MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

int http_start(const struct config *cfg, int public_fd, int admin_fd, const char *tls_key,
	       const char *tls_cert, http_handler not_found, char *err, size_t errlen)
{
	http_ctx.cfg = cfg;
	public_not_found = not_found;
	atomic_store(&draining, 0);
	atomic_store(&starting, 1);
	daemons[0] = start_one(cfg, HTTP_PUBLIC, public_fd, tls_key, tls_cert);
	daemons[1] = daemons[0] ? start_one(cfg, HTTP_ADMIN, admin_fd, NULL, NULL) : NULL;
	atomic_store(&starting, 0);
	if (daemons[0] == NULL && tls_key != NULL) {
		snprintf(err, errlen, "cannot start the public listener with tls_cert_file and "
			 "tls_key_file (the TLS library's reason is logged above)");
		http_stop();
		return -1;
	}
	if (daemons[1] == NULL) {
		snprintf(err, errlen, "cannot start the HTTP listeners (see the log)");
		http_stop();
		return -1;
	}
	return 0;
}

void http_quiesce(void)
{
	atomic_store(&draining, 1);
}

void http_stop(void)
{
	for (int i = 0; i < 2; i++) {
		if (daemons[i] != NULL)
			MHD_stop_daemon(daemons[i]);
		daemons[i] = NULL;
	}
}
