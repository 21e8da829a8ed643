/*
 * server.c — the daemon's parts started and stopped in the right order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "background.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "public.h"
#include "redirect_cache.h"
#include "server.h"
#include "store.h"
#include "systemd.h"
#include "tls.h"
#include "token.h"
#include "writer.h"

static struct {
	char *tls_key, *tls_cert;
	int public_port, admin_port;
} server;

/* The listening sockets: from systemd when it passed them, else bound here. */
static int open_listeners(const struct config *cfg, int *public_fd, int *admin_fd, char *err, size_t errlen)
{
	if (systemd_listen_fds(public_fd, admin_fd, err, (unsigned)errlen) != 0)
		return -1;
	if (*public_fd < 0 && (*public_fd = http_bind(cfg->listen, err, errlen)) < 0)
		return -1;
	if (*admin_fd < 0 && (*admin_fd = http_bind(cfg->admin_listen, err, errlen)) < 0) {
		close(*public_fd);
		*public_fd = -1;
		return -1;
	}
	return 0;
}

static void free_tls(void)
{
	free(server.tls_key);
	free(server.tls_cert);
	server.tls_key = server.tls_cert = NULL;
}

int server_start(const struct config *cfg, char *err, size_t errlen)
{
	int public_fd = -1, admin_fd = -1;

	if (token_init() != 0 || auth_init(cfg->api_token) != 0) {
		snprintf(err, errlen, "cannot initialise libsodium or the admin token");
		return -1;
	}
	if (tls_load(cfg, &server.tls_cert, &server.tls_key, err, errlen) != 0)
		return -1;
	store_set_password(cfg->database_password);
	systemd_notify_status("migrating the database");
	struct store *st = store_open(cfg->database, 1, err, errlen);
	if (st == NULL || store_migrate(st, err, errlen) != 0) {
		store_close(st);
		free_tls();
		return -1;
	}
	store_close(st);
	store_set_path(cfg->database);
	redirect_cache_attach(config_database_is_postgresql(cfg->database) ? REDIRECT_CACHE_SHARED_TTL_MS
									  : REDIRECT_CACHE_TTL_MS);
	if (writer_start(cfg->database, err, errlen) != 0) {
		free_tls();
		return -1;
	}
	if (open_listeners(cfg, &public_fd, &admin_fd, err, errlen) != 0 ||
	    http_start(cfg, public_fd, admin_fd, server.tls_key, server.tls_cert, public_not_found, err, errlen) != 0) {
		writer_stop();
		free_tls();
		return -1;
	}
	server.public_port = http_socket_port(public_fd);
	server.admin_port = http_socket_port(admin_fd);
	if (background_start(cfg, err, errlen) != 0) {
		http_stop();
		writer_stop();
		free_tls();
		return -1;
	}
	return 0;
}

int server_public_port(void)
{
	return server.public_port;
}

int server_admin_port(void)
{
	return server.admin_port;
}

void server_stop(void)
{
	http_quiesce();
	background_stop();
	/* The writer finishes every queued write and resumes its requests before
	 * the listeners stop, so no acknowledged answer is cut off. */
	writer_stop();
	http_stop();
	store_reader_release();
	free_tls();
}
