"""Admin authentication under attack: wrong, empty and partial tokens get 401 in
constant time, the token never reaches the log or an answer, and repeated
failures from one address are throttled (429 with Retry-After, logged once)
while other addresses are still served and the right token is still accepted;
X-Forwarded-For is not believed on the admin listener, even from a trusted proxy.

Timing: the median time of 2,000 requests with a wrong token of the right
length and of 2,000 with a token sharing all but its last character with the
right one. Both sides are hashed before comparing, so the medians must agree
within a generous bound. The requests are spread over many loopback source
addresses (ten each) so that the throttle never answers them instead.
"""

import http.client
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TOKEN, Daemon, Failure, build_request, raw_request  # noqa: E402

N = 2000
BOUND_US = 150.0  # medians are around 100 us on loopback; a prefix leak would be per byte


def timed(conn, token):
    t0 = time.perf_counter()
    conn.request("GET", "/api/v1/events?limit=1", headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    body = r.read()
    dt = (time.perf_counter() - t0) * 1e6
    if r.status != 401:
        raise Failure("a wrong token answered %d" % r.status)
    if TOKEN.encode() in body or TOKEN[:-1].encode() in body:
        raise Failure("a 401 body contains the token")
    return dt


def main():
    d = Daemon(extra=["trusted_proxies = 127.0.0.1"])
    try:
        d.start()
        wrong = "w" * len(TOKEN)
        prefix = TOKEN[:-1] + ("a" if TOKEN[-1] != "a" else "b")
        t_wrong, t_prefix = [], []
        for i in range(N // 5):
            source = "127.1.%d.%d" % (i // 200, 1 + i % 200)
            conn = http.client.HTTPConnection("127.0.0.1", d.admin_port, timeout=5, source_address=(source, 0))
            for _ in range(5):
                t_wrong.append(timed(conn, wrong))
                t_prefix.append(timed(conn, prefix))
            conn.close()
        t_wrong, t_prefix = t_wrong[:N], t_prefix[:N]
        m_wrong, m_prefix = statistics.median(t_wrong), statistics.median(t_prefix)
        print("timing: %d requests each: median wrong-token %.1f us, long-prefix token %.1f us, diff %.1f us (bound %.0f)"
              % (len(t_wrong), m_wrong, m_prefix, abs(m_wrong - m_prefix), BOUND_US))
        if abs(m_wrong - m_prefix) > BOUND_US:
            raise Failure("the medians differ by more than %.0f us" % BOUND_US)

        # Throttling: ten failures, then 429 for the rest of the window, even
        # with the right token; another address is still served.
        attacker = "127.0.0.5"
        def get(token, source):
            return raw_request(d.admin_port, build_request("GET", "/api/v1/events?limit=1",
                                                           [("Authorization", "Bearer " + token)]), source=source)
        statuses = [get("bad", attacker)[0] for _ in range(10)]
        if statuses != [401] * 10:
            raise Failure("the first ten failures answered %s" % statuses)
        status, headers, body, _ = get("bad", attacker)
        retry = headers.get("retry-after", "")
        if status != 429 or not retry.isdigit() or not 1 <= int(retry) <= 60:
            raise Failure("the 11th failure answered %s with Retry-After %r" % (status, retry))
        if get(TOKEN, attacker)[0] != 200:
            raise Failure("the right token from a throttled address was refused")
        if get("bad", attacker)[0] != 429:
            raise Failure("a wrong token after the right one was not throttled")
        for _ in range(5):
            get("bad", attacker)
        if get(TOKEN, "127.0.0.2")[0] != 200:
            raise Failure("the right token from another address was refused")
        # X-Forwarded-For is not believed on the admin listener, even from a
        # trusted proxy's address: every forged address counts for the peer.
        proxy = "127.0.0.1"
        def forged(i):
            return raw_request(d.admin_port, build_request("GET", "/api/v1/events?limit=1", [
                ("Authorization", "Bearer bad"), ("X-Forwarded-For", "198.51.100.%d" % i)]), source=proxy)[0]
        statuses = [forged(i) for i in range(1, 12)]
        if statuses != [401] * 10 + [429]:
            raise Failure("forged X-Forwarded-For addresses on the admin listener answered %s" % statuses)
        log = d.log_text()
        if "198.51.100." in log:
            raise Failure("a forged X-Forwarded-For address reached the log")
        throttled = re.findall(r'event=auth\.throttled client="127\.0\.0\.5"', log)
        if len(throttled) != 1:
            raise Failure("expected one auth.throttled line for the window, found %d" % len(throttled))
        s, _, _ = d.admin("GET", "/metrics")
        metrics = raw_request(d.admin_port, build_request("GET", "/metrics", [("Authorization", "Bearer " + TOKEN)]))[2]
        m = re.search(rb"accessd_auth_failures_total (\d+)", metrics)
        if s != 200 or m is None or int(m.group(1)) < 2 * N + 16:
            raise Failure("/metrics does not count the failures: %s" % (m.group(0) if m else None))
        if TOKEN in log or prefix in log or TOKEN[:-1] in log:
            raise Failure("the token (or most of it) appears in the daemon's log")
        print("throttle: 10 x 401, then 429 (Retry-After %s) for wrong tokens, 200 for the right one; "
              "127.0.0.2 served; forged X-Forwarded-For ignored on the admin listener; "
              "one auth.throttled line; the token is in no log line" % retry)
        return 0
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        d.stop()


if __name__ == "__main__":
    sys.exit(main())
