/*
 * test_systemd.c — the systemd module against the environment systemd gives a
 * service: a NOTIFY_SOCKET the test owns and reads, sockets passed at
 * descriptors 3 and 4 with LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES, and
 * WATCHDOG_USEC/WATCHDOG_PID.
 */
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "systemd.h"

#define FIRST_PASSED_FD 3
#define MAX_PASSED 2

static int notify_fd = -1;

static void clear_environment(void)
{
	unsetenv("NOTIFY_SOCKET");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void setup(void)
{
	clear_environment();
}

static void teardown(void)
{
	clear_environment();
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}

/* Binds a datagram socket to an abstract address unique to this process and
 * points NOTIFY_SOCKET at it, as systemd does for a Type=notify service. */
static void own_notify_socket(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char name[64];

	snprintf(name, sizeof name, "zaptec-accessd-test-notify-%ld", (long)getpid());
	memcpy(addr.sun_path + 1, name, strlen(name));
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(notify_fd, 0);
	ck_assert_int_eq(bind(notify_fd, (struct sockaddr *)&addr,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name))), 0);

	char env[80];
	snprintf(env, sizeof env, "@%s", name);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", env, 1), 0);
}

/* Reads the next notification into buf, waiting at most a few seconds for it.
 * Returns its length, or -1 when none came. */
static ssize_t read_notification(char *buf, size_t len)
{
	struct pollfd pfd = { .fd = notify_fd, .events = POLLIN };

	if (poll(&pfd, 1, 5000) != 1)
		return -1;
	ssize_t n = recv(notify_fd, buf, len - 1, 0);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static int no_notification_waiting(void)
{
	struct pollfd pfd = { .fd = notify_fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 0;
}

START_TEST(test_ready_sends_ready_and_status)
{
	char buf[256];

	own_notify_socket();
	systemd_notify_ready("listening on 0.0.0.0:8080 and 127.0.0.1:8081");
	ck_assert_int_gt(read_notification(buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "READY=1\nSTATUS=listening on 0.0.0.0:8080 and 127.0.0.1:8081");
	ck_assert(no_notification_waiting());
}
END_TEST

START_TEST(test_status_sends_a_status_line_alone)
{
	char buf[256];

	own_notify_socket();
	systemd_notify_status("migrating the database");
	ck_assert_int_gt(read_notification(buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "STATUS=migrating the database");
}
END_TEST

START_TEST(test_stopping_sends_stopping)
{
	char buf[256];

	own_notify_socket();
	systemd_notify_ready("ready");
	systemd_notify_stopping();
	ck_assert_int_gt(read_notification(buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "READY=1\nSTATUS=ready");
	ck_assert_int_gt(read_notification(buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "STOPPING=1");
}
END_TEST

START_TEST(test_watchdog_sends_watchdog)
{
	char buf[256];

	own_notify_socket();
	systemd_notify_watchdog();
	ck_assert_int_gt(read_notification(buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "WATCHDOG=1");
}
END_TEST

/* A TCP socket bound to loopback, port 0, listening when listen_too; *port
 * receives the bound port. */
static int loopback_socket(int type, int listen_too, unsigned short *port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof addr;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
	if (listen_too)
		ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	*port = ntohs(addr.sin_port);
	return fd;
}

static unsigned short local_port(int fd)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof addr;

	if (fd < 0 || getsockname(fd, (struct sockaddr *)&addr, &len) < 0)
		return 0;
	return ntohs(addr.sin_port);
}

/* What systemd_listen_fds() did, seen from outside. */
struct taken {
	int rc;
	char err[256];
	int public_fd, admin_fd;
	unsigned short public_port, admin_port; /* 0: not returned */
	int environment_left;                   /* any LISTEN_* variable still set */
	int passed_left_open;                   /* passed descriptors still open */
};

/*
 * Passes the sockets as systemd does: at descriptors 3, 4 ..., with LISTEN_PID
 * (listen_pid), LISTEN_FDS and, unless names is NULL, LISTEN_FDNAMES. Then calls
 * systemd_listen_fds() and records what it did. The test runner keeps its own
 * descriptors there (Check reports through them, forked or not), so they are
 * moved aside first and put back before returning, and nothing in between may
 * call into Check. Closes the sockets.
 */
static void take_passed(int *fds, int n, long listen_pid, const char *names, struct taken *out)
{
	int saved[MAX_PASSED], moved[MAX_PASSED];
	char pid[32], count[16];

	ck_assert_int_le(n, MAX_PASSED);
	memset(out, 0, sizeof *out);
	for (int i = 0; i < n; i++) {
		moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 200);
		ck_assert_int_ge(moved[i], 0);
		close(fds[i]);
	}
	snprintf(pid, sizeof pid, "%ld", listen_pid);
	snprintf(count, sizeof count, "%d", n);
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", count, 1);
	if (names != NULL)
		setenv("LISTEN_FDNAMES", names, 1);

	for (int i = 0; i < n; i++) {
		saved[i] = fcntl(FIRST_PASSED_FD + i, F_DUPFD_CLOEXEC, 200);
		dup2(moved[i], FIRST_PASSED_FD + i);
		close(moved[i]);
	}

	out->rc = systemd_listen_fds(&out->public_fd, &out->admin_fd, out->err, sizeof out->err);
	out->public_port = local_port(out->public_fd);
	out->admin_port = local_port(out->admin_fd);
	out->environment_left = getenv("LISTEN_PID") != NULL || getenv("LISTEN_FDS") != NULL ||
				getenv("LISTEN_FDNAMES") != NULL;
	for (int i = 0; i < n; i++) {
		if (fcntl(FIRST_PASSED_FD + i, F_GETFD) >= 0)
			out->passed_left_open++;
	}

	for (int i = 0; i < n; i++) {
		if (saved[i] >= 0) {
			dup2(saved[i], FIRST_PASSED_FD + i);
			close(saved[i]);
		} else {
			close(FIRST_PASSED_FD + i);
		}
	}
}

START_TEST(test_named_sockets_are_returned_by_name)
{
	unsigned short admin_port, public_port;
	int fds[2];
	struct taken t;

	fds[0] = loopback_socket(SOCK_STREAM, 1, &admin_port);
	fds[1] = loopback_socket(SOCK_STREAM, 1, &public_port);
	take_passed(fds, 2, (long)getpid(), "admin:public", &t);

	ck_assert_msg(t.rc == 0, "%s", t.err);
	ck_assert_int_eq(t.admin_fd, 3);
	ck_assert_int_eq(t.public_fd, 4);
	ck_assert_uint_eq(t.admin_port, admin_port);
	ck_assert_uint_eq(t.public_port, public_port);
	ck_assert_int_eq(t.passed_left_open, 2);
}
END_TEST

START_TEST(test_taking_the_sockets_unsets_the_listen_environment)
{
	unsigned short port;
	int fds[1];
	struct taken t;

	fds[0] = loopback_socket(SOCK_STREAM, 1, &port);
	take_passed(fds, 1, (long)getpid(), "public", &t);

	ck_assert_msg(t.rc == 0, "%s", t.err);
	ck_assert_uint_eq(t.public_port, port);
	ck_assert_int_eq(t.admin_fd, -1);
	ck_assert_int_eq(t.environment_left, 0);
}
END_TEST

START_TEST(test_unnamed_sockets_are_taken_public_first)
{
	unsigned short first_port, second_port;
	int fds[2];
	struct taken t;

	fds[0] = loopback_socket(SOCK_STREAM, 1, &first_port);
	fds[1] = loopback_socket(SOCK_STREAM, 1, &second_port);
	take_passed(fds, 2, (long)getpid(), NULL, &t);

	ck_assert_msg(t.rc == 0, "%s", t.err);
	ck_assert_uint_eq(t.public_port, first_port);
	ck_assert_uint_eq(t.admin_port, second_port);
}
END_TEST

START_TEST(test_without_passed_sockets_both_are_unset)
{
	int public_fd = 0, admin_fd = 0;
	char err[256] = "";

	ck_assert_int_eq(systemd_listen_fds(&public_fd, &admin_fd, err, sizeof err), 0);
	ck_assert_int_eq(public_fd, -1);
	ck_assert_int_eq(admin_fd, -1);
}
END_TEST

START_TEST(test_sockets_passed_to_another_process_are_ignored)
{
	unsigned short port;
	int fds[1];
	struct taken t;

	fds[0] = loopback_socket(SOCK_STREAM, 1, &port);
	take_passed(fds, 1, (long)getppid(), "public", &t);

	ck_assert_msg(t.rc == 0, "%s", t.err);
	ck_assert_int_eq(t.public_fd, -1);
	ck_assert_int_eq(t.admin_fd, -1);
}
END_TEST

START_TEST(test_unknown_socket_name_is_rejected)
{
	unsigned short admin_port, other_port;
	int fds[2];
	struct taken t;

	fds[0] = loopback_socket(SOCK_STREAM, 1, &admin_port);
	fds[1] = loopback_socket(SOCK_STREAM, 1, &other_port);
	take_passed(fds, 2, (long)getpid(), "admin:zaptec-accessd.socket", &t);

	ck_assert_int_eq(t.rc, -1);
	ck_assert_int_eq(t.public_fd, -1);
	ck_assert_int_eq(t.admin_fd, -1);
	ck_assert_int_eq(t.passed_left_open, 0);
	ck_assert_str_eq(t.err, "socket activation: unknown socket name 'zaptec-accessd.socket' "
			 "(expected public or admin)");
}
END_TEST

START_TEST(test_same_name_twice_is_rejected)
{
	unsigned short first_port, second_port;
	int fds[2];
	struct taken t;

	fds[0] = loopback_socket(SOCK_STREAM, 1, &first_port);
	fds[1] = loopback_socket(SOCK_STREAM, 1, &second_port);
	take_passed(fds, 2, (long)getpid(), "public:public", &t);

	ck_assert_int_eq(t.rc, -1);
	ck_assert_str_eq(t.err, "socket activation: more than one public socket passed");
}
END_TEST

START_TEST(test_socket_not_listening_is_rejected)
{
	unsigned short port;
	int fds[1];
	struct taken t;

	fds[0] = loopback_socket(SOCK_STREAM, 0, &port);
	take_passed(fds, 1, (long)getpid(), "public", &t);

	ck_assert_int_eq(t.rc, -1);
	ck_assert_int_eq(t.public_fd, -1);
	ck_assert_str_eq(t.err, "socket activation: passed descriptor 3 ('public') "
			 "is not a listening stream socket");
}
END_TEST

START_TEST(test_datagram_socket_is_rejected)
{
	unsigned short port;
	int fds[1];
	struct taken t;

	fds[0] = loopback_socket(SOCK_DGRAM, 0, &port);
	take_passed(fds, 1, (long)getpid(), "admin", &t);

	ck_assert_int_eq(t.rc, -1);
	ck_assert_int_eq(t.admin_fd, -1);
	ck_assert_str_eq(t.err, "socket activation: passed descriptor 3 ('admin') "
			 "is not a listening stream socket");
}
END_TEST

START_TEST(test_watchdog_interval_is_read_from_environment)
{
	char pid[32];

	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	setenv("WATCHDOG_USEC", "30000000", 1);
	ck_assert_uint_eq(systemd_watchdog_usec(), 30000000);
}
END_TEST

START_TEST(test_watchdog_for_another_process_is_ignored)
{
	char pid[32];

	snprintf(pid, sizeof pid, "%ld", (long)getppid());
	setenv("WATCHDOG_PID", pid, 1);
	setenv("WATCHDOG_USEC", "30000000", 1);
	ck_assert_uint_eq(systemd_watchdog_usec(), 0);
}
END_TEST

START_TEST(test_without_watchdog_interval_is_zero)
{
	ck_assert_uint_eq(systemd_watchdog_usec(), 0);
}
END_TEST

Suite *systemd_suite(void);

Suite *systemd_suite(void)
{
	Suite *s = suite_create("systemd");
	TCase *notify = tcase_create("notify");
	TCase *listen = tcase_create("listen_fds");
	TCase *watchdog = tcase_create("watchdog");

	tcase_add_checked_fixture(notify, setup, teardown);
	tcase_add_test(notify, test_ready_sends_ready_and_status);
	tcase_add_test(notify, test_status_sends_a_status_line_alone);
	tcase_add_test(notify, test_stopping_sends_stopping);
	tcase_add_test(notify, test_watchdog_sends_watchdog);
	suite_add_tcase(s, notify);

	tcase_add_checked_fixture(listen, setup, teardown);
	tcase_add_test(listen, test_named_sockets_are_returned_by_name);
	tcase_add_test(listen, test_taking_the_sockets_unsets_the_listen_environment);
	tcase_add_test(listen, test_unnamed_sockets_are_taken_public_first);
	tcase_add_test(listen, test_without_passed_sockets_both_are_unset);
	tcase_add_test(listen, test_sockets_passed_to_another_process_are_ignored);
	tcase_add_test(listen, test_unknown_socket_name_is_rejected);
	tcase_add_test(listen, test_same_name_twice_is_rejected);
	tcase_add_test(listen, test_socket_not_listening_is_rejected);
	tcase_add_test(listen, test_datagram_socket_is_rejected);
	suite_add_tcase(s, listen);

	tcase_add_checked_fixture(watchdog, setup, teardown);
	tcase_add_test(watchdog, test_watchdog_interval_is_read_from_environment);
	tcase_add_test(watchdog, test_watchdog_for_another_process_is_ignored);
	tcase_add_test(watchdog, test_without_watchdog_interval_is_zero);
	suite_add_tcase(s, watchdog);
	return s;
}
