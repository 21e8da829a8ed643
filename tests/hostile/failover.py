"""Failover: a PostgreSQL primary with a synchronous streaming standby (made
with pg_basebackup, synchronous_standby_names set), both private to this test
(unix sockets in a temporary directory, as `nobody` when run as root). One
daemon lists both hosts with target_session_attrs=read-write. Under callback
load the primary is killed (immediate shutdown) and the standby promoted; the
daemon must recover without a restart, and every callback it acknowledged
before, during and after must be on the promoted server.

Prints acknowledged callbacks, those answered 503 while no primary took
writes, the time to recover, and losses (0).
"""

import glob
import http.client
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, Failure, psql  # noqa: E402

THREADS = 4
BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in p.split("/")[-2].split(".")])[-1]


def as_server(args, **kw):
    """Runs a server command, as nobody when we are root (initdb refuses root)."""
    if os.getuid() == 0:
        args = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] + args
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def configure(data, sockets, extra):
    with open(os.path.join(data, "postgresql.conf"), "a") as f:
        f.write("listen_addresses = ''\nunix_socket_directories = '%s'\nfsync = on\n%s" % (sockets, extra))


def start(data, log):
    as_server([os.path.join(BIN, "pg_ctl"), "-D", data, "-l", log, "-w", "-t", "60", "start"])


def expect(cond, message):
    if not cond:
        raise Failure(message)


class Load:
    def __init__(self, d, pool):
        self.d = d
        self.pool = pool
        self.lock = threading.Lock()
        self.next = 0
        self.acked = []
        self.unavailable = 0
        self.last_ack = 0.0
        self.stop = threading.Event()

    def worker(self):
        while not self.stop.is_set():
            with self.lock:
                if self.next >= len(self.pool):
                    return
                rid, token = self.pool[self.next]
                self.next += 1
            installation = str(uuid.uuid4())
            c = http.client.HTTPConnection("127.0.0.1", self.d.public_port, timeout=30)
            try:
                c.request("GET", "/access-result/%s?success=true&installationId=%s" % (token, installation))
                r = c.getresponse()
                r.read()
                with self.lock:
                    if r.status == 200:
                        self.acked.append((rid, installation))
                        self.last_ack = time.monotonic()
                    elif r.status == 503:
                        self.unavailable += 1
                    else:
                        raise RuntimeError("unexpected status %d" % r.status)
            finally:
                c.close()
            time.sleep(0.01)


def main():
    tmp = os.environ["HOSTILE_TMP"]
    os.chmod(tmp, 0o755)  # the servers run as nobody
    root = os.path.join(tmp, "pg")
    os.makedirs(root)
    os.chmod(root, 0o777)
    primary, standby = os.path.join(root, "primary"), os.path.join(root, "standby")
    psock, ssock = os.path.join(root, "p"), os.path.join(root, "s")
    for d in (psock, ssock):
        os.makedirs(d)
        os.chmod(d, 0o777)
    d = None
    load = None
    try:
        as_server([os.path.join(BIN, "initdb"), "-D", primary, "-U", "accessd", "--auth=trust", "-E", "UTF8",
                   "--locale=C"])
        configure(primary, psock, "synchronous_commit = on\n")
        start(primary, os.path.join(root, "primary.log"))
        subprocess.run([os.path.join(BIN, "createdb"), "-h", psock, "-U", "accessd", "accessd"], check=True)
        as_server([os.path.join(BIN, "pg_basebackup"), "-D", standby, "-R", "-X", "stream", "-c", "fast",
                   "-d", "host=%s user=accessd application_name=standby1" % psock])
        configure(standby, ssock, "")
        start(standby, os.path.join(root, "standby.log"))
        # Synchronous only now: before the standby runs, every commit would wait
        # for it; and the promoted standby must not wait for a standby of its own.
        primary_uri = "host=%s user=accessd dbname=accessd" % psock
        psql(primary_uri, "ALTER SYSTEM SET synchronous_standby_names = 'standby1'")
        psql(primary_uri, "SELECT pg_reload_conf()")
        deadline = time.monotonic() + 30
        while psql(primary_uri, "SELECT sync_state FROM pg_stat_replication "
                                "WHERE application_name = 'standby1'") != [["sync"]]:
            expect(time.monotonic() < deadline, "the standby did not become synchronous within 30 s")
            time.sleep(0.1)

        uri = "postgresql:///accessd?host=%s,%s&user=accessd&target_session_attrs=read-write" % (psock, ssock)
        d = Daemon(database=uri)
        d.start()
        with ThreadPoolExecutor(8) as ex:  # in parallel: they share the writer's commits
            pool = list(ex.map(lambda _: d.create_request(reference="failover"), range(2000)))
        load = Load(d, pool)
        threads = [threading.Thread(target=load.worker) for _ in range(THREADS)]
        for t in threads:
            t.start()
        time.sleep(2)
        before = len(load.acked)
        as_server([os.path.join(BIN, "pg_ctl"), "-D", primary, "-m", "immediate", "stop"])
        killed = time.monotonic()
        time.sleep(1)
        as_server([os.path.join(BIN, "pg_ctl"), "-D", standby, "-w", "promote"])
        deadline = time.monotonic() + 30
        while load.last_ack < killed + 1:
            expect(time.monotonic() < deadline, "no callback was acknowledged within 30 s of the failover")
            time.sleep(0.1)
        recovered = load.last_ack - killed
        time.sleep(2)
        load.stop.set()
        for t in threads:
            t.join(timeout=60)
        rows = dict((r, (s, i)) for r, s, i in psql(
            "host=%s user=accessd dbname=accessd" % ssock,
            "SELECT id, status, result_installation_id FROM access_requests WHERE reference = 'failover'"))
        lost = sum(1 for rid, inst in load.acked if rows.get(rid) != ("granted", inst))
        status, _, _ = d.admin("GET", "/readyz")
        print("failover: acknowledged=%d (%d before the kill) unavailable=%d recovered-after=%.1fs lost=%d readyz=%d"
              % (len(load.acked), before, load.unavailable, recovered, lost, status))
        expect(before > 0, "nothing was acknowledged before the failover")
        expect(lost == 0, "%d acknowledged callbacks are not on the promoted server" % lost)
        expect(status == 200, "/readyz is %d after the failover" % status)
        rc = d.stop()
        d = None
        expect(rc == 0, "the daemon stopped with %s" % rc)
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        if load is not None:
            load.stop.set()
        if d is not None:
            d.stop()
        for data in (primary, standby):
            if os.path.exists(os.path.join(data, "postmaster.pid")):
                try:
                    as_server([os.path.join(BIN, "pg_ctl"), "-D", data, "-m", "immediate", "stop"])
                except subprocess.CalledProcessError:
                    pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
