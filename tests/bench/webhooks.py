"""The webhook part of 'make bench', on a daemon and database of its own.

  webhooks.py --bin BIN --dir DIR --hook-url URL --events N --callbacks M --out FILE

1. Throughput: N events are written into a fresh database, the daemon starts,
   an endpoint for URL (a fast receiver with keep-alive: nginx answering 204)
   is created and replayed from 0; the time until its cursor reaches the last
   event gives events per second to one endpoint, each delivery durable
   before the next.
2. Commit to delivery: an endpoint for callback.granted on a receiver of our
   own (Python, loopback) and M granted callbacks at about 100 a second, one
   at a time; for each, the time from the callback's answer (sent right
   after its commit) to the delivery's arrival at the receiver.
Writes {"throughput": {...}, "latency": {...}} as JSON to FILE.
"""

import argparse
import http.client
import http.server
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


class Admin:
    """The admin API over one keep-alive connection."""

    def __init__(self, port, token):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.token = token

    def call(self, method, path, body=None):
        headers = {"Authorization": "Bearer " + self.token}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.c.request(method, path, body=data, headers=headers)
        r = self.c.getresponse()
        raw = r.read()
        return r.status, json.loads(raw) if raw else None


def start(args, conf, admin_port, log_path):
    log = open(log_path, "ab")
    proc = subprocess.Popen([args.bin, "-c", conf, "serve"], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", admin_port, timeout=1)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    sys.exit("webhooks bench: the daemon did not start; see %s" % log_path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--hook-url", required=True)
    p.add_argument("--events", type=int, default=20000)
    p.add_argument("--callbacks", type=int, default=500)
    p.add_argument("--out", required=True)
    args = p.parse_args()

    public_port, admin_port = free_port(), free_port()
    token = uuid.uuid4().hex + uuid.uuid4().hex
    token_file = os.path.join(args.dir, "hooks-token")
    with open(token_file, "w") as f:
        f.write(token + "\n")
    os.chmod(token_file, 0o600)
    db_path = os.path.join(args.dir, "hooks.db")
    conf = os.path.join(args.dir, "hooks.conf")
    with open(conf, "w") as f:
        f.write("lookup_key = BNCH\npublic_url = http://127.0.0.1:%d\npartner_name = Bench\n"
                "listen = 127.0.0.1:%d\nadmin_listen = 127.0.0.1:%d\ndatabase = %s\n"
                "api_token_file = %s\nlog_level = warn\n"
                % (public_port, public_port, admin_port, db_path, token_file))
    subprocess.run([args.bin, "-c", conf, "migrate"], check=True, stdout=subprocess.DEVNULL)

    # The events, as the feed would hold them after a campaign's callbacks.
    db = sqlite3.connect(db_path)
    now = int(time.time())
    detail = json.dumps({"query": "success=true&installationId=" + str(uuid.uuid4()),
                         "client": "203.0.113.7", "success": True})
    db.executemany("INSERT INTO events (at, type, request_id, installation_id, reference, detail)"
                   " VALUES (?, 'callback.granted', ?, ?, ?, ?)",
                   ((now, str(uuid.uuid4()), str(uuid.uuid4()), "customer-%d" % i, detail)
                    for i in range(args.events)))
    db.commit()
    db.close()

    log_path = os.path.join(args.dir, "hooks.log")
    proc = start(args, conf, admin_port, log_path)
    result = {}
    try:
        admin = Admin(admin_port, token)
        status, ep = admin.call("POST", "/api/v1/webhook-endpoints", {"url": args.hook_url})
        assert status == 201, status
        started = time.monotonic()
        status, _ = admin.call("POST", "/api/v1/webhook-endpoints/%s/replay" % ep["id"], {"after": 0})
        assert status == 202, status
        while True:
            _, doc = admin.call("GET", "/api/v1/webhook-endpoints/" + ep["id"])
            if doc["deliveredThrough"] >= args.events:
                break
            if time.monotonic() - started > 300:
                sys.exit("webhooks bench: delivery stalled at %s" % doc)
            time.sleep(0.02)
        seconds = time.monotonic() - started
        result["throughput"] = {"events": args.events, "seconds": round(seconds, 3),
                                "rate": round(args.events / seconds, 1), "receiver": "nginx return 204",
                                "target": 2000}
        admin.call("DELETE", "/api/v1/webhook-endpoints/" + ep["id"])

        arrivals = {}
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                at = time.time()
                msg = json.loads(body)
                with lock:
                    arrivals[msg["data"]["installationId"]] = at
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        status, ep = admin.call("POST", "/api/v1/webhook-endpoints",
                                {"url": "http://127.0.0.1:%d/" % server.server_address[1],
                                 "types": ["callback.granted"]})
        assert status == 201, status
        tokens = []
        for i in range(args.callbacks):
            status, doc = admin.call("POST", "/api/v1/access-requests", {"reference": "lat-%d" % i})
            tokens.append(doc["connectUrl"].rsplit("/", 1)[1])
        public = http.client.HTTPConnection("127.0.0.1", public_port, timeout=30)
        acked = {}
        for t in tokens:
            installation = str(uuid.uuid4())
            public.request("GET", "/access-result/%s?success=true&installationId=%s" % (t, installation))
            r = public.getresponse()
            r.read()
            acked[installation] = time.time()
            assert r.status == 200, r.status
            time.sleep(0.01)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with lock:
                if len(arrivals) >= len(acked):
                    break
            time.sleep(0.02)
        server.shutdown()
        lat = [(arrivals[i] - t) * 1000 for i, t in acked.items() if i in arrivals]
        result["latency"] = {"callbacks": len(acked), "delivered": len(lat),
                             "p50_ms": round(percentile(lat, 50), 2), "p99_ms": round(percentile(lat, 99), 2),
                             "max_ms": round(max(lat), 2)}
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
