"""Several instances on one PostgreSQL database (ACCESSD_TEST_PG, set by
tests/with-postgresql.sh): three daemons, each with its own ports and the
same `database`.

1. A link created on A opens on B, and its callback lands on C.
2. A reissue on A stops the old link on B within 1 s, though B answered its
   repeat clicks from memory.
3. A commit held back (ACCESSD_TEST_COMMIT_DELAY_MS on one instance) does not
   let a reader of /events, paging with after=, skip an event.
4. Callbacks spread over the three while one of them is SIGKILLed and restarted
   every second, at least 20 times: no acknowledged callback lost, event ids
   gap-free and strictly increasing, no request granted twice.
5. With verification on, against the Zaptec stand-in: at most 10 API requests
   in any second and one login a second, all instances together; the lease of
   the Zaptec work moves to another instance within 30 s when its holder is
   SIGKILLed.

Prints what it measured; exits 1 on the first broken promise.
"""

import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, Failure, pg_database, psql  # noqa: E402

KILLS = int(os.environ.get("INSTANCES_KILLS", "20"))
THREADS = 6
STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "zaptec-standin")


def expect(cond, message):
    if not cond:
        raise Failure(message)


def get(port, path, timeout=5):
    """(status, headers, body) of a GET on a fresh connection."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        c.close()


def instances(n, database, extra=None):
    out = []
    for _ in range(n):
        d = Daemon(database=database, extra=extra)
        d.start()
        out.append(d)
    return out


def one_flow(a, b, c):
    rid, token = a.create_request(reference="across")
    status, headers, _ = get(b.public_port, "/connect/" + token)
    expect(status == 303 and "portal.example.test" in headers.get("location", ""),
           "the link made on A did not open on B: %s %s" % (status, headers.get("location")))
    installation = str(uuid.uuid4())
    status, _, body = get(c.public_port, "/access-result/%s?success=true&installationId=%s" % (token, installation))
    expect(status == 200 and b"granted" in body.lower(), "the callback on C answered %s" % status)
    status, _, doc = a.admin("GET", "/api/v1/access-requests/" + rid)
    expect(status == 200 and doc["status"] == "granted" and doc["result"]["installationId"] == installation,
           "A does not see the grant made on C: %s" % doc)
    print("flow: created on A, opened on B, granted on C, seen on A")


def reissue_stops_old_link(a, b):
    rid, token = a.create_request(reference="reissue")
    for _ in range(3):  # the first click writes; the next ones come from B's memory
        status, _, _ = get(b.public_port, "/connect/" + token)
        expect(status == 303, "the link did not open on B: %s" % status)
    status, _, doc = a.admin("POST", "/api/v1/access-requests/%s/reissue" % rid)
    expect(status == 200, "reissue on A answered %s" % status)
    reissued = time.monotonic()
    while True:
        status, _, _ = get(b.public_port, "/connect/" + token)
        elapsed = time.monotonic() - reissued
        if status != 303:
            break
        expect(elapsed < 5, "B still redirects the old link %.1f s after the reissue" % elapsed)
        time.sleep(0.02)
    print("reissue: the old link stopped on B %.3f s after the reissue on A (answer %d)" % (elapsed, status))
    expect(elapsed <= 1.0, "the old link stopped only after %.3f s (contract: 1 s)" % elapsed)
    new_token = doc["connectUrl"].rsplit("/", 1)[1]
    status, _, _ = get(b.public_port, "/connect/" + new_token)
    expect(status == 303, "the new link does not open on B: %s" % status)


def read_feed(d, after, seen):
    """Pages /events from after to its end; appends the ids; returns the new after."""
    while True:
        status, _, doc = d.admin("GET", "/api/v1/events?after=%d&limit=1000" % after)
        expect(status == 200, "/events answered %s" % status)
        seen.extend(e["id"] for e in doc["items"])
        if not doc["items"]:
            return after
        after = doc["nextAfter"]


def late_commit_skips_nothing(database):
    slow = Daemon(database=database)
    slow.env["ACCESSD_TEST_COMMIT_DELAY_MS"] = "1500"
    slow.start()
    fast, reader = instances(2, database)
    try:
        start = read_feed(reader, 0, [])
        seen = []
        stop = threading.Event()

        def poll():
            after = start
            while not stop.is_set():
                after = read_feed(reader, after, seen)
                time.sleep(0.01)
        t = threading.Thread(target=poll)
        t.start()
        slow_thread = threading.Thread(target=lambda: slow.create_request(reference="slow"))
        slow_thread.start()
        time.sleep(0.3)  # the slow one holds its event's id, not yet committed
        for _ in range(3):
            fast.create_request(reference="fast")
        slow_thread.join()
        time.sleep(0.3)
        stop.set()
        t.join()
        read_feed(reader, seen[-1] if seen else start, seen)
        expected = list(range(start + 1, start + 5))
        print("late commit: the reader saw ids %s while one commit was held back 1.5 s" % sorted(set(seen)))
        expect(sorted(set(seen)) == expected, "the reader skipped or lost events: saw %s, expected %s"
               % (sorted(set(seen)), expected))
        expect(seen == sorted(seen), "the reader saw ids out of order: %s" % seen)
    finally:
        for d in (slow, fast, reader):
            d.stop()


class Load:
    """Callbacks from THREADS clients, each to a random instance; a connection
    refused or cut (a killed instance) is not acknowledged."""

    def __init__(self, daemons, pool):
        self.daemons = daemons
        self.pool = pool
        self.lock = threading.Lock()
        self.next = 0
        self.acked = []
        self.unanswered = 0
        self.stop = threading.Event()

    def take(self):
        with self.lock:
            if self.next >= len(self.pool):
                return None
            self.next += 1
            return self.pool[self.next - 1]

    def worker(self):
        rng = random.Random()
        while not self.stop.is_set():
            item = self.take()
            if item is None:
                time.sleep(0.01)
                continue
            rid, token = item
            installation = str(uuid.uuid4())
            d = rng.choice(self.daemons)
            time.sleep(0.04)  # about 100 callbacks a second in all: the pool lasts the 20 kills
            try:
                status, _, _ = get(d.public_port, "/access-result/%s?success=true&installationId=%s"
                                   % (token, installation))
                if status == 200:
                    with self.lock:
                        self.acked.append((rid, installation))
                elif status != 503:
                    raise RuntimeError("unexpected status %d" % status)
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.unanswered += 1
                time.sleep(0.005)


def kills_lose_nothing(database):
    daemons = instances(3, database)
    try:
        pool = [daemons[i % 3].create_request(reference="kill") for i in range(3000)]
        load = Load(daemons, pool)
        threads = [threading.Thread(target=load.worker) for _ in range(THREADS)]
        for t in threads:
            t.start()
        kills = 0
        try:
            while kills < KILLS and load.next < len(pool):
                time.sleep(1.0)
                victim = daemons[kills % 3]
                victim.kill()
                kills += 1
                victim.start()
        finally:
            load.stop.set()
            for t in threads:
                t.join(timeout=20)
        granted = {}
        for rid, inst, n in psql(database, "SELECT request_id, installation_id, count(*) FROM events "
                                           "WHERE type = 'callback.granted' GROUP BY 1, 2"):
            granted[(rid, inst)] = int(n)
        rows = dict((r, (s, i)) for r, s, i in psql(database, "SELECT id, status, result_installation_id "
                                                                "FROM access_requests WHERE reference = 'kill'"))
        lost = 0
        for rid, inst in load.acked:
            if rows.get(rid) != ("granted", inst) or granted.get((rid, inst)) != 1:
                lost += 1
        twice = int(psql(database, "SELECT count(*) FROM (SELECT request_id FROM events WHERE type = "
                                   "'callback.granted' GROUP BY 1 HAVING count(*) > 1) x")[0][0])
        ids = [int(r[0]) for r in psql(database, "SELECT id FROM events ORDER BY id")]
        gaps = sum(1 for a, b in zip(ids, ids[1:]) if b != a + 1) + (1 if ids and ids[0] != 1 else 0)
        print("kills=%d acknowledged=%d unanswered=%d lost=%d granted-twice=%d events=%d gaps=%d"
              % (kills, len(load.acked), load.unanswered, lost, twice, len(ids), gaps))
        expect(kills >= 20, "only %d kills" % kills)
        expect(len(load.acked) > 0, "no callback was acknowledged")
        expect(lost == 0, "%d acknowledged callbacks lost" % lost)
        expect(twice == 0, "%d requests granted twice" % twice)
        expect(gaps == 0, "event ids have %d gaps" % gaps)
    finally:
        for d in daemons:
            d.stop()


def standin_json(port, path, body=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def holder_of(database):
    rows = psql(database, "SELECT holder FROM leases WHERE kind = 'zaptec' AND expires_at > "
                          "extract(epoch FROM now())::bigint")
    return rows[0][0] if rows else None


def zaptec_work_shared(tmp, database):
    port_file = os.path.join(tmp, "standin.port")
    standin = subprocess.Popen([sys.executable, os.path.join(STANDIN, "standin.py"), "--listen", "127.0.0.1:0",
                                "--port-file", port_file, "--fixture", os.path.join(STANDIN, "fixture.json")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    daemons = []
    try:
        deadline = time.monotonic() + 10
        while not (os.path.exists(port_file) and open(port_file).read().endswith("\n")):
            expect(time.monotonic() < deadline, "the stand-in did not start")
            time.sleep(0.05)
        port = int(open(port_file).read())
        password = os.path.join(tmp, "zaptec-password")
        with open(password, "w") as f:
            f.write("acme-service-secret\n")
        os.chmod(password, 0o600)
        extra = ["lookup_key = BSJG", "zaptec_api_url = http://127.0.0.1:%d" % port,
                 "zaptec_username = svc-acme@example.test", "zaptec_password_file = %s" % password,
                 "verify_window = 60s"]
        daemons = [Daemon(database=database, extra=extra) for _ in range(3)]
        for d in daemons:
            # The stand-in knows the group BSJG, not the harness's own key.
            text = open(d.conf).read().replace("lookup_key = HOSTILE\n", "")
            with open(d.conf, "w") as f:
                f.write(text)
            d.start()
        # 60 grants at Zaptec, each recorded by a callback on one of the instances.
        for i in range(60):
            inst = str(uuid.uuid4())
            standin_json(port, "/_standin/grant", {"lookupKey": "BSJG", "installationId": inst})
            d = daemons[i % 3]
            _, token = d.create_request(reference="verify")
            status, _, _ = get(daemons[(i + 1) % 3].public_port,
                               "/access-result/%s?success=true&installationId=%s" % (token, inst))
            expect(status == 200, "a callback answered %s" % status)
        deadline = time.monotonic() + 60
        while int(psql(database, "SELECT count(*) FROM installations WHERE status = 'verifying'")[0][0]) > 0:
            expect(time.monotonic() < deadline, "the grants were not verified within 60 s")
            time.sleep(0.2)
        rate = standin_json(port, "/_standin/max-rate")
        print("zaptec: %d API requests, at most %d in any second, at most %d logins in any second"
              % (rate["requests"], rate["maxRequestsInAnyOneSecondWindow"], rate["maxLoginsInAnyOneSecondWindow"]))
        expect(rate["maxRequestsInAnyOneSecondWindow"] <= 10, "more than 10 Zaptec requests in one second")
        expect(rate["maxLoginsInAnyOneSecondWindow"] <= 1, "more than one login in one second")

        holder = holder_of(database)
        expect(holder is not None, "no instance holds the Zaptec lease")
        victim = next(d for d in daemons if d.proc and ":%d:" % d.proc.pid in holder)
        victim.kill()
        killed = time.monotonic()
        while True:
            now_holder = holder_of(database)
            if now_holder is not None and now_holder != holder:
                break
            expect(time.monotonic() - killed < 35, "the lease did not move within 35 s")
            time.sleep(0.2)
        moved = time.monotonic() - killed
        print("lease: held by %s, moved to %s %.1f s after its holder was killed" % (holder, now_holder, moved))
        expect(moved <= 30, "the lease moved only after %.1f s" % moved)
    finally:
        for d in daemons:
            d.stop()
        standin.terminate()
        standin.wait(timeout=10)


def main():
    tmp = os.environ["HOSTILE_TMP"]
    try:
        database = pg_database(os.path.join(tmp, "shared"))
        expect(database is not None, "ACCESSD_TEST_PG is not set: run under tests/with-postgresql.sh")
        a, b, c = instances(3, database)
        try:
            one_flow(a, b, c)
            reissue_stops_old_link(a, b)
        finally:
            for d in (a, b, c):
                d.stop()
        late_commit_skips_nothing(pg_database(os.path.join(tmp, "late")))
        kills_lose_nothing(pg_database(os.path.join(tmp, "kills")))
        zaptec_work_shared(tmp, pg_database(os.path.join(tmp, "zaptec")))
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
