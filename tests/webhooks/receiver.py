"""A webhook receiver for the tests: Python's standard library only.

Receiver listens on 127.0.0.1, port 0, and checks every delivery's
Standard Webhooks signature with its own code (hmac, hashlib, base64) against
the secrets it was given, recording each request: its headers, raw body, which
secrets signed it and when it arrived. Its answers are scripted: a queue of
behaviours taken one per request (a status, "hang", "slow", "big", "close"),
then a default status.
"""

import base64
import hashlib
import hmac
import http.server
import json
import socket
import threading
import time


def sign(secret, msg_id, timestamp, body):
    """The v1 signature of body (bytes) under secret ("whsec_..."), our own way."""
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    mac = hmac.new(key, b"%s.%s.%s" % (msg_id.encode(), str(timestamp).encode(), body), hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


class Delivery:
    def __init__(self, headers, body, secrets):
        self.headers = headers
        self.body = body
        self.at = time.monotonic()
        self.id = headers.get("webhook-id")
        self.timestamp = headers.get("webhook-timestamp")
        self.signatures = (headers.get("webhook-signature") or "").split(" ")
        # For each known secret: whether one of the signatures is its own.
        self.signed_by = set()
        for s in secrets:
            want = sign(s, self.id or "", self.timestamp or "", body)
            if any(hmac.compare_digest(want, got) for got in self.signatures):
                self.signed_by.add(s)
        try:
            self.json = json.loads(body)
        except ValueError:
            self.json = None

    def event_id(self):
        return int(self.id[4:]) if self.id and self.id.startswith("evt_") else None


class Receiver:
    def __init__(self, secrets=(), default_status=204):
        self.secrets = list(secrets)
        self.default_status = default_status
        self.delay = 0.0  # seconds before every answer
        self.script = []
        self.deliveries = []
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.release = threading.Event()  # ends "hang" answers
        # Requests being answered now, and the most at once: more than one
        # means two senders delivered to this receiver at the same time.
        self.in_flight = 0
        self.max_in_flight = 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                with receiver.lock:
                    receiver.in_flight += 1
                    receiver.max_in_flight = max(receiver.max_in_flight, receiver.in_flight)
                try:
                    self.receive()
                finally:
                    with receiver.lock:
                        receiver.in_flight -= 1

            def receive(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = dict((k.lower(), v) for k, v in self.headers.items())
                with receiver.lock:
                    secrets = list(receiver.secrets)
                    action = receiver.script.pop(0) if receiver.script else receiver.default_status
                d = Delivery(headers, body, secrets)
                d.path = self.path
                d.peer = self.client_address[1]  # the sender's connection
                with receiver.lock:
                    receiver.deliveries.append(d)
                    receiver.changed.notify_all()
                receiver.answer(self, action)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/hook" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, h, action):
        """Answers one request as scripted: an int status, or (status, headers),
        or "hang" (until released or 30 s), "slow" (the head after 2 s),
        "big" (a 10 MB body), "close" (half a head, then close), "cut" (a
        200 head, part of its body, then close)."""
        if self.delay:
            time.sleep(self.delay)
        if action == "hang":
            self.release.wait(30)
            h.close_connection = True
            return
        if action == "close":
            h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Le")
            h.wfile.flush()
            h.connection.shutdown(socket.SHUT_RDWR)
            h.close_connection = True
            return
        if action == "cut":
            h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
            h.wfile.flush()
            h.connection.shutdown(socket.SHUT_RDWR)
            h.close_connection = True
            return
        if action == "slow":
            time.sleep(2)
            action = 204
        if action == "big":
            h.send_response(500)
            h.send_header("Content-Length", str(10 * 1024 * 1024))
            h.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(160):
                    h.wfile.write(chunk)
            except OSError:
                pass
            h.close_connection = True
            return
        headers = {}
        if isinstance(action, tuple):
            action, headers = action
        h.send_response(action)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", "0")
        h.end_headers()

    def add_secret(self, secret):
        with self.lock:
            self.secrets.append(secret)

    def set_script(self, actions):
        with self.lock:
            self.script = list(actions)

    def wait_for(self, predicate, timeout=20.0, what="deliveries"):
        """Waits until predicate(deliveries) is true; returns the deliveries."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while not predicate(self.deliveries):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for %s; got %d: %s" % (
                        what, len(self.deliveries), [d.id for d in self.deliveries][-10:]))
                self.changed.wait(min(left, 0.2))
            return list(self.deliveries)

    def count(self):
        with self.lock:
            return len(self.deliveries)

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
