"""The daemon under test as a subprocess, and what the hostile-input tests share.

A Daemon writes a configuration into a temporary directory, starts
./zaptec-accessd on loopback ports picked free, waits (bounded) for its
"event=ready" line and can kill, restart and stop it. When ACCESSD_TEST_PG
holds a PostgreSQL URI (tests/with-postgresql.sh), each Daemon's database is a
schema of its own there instead of a SQLite file. raw_request() sends a
request byte for byte over a plain socket, so nothing normalises the target
or the headers; Client keeps one connection open for load. db_snapshot()
reads the database read-only to compare it before and after a request.
"""

import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(os.environ.get("ACCESSD_BIN", "./zaptec-accessd"))
TOKEN = "hostile-admin-token-5d1c9a7e0b3f48e2a6c4"
READY_TIMEOUT = 15.0


class Failure(Exception):
    """A broken promise of the daemon: the test fails with this message."""


def free_port(host="127.0.0.1"):
    """A TCP port nothing listens on right now (the daemon binds it next)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def keep_log(path):
    """Copies a daemon's log to tests/out/logs (or $ACCESSD_TEST_LOGS), where
    tests/scripts/90-logfmt.sh reads every line the suite's daemons wrote."""
    logs = os.environ.get("ACCESSD_TEST_LOGS") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "out", "logs")
    os.makedirs(logs, exist_ok=True)
    name = "hostile-%s-%d-%s.log" % (os.path.basename(sys.argv[0]).replace(".py", ""), os.getpid(),
                                      os.path.basename(os.path.dirname(path)))
    if os.path.exists(path):
        shutil.copyfile(path, os.path.join(logs, name))


class Daemon:
    """One zaptec-accessd process on 127.0.0.1 with its own config and database."""

    def __init__(self, workdir=None, extra=None, database=None):
        # The calling script makes HOSTILE_TMP and removes it in its trap.
        self.dir = workdir or tempfile.mkdtemp(prefix="accessd-", dir=os.environ.get("HOSTILE_TMP"))
        self.public_port = free_port()
        self.admin_port = free_port()
        self.database = database or pg_database(self.dir) or os.path.join(self.dir, "accessd.db")
        self.log_path = os.path.join(self.dir, "daemon.log")
        self.conf = os.path.join(self.dir, "accessd.conf")
        self.proc = None
        self.starts = 0
        self.env = {}  # further environment variables of the process
        token_file = os.path.join(self.dir, "api-token")
        with open(token_file, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(token_file, 0o600)
        lines = [
            "lookup_key = HOSTILE",
            "public_url = http://127.0.0.1:%d" % self.public_port,
            "partner_name = Hostile Test Energy",
            "portal_url = https://portal.example.test",
            "listen = 127.0.0.1:%d" % self.public_port,
            "admin_listen = 127.0.0.1:%d" % self.admin_port,
            "database = %s" % self.database,
            "api_token_file = %s" % token_file,
            "redirect_allow = https://partner.example.test http://127.0.0.1:9",
            "log_level = info",
        ]
        lines += extra or []
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def start(self):
        """Starts the daemon and waits for its ready line; fails if it exits or
        does not get ready within READY_TIMEOUT."""
        log = open(self.log_path, "ab")
        offset = log.tell()
        self.proc = subprocess.Popen([BIN, "-c", self.conf, "serve"], stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log, env=dict(os.environ, **self.env))
        log.close()
        self.starts += 1
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", "replace")
            m = re.search(r"event=ready public_port=(\d+) admin_port=(\d+)", text)
            if m:
                if int(m.group(1)) != self.public_port or int(m.group(2)) != self.admin_port:
                    raise Failure("ready on unexpected ports: " + m.group(0))
                return
            if self.proc.poll() is not None:
                raise Failure("the daemon exited with %s before getting ready:\n%s"
                              % (self.proc.returncode, text[-2000:]))
            time.sleep(0.02)
        raise Failure("the daemon did not get ready in %.0f s" % READY_TIMEOUT)

    def kill(self):
        """SIGKILL, and reap."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self):
        """SIGTERM with a bounded wait (then SIGKILL); returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        rc = self.proc.returncode
        self.proc = None
        keep_log(self.log_path)
        return rc

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def port(self, listener):
        return self.public_port if listener == "public" else self.admin_port

    def admin(self, method, path, body=None, token=TOKEN, timeout=10):
        """One admin API call over a fresh connection: (status, headers, parsed JSON or None)."""
        headers = {"Authorization": "Bearer " + token}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        c = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=timeout)
        try:
            c.request(method, path, body=data, headers=headers)
            r = c.getresponse()
            raw = r.read()
            try:
                doc = json.loads(raw) if raw else None
            except ValueError:
                doc = None
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), doc
        finally:
            c.close()

    def create_request(self, **fields):
        """Creates an access request through the API; returns (id, token)."""
        status, _, doc = self.admin("POST", "/api/v1/access-requests", fields)
        if status != 201:
            raise Failure("creating a request answered %s: %s" % (status, doc))
        return doc["id"], doc["connectUrl"].rsplit("/", 1)[1]


def raw_request(port, data, host="127.0.0.1", source=None, timeout=10.0, read_limit=4 << 20):
    """Sends data (bytes: a whole request) and reads the answer until the server
    closes. Returns (status or None, headers dict lowercased, body bytes, closed_early)
    where status None means the server closed without an answer; closed_early
    means the send itself was cut off (the server stopped reading)."""
    s = socket.create_connection((host, port), timeout=timeout,
                                 source_address=(source, 0) if source else None)
    closed_early = False
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            closed_early = True
        chunks = []
        total = 0
        while total < read_limit:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                break
            if not b:
                break
            chunks.append(b)
            total += len(b)
    finally:
        s.close()
    return parse_response(b"".join(chunks)) + (closed_early,)


def parse_response(raw):
    """(status, headers, body) of one HTTP/1.1 response; (None, {}, b"") for none."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return None, {}, b""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        body = body[:int(headers["content-length"])]
    return status, headers, body


def build_request(method, target, headers=(), body=b"", host="127.0.0.1"):
    """The bytes of a request, target and headers exactly as given (bytes or str)."""
    if isinstance(target, str):
        target = target.encode("latin-1")
    out = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: " + host.encode(),
           b"Connection: close"]
    for k, v in headers:
        k = k.encode() if isinstance(k, str) else k
        v = v.encode("utf-8") if isinstance(v, str) else v
        out.append(k + b": " + v)
    if body and not any((k.lower() if isinstance(k, str) else k.decode().lower()) == "content-length"
                        for k, _ in headers):
        out.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(out) + b"\r\n\r\n" + body


def psql(uri, sql):
    """Runs sql with psql on uri; its rows as lists of text (NULL as '')."""
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def pg_database(directory):
    """On PostgreSQL: a new schema named after directory, and the daemon's
    `database` URI that works in it; None on SQLite."""
    base = os.environ.get("ACCESSD_TEST_PG")
    if not base:
        return None
    schema = "h_" + re.sub(r"[^a-z0-9]", "_", os.path.basename(directory).lower())
    psql(base, "CREATE SCHEMA %s" % schema)
    return "%s&options=-csearch_path%%3D%s" % (base, schema)


def pg_snapshot(uri):
    """db_snapshot on PostgreSQL, in one psql call."""
    sql = """SELECT json_build_object(
      'counts', (SELECT json_object_agg(table_name, (xpath('/row/c/text()', query_to_xml(
                   format('SELECT count(*) AS c FROM %I', table_name), false, true, '')))[1]::text::int)
                 FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_name NOT IN ('health', 'leases')),
      'sums', json_build_object(
          'access_requests', (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY seq), '')) FROM access_requests t),
          'installations', (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY seq), '')) FROM installations t)),
      'events', (SELECT coalesce(json_object_agg(type, n), '{}') FROM
                 (SELECT type, count(*) AS n FROM events GROUP BY type) e),
      'max_event', (SELECT coalesce(max(id), 0) FROM events))"""
    return json.loads(psql(uri, sql)[0][0])


def db_snapshot(path):
    """Row counts of every table, checksums of access_requests and installations,
    and events counted by type, read through a read-only connection."""
    if path.startswith("postgresql://"):
        return pg_snapshot(path)
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    try:
        counts = {}
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                  "AND name NOT LIKE 'sqlite_%' AND name NOT IN ('health', 'leases')"):
            counts[name] = db.execute('SELECT count(*) FROM "%s"' % name).fetchone()[0]
        sums = {}
        for table in ("access_requests", "installations"):
            h = hashlib.sha256()
            for row in db.execute("SELECT * FROM %s ORDER BY seq" % table):
                h.update(repr(row).encode())
            sums[table] = h.hexdigest()
        events = dict(db.execute("SELECT type, count(*) FROM events GROUP BY type").fetchall())
        max_event = db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        return {"counts": counts, "sums": sums, "events": events, "max_event": max_event}
    finally:
        db.close()


def event_diff(before, after):
    """The events added between two snapshots, by type."""
    diff = {}
    for t, n in after["events"].items():
        d = n - before["events"].get(t, 0)
        if d:
            diff[t] = d
    return diff


def percentile(values, p):
    """The p-th percentile (0..100) by nearest rank."""
    if not values:
        return float("nan")
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]
