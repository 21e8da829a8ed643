#!/usr/bin/env python3
"""notify-check.py BIN CONF DIR — the daemon's side of sd_notify, seen from the
service manager's side.

Owns a NOTIFY_SOCKET datagram socket in DIR and starts `BIN -c CONF serve`
with NOTIFY_SOCKET and WATCHDOG_USEC set, through `sh -c` so that
WATCHDOG_PID is the daemon's own pid (the shell execs the daemon). Checks:
- a STATUS= line arrives before READY=1 (the daemon says what it is doing);
- READY=1 comes with a STATUS= naming both ports, and the moment it arrives
  both ports accept a connection: readiness is never announced early;
- WATCHDOG=1 arrives, and keeps arriving;
- on SIGTERM, STOPPING=1 arrives and the daemon exits with status 0.
Prints what it saw; exits 1 with the reason on the first failure.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time

DEADLINE_S = 10.0
WATCHDOG_USEC = 400000


def fail(message):
    print("FAIL: notify: " + message)
    sys.exit(1)


def receive(sock, deadline):
    """The next notification as a list of lines, or None at the deadline."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return None
    sock.settimeout(remaining)
    try:
        data = sock.recv(4096)
    except socket.timeout:
        return None
    return data.decode("utf-8", "replace").split("\n")


def accepts(port):
    """Whether 127.0.0.1:port accepts a TCP connection right now."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def main():
    if len(sys.argv) != 4:
        fail("usage: notify-check.py BIN CONF DIR")
    binary, conf, directory = sys.argv[1:]
    path = os.path.join(directory, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)

    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC=str(WATCHDOG_USEC))
    env.pop("WATCHDOG_PID", None)
    log = open(os.path.join(directory, "notify-daemon.log"), "wb")
    daemon = subprocess.Popen(
        ["sh", "-c", 'WATCHDOG_PID=$$ exec "$0" -c "$1" serve', binary, conf],
        env=env, stdout=log, stderr=log)
    try:
        check(sock, daemon)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        log.close()


def check(sock, daemon):
    deadline = time.monotonic() + DEADLINE_S
    statuses_before_ready = []
    while True:
        lines = receive(sock, deadline)
        if lines is None:
            fail("no READY=1 within %gs (exit status %s)" % (DEADLINE_S, daemon.poll()))
        if "READY=1" in lines:
            break
        statuses_before_ready += [l for l in lines if l.startswith("STATUS=")]

    # The ports are named in the STATUS= that comes with READY=1 (the
    # configuration asks for port 0); connect before anything else.
    status = next((l for l in lines if l.startswith("STATUS=")), None)
    match = re.search(r"public port (\d+) and admin port (\d+)", status or "")
    if match is None:
        fail("READY=1 came without a STATUS= naming the ports: %r" % lines)
    public, admin = int(match.group(1)), int(match.group(2))
    if not accepts(public):
        fail("READY=1 arrived but the public port %d refused a connection" % public)
    if not accepts(admin):
        fail("READY=1 arrived but the admin port %d refused a connection" % admin)
    print("notify: READY=1 with %s; both ports accepted at once" % status)
    if not statuses_before_ready:
        fail("no STATUS= line before READY=1")
    print("notify: before READY=1: %s" % ", ".join(statuses_before_ready))

    # The daemon pings at half the interval; two pings show it keeps doing so.
    watchdogs = 0
    deadline = time.monotonic() + DEADLINE_S
    while watchdogs < 2:
        lines = receive(sock, deadline)
        if lines is None:
            fail("%d WATCHDOG=1 within %gs with WATCHDOG_USEC=%d, expected 2"
                 % (watchdogs, DEADLINE_S, WATCHDOG_USEC))
        watchdogs += lines.count("WATCHDOG=1")
    print("notify: WATCHDOG=1 arrives (WATCHDOG_USEC=%d)" % WATCHDOG_USEC)

    daemon.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + DEADLINE_S
    while True:
        lines = receive(sock, deadline)
        if lines is None:
            fail("no STOPPING=1 within %gs of SIGTERM" % DEADLINE_S)
        if "STOPPING=1" in lines:
            break
    try:
        code = daemon.wait(timeout=DEADLINE_S)
    except subprocess.TimeoutExpired:
        fail("the daemon did not exit within %gs of SIGTERM" % DEADLINE_S)
    if code != 0:
        fail("the daemon exited with status %d after SIGTERM" % code)
    print("notify: SIGTERM -> STOPPING=1, exit status 0")


if __name__ == "__main__":
    main()
