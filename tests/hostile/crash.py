"""Crash durability: SIGKILL the daemon under concurrent callback load, again and
again, and check that every callback it acknowledged is in the database.

A pool of open requests is made through the API. Client threads each take the
next request and send its grant (/access-result/<token>?success=true&
installationId=<fresh guid>); a 2xx answer is an acknowledgement and is
recorded. Meanwhile the daemon is killed with SIGKILL at random moments and
restarted on the same database. At the end every acknowledged grant must be
there: the request granted with that installation, the installation row
granted, and a callback.granted event; PRAGMA integrity_check says ok; and the
daemon starts and stops cleanly.

Prints kills, acknowledged callbacks, unanswered ones (connection cut by a
kill: their outcome is unknown to the client, so either is fine) and losses.
"""

import collections
import http.client
import os
import random
import sqlite3
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon  # noqa: E402

KILLS = int(os.environ.get("CRASH_KILLS", "25"))
THREADS = 12
POOL = 12000


class Load:
    def __init__(self, d, pool):
        self.d = d
        self.pool = pool
        self.lock = threading.Lock()
        self.next = 0
        self.acked = []      # (request id, installation id)
        self.unanswered = 0
        self.stop = threading.Event()

    def take(self):
        with self.lock:
            if self.next >= len(self.pool):
                return None
            item = self.pool[self.next]
            self.next += 1
            return item

    def worker(self):
        conn = None
        while not self.stop.is_set():
            item = self.take()
            if item is None:
                time.sleep(0.01)  # the pool is being refilled
                continue
            request_id, token = item
            installation = str(uuid.uuid4())
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.d.public_port, timeout=5)
                conn.request("GET", "/access-result/%s?success=true&installationId=%s" % (token, installation))
                r = conn.getresponse()
                r.read()
                if 200 <= r.status < 300:
                    with self.lock:
                        self.acked.append((request_id, installation))
                elif r.status != 503:
                    raise RuntimeError("unexpected status %d" % r.status)
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.unanswered += 1
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.005)  # the daemon is down: wait for the restart
        if conn is not None:
            conn.close()


def make_pool(d, n):
    def one(_):
        return d.create_request(reference="crash")
    with ThreadPoolExecutor(8) as ex:
        return list(ex.map(one, range(n)))


def verify(path, acked):
    """Every acknowledged grant, checked in the database; returns (losses, integrity)."""
    db = sqlite3.connect(path)
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        # Read once: events are not indexed by request, and a query per grant
        # would scan the whole table each time.
        granted_events = collections.Counter(db.execute(
            "SELECT request_id, installation_id FROM events WHERE type = 'callback.granted'"))
        lost = 0
        for request_id, installation in acked:
            r = db.execute("SELECT status, result_installation_id FROM access_requests WHERE id = ?",
                           (request_id,)).fetchone()
            i = db.execute("SELECT status, request_id FROM installations WHERE installation_id = ?",
                           (installation,)).fetchone()
            e = granted_events[(request_id, installation)]
            if r != ("granted", installation) or i != ("granted", request_id) or e != 1:
                lost += 1
                if lost <= 5:
                    print("LOST request=%s installation=%s: request=%s installation=%s events=%d"
                          % (request_id, installation, r, i, e))
        return lost, integrity
    finally:
        db.close()


def main():
    rng = random.Random(int(os.environ.get("CRASH_SEED", str(int(time.time())))))
    d = Daemon()
    d.start()
    t0 = time.monotonic()
    pool = make_pool(d, POOL)
    print("pool of %d open requests made in %.1f s" % (len(pool), time.monotonic() - t0))
    load = Load(d, pool)
    threads = [threading.Thread(target=load.worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    kills = 0
    try:
        while kills < KILLS:
            if len(pool) - load.next < POOL // 3:
                # Keep the pool from running dry on a fast machine.
                more = make_pool(d, POOL // 2)
                with load.lock:
                    pool.extend(more)
            time.sleep(rng.uniform(0.05, 0.4))
            d.kill()
            kills += 1
            d.start()
        # A last stretch without kills, then a clean stop.
        time.sleep(0.3)
    finally:
        load.stop.set()
        for t in threads:
            t.join(timeout=20)
    rc = d.stop()
    lost, integrity = verify(d.database, load.acked)
    # The daemon starts cleanly on what the kills left, and stops with 0.
    d.start()
    rc2 = d.stop()
    seed_note = os.environ.get("CRASH_SEED", "time")
    print("kills=%d acknowledged=%d unanswered=%d lost=%d integrity=%s clean-stop=%s restart-stop=%s seed=%s"
          % (kills, len(load.acked), load.unanswered, lost, integrity, rc, rc2, seed_note))
    ok = kills >= 20 and lost == 0 and integrity == "ok" and rc == 0 and rc2 == 0 and len(load.acked) > 0
    if not ok:
        print("FAIL: crash durability")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
