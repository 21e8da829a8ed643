"""Soak: a few minutes of mixed load (create, connect, callback, list, events)
from a few threads, with only expected statuses, and a resident memory that
stops growing: VmRSS is sampled every 5 s, and the highest sample of the last
third may exceed the highest of the middle third by at most 10 % + 2 MiB.
The write-ahead log, sampled with it, must stay under WAL_LIMIT: the writer
rewinds it at 16,000 pages (64 MiB) even while writes never pause.
SOAK_SECONDS sets the length (default 180).
"""

import http.client
import os
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TOKEN, Daemon  # noqa: E402

SECONDS = int(os.environ.get("SOAK_SECONDS", "180"))
THREADS = 4
WAL_LIMIT = 96 * 1024 * 1024


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wal_bytes(d):
    try:
        return os.path.getsize(d.database + "-wal")
    except OSError:
        return 0


def worker(d, stop, counts, errors):
    admin = http.client.HTTPConnection("127.0.0.1", d.admin_port, timeout=10)
    public = http.client.HTTPConnection("127.0.0.1", d.public_port, timeout=10)
    auth = {"Authorization": "Bearer " + TOKEN}

    def call(conn, method, path, want, body=None):
        headers = dict(auth)
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        counts[0] += 1
        if r.status != want:
            errors.append("%s %s -> %d %r" % (method, path[:50], r.status, data[:120]))
        return data

    import json
    i = 0
    while not stop.is_set():
        i += 1
        doc = json.loads(call(admin, "POST", "/api/v1/access-requests", 201, json.dumps({"reference": "soak-%d" % (i % 50)})))
        token = doc["connectUrl"].rsplit("/", 1)[1]
        call(public, "GET", "/connect/" + token, 303)
        outcome = "success=true&installationId=%s" % uuid.uuid4() if i % 3 else "success=false"
        call(public, "GET", "/access-result/%s?%s" % (token, outcome), 200)
        call(public, "GET", "/access-result/%s?%s" % (token, outcome), 200)
        call(admin, "GET", "/api/v1/access-requests?limit=20&reference=soak-%d" % (i % 50), 200)
        call(admin, "GET", "/api/v1/installations?limit=50", 200)
        call(admin, "GET", "/api/v1/events?limit=100&after=%d" % max(0, i * 4 - 100), 200)
        call(admin, "GET", "/api/v1/access-requests/" + doc["id"], 200)
    admin.close()
    public.close()


def main():
    d = Daemon()
    d.start()
    stop = threading.Event()
    counts = [0]
    errors = []
    threads = [threading.Thread(target=worker, args=(d, stop, counts, errors)) for _ in range(THREADS)]
    for t in threads:
        t.start()
    samples = []
    wal = []
    end = time.monotonic() + SECONDS
    try:
        while time.monotonic() < end and not errors:
            time.sleep(5)
            samples.append(rss_kib(d.proc.pid))
            wal.append(wal_bytes(d))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=20)
        rc = d.stop()
    print("requests=%d errors=%d seconds=%d" % (counts[0], len(errors), SECONDS))
    print("VmRSS KiB every 5 s: " + " ".join(str(s) for s in samples))
    print("WAL MiB every 5 s: " + " ".join("%.1f" % (b / 1048576) for b in wal))
    for e in errors[:5]:
        print("ERROR " + e)
    third = len(samples) // 3
    middle, last = max(samples[third:2 * third] or [0]), max(samples[2 * third:] or [0])
    print("max of middle third %d KiB, of last third %d KiB" % (middle, last))
    ok = (not errors and rc == 0 and third >= 2 and last <= middle * 1.10 + 2048
          and max(wal or [0]) <= WAL_LIMIT)
    if not ok:
        print("FAIL: soak")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
