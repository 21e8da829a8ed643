/*
 * systemd.h — the daemon's side of systemd, on libsystemd: listening sockets
 * handed over by socket activation, readiness, status, watchdog and stopping
 * notifications. Every call is a no-op outside systemd.
 */
#ifndef ACCESSD_SYSTEMD_H
#define ACCESSD_SYSTEMD_H

#include <stdint.h>

/*
 * Takes the sockets passed through LISTEN_FDS, matched by LISTEN_FDNAMES
 * ("public", "admin"); *public_fd and *admin_fd are -1 when not passed. Unnamed
 * sockets are taken in order (first public, then admin). Returns 0, or -1 with a
 * message in err when the passed sockets cannot be used (an unknown name, not a
 * listening stream socket).
 */
int systemd_listen_fds(int *public_fd, int *admin_fd, char *err, unsigned errlen);

/* READY=1 with a STATUS= line. */
void systemd_notify_ready(const char *status);

/* A STATUS= line alone. */
void systemd_notify_status(const char *status);

/* STOPPING=1. */
void systemd_notify_stopping(void);

/* The watchdog interval in microseconds when WatchdogSec= is set for us, else 0. */
uint64_t systemd_watchdog_usec(void);

/* WATCHDOG=1. */
void systemd_notify_watchdog(void);

#endif
