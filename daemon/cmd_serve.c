/*
 * cmd_serve.c — the daemon's life: configuration, database, writer, listeners
 * (handed over by systemd or bound here), readiness, then a loop that waits for
 * signals and runs the periodic work, and an orderly stop.
 */
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <pthread.h>

#include "background.h"
#include "cmd.h"
#include "config.h"
#include "log.h"
#include "systemd.h"
#include "server.h"

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
				log_info("event=reloaded log_level=%s", log_level_name(level));
			} else {
				log_warn("event=reload_failed reason=\"%s\"", err);
			}
		}
		if (watchdog_us)
			systemd_notify_watchdog();
		background_tick(cfg);
	}
}

int cmd_serve(const char *config_path, int argc, char **argv)
{
	struct config cfg;
	char err[1024];
	sigset_t signals;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "zaptec-accessd: serve takes no arguments\n");
		return CMD_USAGE;
	}
	if (cmd_load_config(&cfg, config_path, 1) != 0)
		return CMD_USAGE;

	/* Block the signals before any thread starts, so that only the main loop
	 * receives them. */
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (server_start(&cfg, err, sizeof err) != 0) {
		log_error("event=start_failed reason=\"%s\"", err);
		config_free(&cfg);
		return CMD_FAILURE;
	}
	char status[256];
	snprintf(status, sizeof status, "serving on public port %d and admin port %d",
		 server_public_port(), server_admin_port());
	log_info("event=ready public_port=%d admin_port=%d version=%s tls=%s", server_public_port(),
		 server_admin_port(), ACCESSD_VERSION, cfg.tls_cert_file ? "on" : "off");
	systemd_notify_ready(status);

	run_until_stopped(&cfg, &signals);

	systemd_notify_stopping();
	server_stop();
	log_info("event=stopped");
	config_free(&cfg);
	return CMD_OK;
}
