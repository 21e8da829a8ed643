/*
 * systemd.c — the daemon's side of systemd, on libsystemd: the listening sockets
 * handed over by socket activation, and the readiness, status, watchdog and
 * stopping notifications. Outside systemd (no LISTEN_FDS, no NOTIFY_SOCKET, no
 * WATCHDOG_USEC) every call does nothing, so the daemon runs the same way from a
 * shell.
 */
#include "systemd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

/* The name systemd's sd_listen_fds_with_names() gives a socket when
 * LISTEN_FDNAMES is absent, as with systemd-socket-activate without --fdname. */
#define UNNAMED_FD "unknown"

static void close_passed(int n)
{
	for (int i = 0; i < n; i++)
		close(SD_LISTEN_FDS_START + i);
}

static void free_names(char **names)
{
	if (names == NULL)
		return;
	for (char **p = names; *p != NULL; p++)
		free(*p);
	free(names);
}

/*
 * Puts fd into the slot for name: "public" or "admin" by name, an unnamed socket
 * into the first free slot. Returns 0, or -1 with a message in err for an unknown
 * name, a name passed twice, or more unnamed sockets than slots.
 */
static int assign_fd(int fd, const char *name, int *public_fd, int *admin_fd,
		     char *err, unsigned errlen)
{
	int *slot;

	if (strcmp(name, "public") == 0) {
		slot = public_fd;
	} else if (strcmp(name, "admin") == 0) {
		slot = admin_fd;
	} else if (name[0] == '\0' || strcmp(name, UNNAMED_FD) == 0) {
		slot = *public_fd < 0 ? public_fd : admin_fd;
	} else {
		snprintf(err, errlen, "socket activation: unknown socket name '%s' "
			 "(expected public or admin)", name);
		return -1;
	}
	if (*slot >= 0) {
		snprintf(err, errlen, "socket activation: more than one %s socket passed",
			 slot == public_fd ? "public" : "admin");
		return -1;
	}
	*slot = fd;
	return 0;
}

/*
 * Takes the sockets systemd passed (LISTEN_FDS, LISTEN_FDNAMES) and unsets those
 * variables, so that no child inherits them. Each must be a listening stream
 * socket. On success the caller owns the descriptors it got; on failure every
 * passed descriptor is closed and both outputs are -1.
 */
int systemd_listen_fds(int *public_fd, int *admin_fd, char *err, unsigned errlen)
{
	char **names = NULL;
	int n;

	*public_fd = -1;
	*admin_fd = -1;
	n = sd_listen_fds_with_names(1, &names);
	if (n < 0) {
		snprintf(err, errlen, "socket activation: %s", strerror(-n));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		const char *name = names != NULL && names[i] != NULL ? names[i] : UNNAMED_FD;

		if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
			snprintf(err, errlen, "socket activation: passed descriptor %d ('%s') "
				 "is not a listening stream socket", fd, name);
			goto fail;
		}
		if (assign_fd(fd, name, public_fd, admin_fd, err, errlen) < 0)
			goto fail;
	}
	free_names(names);
	return 0;

fail:
	free_names(names);
	close_passed(n);
	*public_fd = -1;
	*admin_fd = -1;
	return -1;
}

void systemd_notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void systemd_notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

void systemd_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

/* sd_watchdog_enabled() checks WATCHDOG_PID too, so a watchdog meant for our
 * parent is not taken for ours. */
uint64_t systemd_watchdog_usec(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}

void systemd_notify_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}
