"""Slow and greedy clients: slowhttptest in slowloris (-H) and slow-body (-B)
modes against the public listener for 20 s each, while a normal client keeps
asking for /healthz and /connect/<token> from another loopback address; then
the per-address connection limit.

The daemon runs with max_connections_per_ip = 20 (the attacker's connections
beyond it are refused at once), max_connections = 256 and connection_timeout =
5s (a connection that sends nothing for 5 s is dropped, so slow senders cannot
hold slots for long). Fails if any normal request fails or its p99 exceeds 1 s.
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, Failure, percentile  # noqa: E402

P99_BOUND_MS = 1000.0
ATTACK_SECONDS = 20


def normal_client(d, token, stop, lat, errors):
    conn = None
    i = 0
    while not stop.is_set():
        path = "/healthz" if i % 2 == 0 else "/connect/" + token
        i += 1
        t0 = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", d.public_port, timeout=5,
                                                  source_address=("127.0.0.2", 0))
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            if r.status not in (200, 303):
                errors.append("%s answered %d" % (path, r.status))
            lat.append((time.perf_counter() - t0) * 1000)
        except (OSError, http.client.HTTPException) as e:
            errors.append("%s: %s" % (path, e))
            if conn is not None:
                conn.close()
            conn = None
        time.sleep(0.01)


def attack(d, mode, token):
    stop = threading.Event()
    lat, errors = [], []
    t = threading.Thread(target=normal_client, args=(d, token, stop, lat, errors))
    t.start()
    if mode == "slowloris":
        args = ["-H", "-u", "http://127.0.0.1:%d/healthz" % d.public_port, "-t", "GET"]
    else:
        args = ["-B", "-u", "http://127.0.0.1:%d/connect/%s" % (d.public_port, token), "-t", "POST", "-s", "8192"]
    cmd = ["slowhttptest"] + args + ["-c", "400", "-r", "200", "-i", "3", "-x", "24", "-p", "3",
                                     "-l", str(ATTACK_SECONDS)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=ATTACK_SECONDS + 30)
    stop.set()
    t.join(timeout=10)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout)
    summary = [" ".join(l.split()) for l in plain.splitlines() if "connected" in l.lower() or "closed" in l.lower()][-3:]
    p50, p99 = percentile(lat, 50), percentile(lat, 99)
    print("%s: normal requests=%d errors=%d p50=%.1f ms p99=%.1f ms max=%.1f ms; slowhttptest: %s"
          % (mode, len(lat), len(errors), p50, p99, max(lat) if lat else float("nan"), " | ".join(summary)))
    if errors:
        raise Failure("%s: normal requests failed: %s" % (mode, errors[:5]))
    if len(lat) < 100 or p99 > P99_BOUND_MS:
        raise Failure("%s: %d normal requests, p99 %.1f ms (bound %.0f)" % (mode, len(lat), p99, P99_BOUND_MS))
    if d.proc.poll() is not None:
        raise Failure("the daemon died during %s" % mode)


def per_ip_limit(d):
    """30 connections from 127.0.0.1: 20 are served, the rest refused; 127.0.0.2 still served."""
    socks = []
    for _ in range(30):
        s = socket.create_connection(("127.0.0.1", d.public_port), timeout=3)
        socks.append(s)
    served = refused = 0
    for s in socks:
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            data = s.recv(4096)
            if data.startswith(b"HTTP/1.1 200"):
                served += 1
            else:
                refused += 1
        except OSError:
            refused += 1
    other = http.client.HTTPConnection("127.0.0.1", d.public_port, timeout=3, source_address=("127.0.0.2", 0))
    other.request("GET", "/healthz")
    other_status = other.getresponse().status
    for s in socks:
        s.close()
    print("per-address limit 20: 30 connections from 127.0.0.1: served=%d refused=%d; 127.0.0.2 answered %d"
          % (served, refused, other_status))
    if served != 20 or refused != 10 or other_status != 200:
        raise Failure("the per-address connection limit did not hold")


def main():
    d = Daemon(extra=["max_connections = 256", "max_connections_per_ip = 20", "connection_timeout = 5s"])
    try:
        d.start()
        _, token = d.create_request(reference="slow")
        attack(d, "slowloris", token)
        attack(d, "slow-body", token)
        # Let the attackers' connections time out before counting slots.
        time.sleep(6)
        per_ip_limit(d)
        return 0
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        d.stop()


if __name__ == "__main__":
    sys.exit(main())
