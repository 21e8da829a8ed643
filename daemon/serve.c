/*
 * serve.c — the daemon's life: configuration, database, writer, listeners
 * (handed over by systemd or bound here), readiness, then a loop that waits for
 * signals and runs the periodic work, and an orderly stop.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "background.h"
#include "cli.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "store.h"
#include "systemd.h"
#include "token.h"
#include "writer.h"

#define TLS_MAX_FILE (256 * 1024)

/* Reads a PEM file whole into a new string, or NULL with err. */
static char *read_pem(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = malloc(TLS_MAX_FILE + 1);
	size_t n = 0;

	if (f == NULL || buf == NULL) {
		snprintf(err, errlen, "%s: %s", path, f ? "out of memory" : strerror(errno));
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, TLS_MAX_FILE + 1, f);
	fclose(f);
	if (n == 0 || n > TLS_MAX_FILE) {
		snprintf(err, errlen, "%s: empty or larger than 256 KiB", path);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* The listening sockets: from systemd when it passed them, else bound here. */
static int open_listeners(const struct config *cfg, int *public_fd, int *admin_fd, char *err, size_t errlen)
{
	if (systemd_listen_fds(public_fd, admin_fd, err, (unsigned)errlen) != 0)
		return -1;
	if (*public_fd < 0 && (*public_fd = http_bind(cfg->listen, err, errlen)) < 0)
		return -1;
	if (*admin_fd < 0 && (*admin_fd = http_bind(cfg->admin_listen, err, errlen)) < 0)
		return -1;
	return 0;
}

/* Waits for a signal while running the periodic work; returns on SIGTERM or SIGINT. */
static void run_until_stopped(const struct config *cfg, const sigset_t *signals)
{
	uint64_t watchdog_us = systemd_watchdog_usec();
	/* Wake at least every second: the watchdog wants half its interval, and the
	 * periodic work keeps its own schedule. */
	long tick_ms = 1000;
	if (watchdog_us && (long)(watchdog_us / 2000) < tick_ms)
		tick_ms = (long)(watchdog_us / 2000);
	for (;;) {
		struct timespec timeout = { tick_ms / 1000, (tick_ms % 1000) * 1000000L };
		int sig = sigtimedwait(signals, NULL, &timeout);
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("event=stopping signal=%s", sig == SIGTERM ? "TERM" : "INT");
			return;
		}
		if (sig == SIGHUP) {
			enum log_level level;
			char err[1024];
			if (config_reload_log_level(cfg, &level, err, sizeof err) == 0) {
				log_set_level(level);
				log_info("event=reloaded log_level=%d", (int)level);
			} else {
				log_warn("event=reload_failed reason=\"%s\"", err);
			}
		}
		if (watchdog_us)
			systemd_notify_watchdog();
		background_tick(cfg);
	}
}

int cli_serve(const char *config_path, int argc, char **argv)
{
	struct config cfg;
	char err[1024];
	char *tls_key = NULL, *tls_cert = NULL;
	int public_fd = -1, admin_fd = -1;
	int rc = CLI_FAILURE;
	sigset_t signals;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "zaptec-accessd: serve takes no arguments\n");
		return CLI_USAGE;
	}
	if (cli_load_config(&cfg, config_path, 1) != 0)
		return CLI_USAGE;
	if (token_init() != 0 || auth_init(cfg.api_token) != 0) {
		log_error("event=start_failed reason=\"cannot initialise libsodium or the admin token\"");
		goto done;
	}
	if (cfg.tls_cert_file &&
	    ((tls_cert = read_pem(cfg.tls_cert_file, err, sizeof err)) == NULL ||
	     (tls_key = read_pem(cfg.tls_key_file, err, sizeof err)) == NULL)) {
		log_error("event=start_failed reason=\"%s\"", err);
		rc = CLI_USAGE;
		goto done;
	}

	/* Block the signals before any thread starts, so that only the main loop
	 * receives them. */
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	systemd_notify_status("migrating the database");
	struct store *st = cli_open_store(&cfg);
	if (st == NULL)
		goto done;
	store_close(st);
	store_set_path(cfg.database);
	if (writer_start(cfg.database, err, sizeof err) != 0) {
		log_error("event=start_failed reason=\"%s\"", err);
		goto done;
	}
	if (open_listeners(&cfg, &public_fd, &admin_fd, err, sizeof err) != 0 ||
	    http_start(&cfg, public_fd, admin_fd, tls_key, tls_cert, err, sizeof err) != 0) {
		log_error("event=start_failed reason=\"%s\"", err);
		writer_stop();
		goto done;
	}
	if (background_start(&cfg, err, sizeof err) != 0) {
		log_error("event=start_failed reason=\"%s\"", err);
		http_stop();
		writer_stop();
		goto done;
	}

	char status[256];
	snprintf(status, sizeof status, "serving on public port %d and admin port %d",
		 http_socket_port(public_fd), http_socket_port(admin_fd));
	log_info("event=ready public_port=%d admin_port=%d version=%s tls=%s", http_socket_port(public_fd),
		 http_socket_port(admin_fd), ACCESSD_VERSION, tls_key ? "on" : "off");
	systemd_notify_ready(status);

	run_until_stopped(&cfg, &signals);

	systemd_notify_stopping();
	http_quiesce();
	background_stop();
	/* The writer finishes every queued write and resumes its requests before
	 * the listeners stop, so no acknowledged answer is cut off. */
	writer_stop();
	http_stop();
	store_reader_release();
	log_info("event=stopped");
	rc = CLI_OK;
done:
	free(tls_key);
	free(tls_cert);
	config_free(&cfg);
	return rc;
}
