"""Webhook deliveries end to end: the built daemon as a subprocess, receivers
of our own (receiver.py) on loopback, every signature checked by our code and,
for a sample of real deliveries, by the standardwebhooks npm package.

Each test gets a fresh daemon and database. Every wait polls with a deadline.
Run: python3 tests/webhooks/test_webhooks.py [TEST...]
"""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hostile"))
sys.path.insert(0, HERE)

from harness import Daemon, build_request, psql, raw_request  # noqa: E402
from receiver import Receiver, sign  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
HOOKS = "/api/v1/webhook-endpoints"


class Check(Exception):
    pass


def expect(cond, message):
    if not cond:
        raise Check(message)


def wait_until(predicate, timeout=20.0, what="a condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise Check("timed out waiting for " + what)


def create_endpoint(d, receiver, **fields):
    fields.setdefault("url", receiver.url)
    status, headers, doc = d.admin("POST", HOOKS, fields)
    expect(status == 201, "create answered %s: %s" % (status, doc))
    expect(headers.get("location") == HOOKS + "/" + doc["id"], "Location %r" % headers.get("location"))
    expect(re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", doc["secret"]), "secret %r" % doc["secret"])
    receiver.add_secret(doc["secret"])
    return doc


def endpoint(d, eid):
    status, _, doc = d.admin("GET", HOOKS + "/" + eid)
    expect(status == 200, "get answered %s" % status)
    expect("secret" not in doc, "get shows the secret")
    return doc


def grant(d, installation=None, reference=None):
    installation = installation or str(uuid.uuid4())
    _, token = d.create_request(reference=reference or "ref-" + installation[:8])
    status = raw_request(d.public_port, build_request(
        "GET", "/access-result/%s?success=true&installationId=%s" % (token, installation)))[0]
    expect(status == 200, "grant answered %s" % status)
    return installation


def revoke(d, installation):
    status, _, _ = d.admin("POST", "/api/v1/installations/%s/revoke" % installation)
    expect(status == 200, "revoke answered %s" % status)


def feed(d, types=None):
    items, after = [], 0
    while True:
        status, _, doc = d.admin("GET", "/api/v1/events?after=%d&limit=1000" % after)
        expect(status == 200, "events answered %s" % status)
        items += doc["items"]
        if not doc["items"]:
            break
        after = doc["nextAfter"]
    return [e for e in items if types is None or e["type"] in types]


def all_verified(receiver, deliveries):
    for x in deliveries:
        expect(x.signed_by, "%s: no signature verifies under any secret (%s)" % (x.id, x.signatures))


def metric(d, name):
    c = __import__("http.client").client.HTTPConnection("127.0.0.1", d.admin_port, timeout=10)
    c.request("GET", "/metrics", headers={"Authorization": "Bearer " + __import__("harness").TOKEN})
    text = c.getresponse().read().decode()
    c.close()
    m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else None, text


# --- the tests ---

def test_delivery_headers_body_and_signature(d, r):
    """A grant reaches the endpoint as the feed shows it, signed, with the
    Standard Webhooks headers, and the cursor moves."""
    ep = create_endpoint(d, r, description="backend")
    installation = grant(d)
    ds = r.wait_for(lambda ds: len(ds) >= 2)
    events = feed(d)
    expect([x.id for x in ds] == ["evt_%d" % e["id"] for e in events], "ids %s" % [x.id for x in ds])
    for x, e in zip(ds, events):
        expect(x.json == {"type": e["type"], "timestamp": e["at"], "data": e}, "body %r" % x.body)
        expect(x.headers["content-type"] == "application/json", "content-type")
        expect(x.headers["user-agent"].startswith("zaptec-accessd/"), "user-agent")
        expect(abs(int(x.timestamp) - time.time()) < 60, "timestamp %s" % x.timestamp)
        expect(len(x.signatures) == 1 and x.signed_by == {ep["secret"]}, "signature %s" % x.signatures)
    expect(ds[1].json["data"]["installationId"] == installation, "installation")
    doc = wait_until(lambda: (lambda e: e if e["deliveredThrough"] == events[-1]["id"] else None)(
        endpoint(d, ep["id"])), what="the cursor")
    expect(doc["pending"] == 0 and doc["lastStatus"] == 204 and doc["lastError"] is None, "endpoint %s" % doc)
    value, text = metric(d, 'accessd_webhook_deliveries_total{outcome="delivered"}')
    expect(value == 2, "delivered metric %s" % value)
    expect('accessd_webhook_pending_events{endpoint="%s"} 0' % ep["id"] in text, "pending metric")
    expect("accessd_webhook_delivery_duration_seconds_count 2" in text, "latency histogram")


def test_a_commit_wakes_the_delivery(d, r):
    """Each grant reaches the receiver right after its answer: the writer
    wakes the endpoint's thread, which otherwise looks only once a second
    (the median of a 1-second poll would be about 0.5 s)."""
    create_endpoint(d, r)
    lags = []
    for _ in range(10):
        n = r.count()
        installation = grant(d)
        acked = time.monotonic()
        ds = r.wait_for(lambda ds: any(x.json["data"]["installationId"] == installation for x in ds[n:]))
        arrived = [x.at for x in ds[n:] if x.json["data"]["installationId"] == installation][0]
        lags.append(max(0.0, arrived - acked))
    lags.sort()
    expect(lags[5] < 0.25, "median wait %.3f s: %s" % (lags[5], ["%.3f" % x for x in lags]))


def test_order_under_load(d, r):
    """A grant then a revocation for each of many installations, from several
    threads at once: every event arrives once, in id order."""
    create_endpoint(d, r)
    ids = [str(uuid.uuid4()) for _ in range(60)]
    errors = []

    def work(chunk):
        try:
            for i in chunk:
                grant(d, i)
                revoke(d, i)
        except Exception as e:  # reported below
            errors.append(e)
    threads = [threading.Thread(target=work, args=(ids[k::6],)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(not errors, "load: %s" % errors[:3])
    events = feed(d)
    ds = r.wait_for(lambda ds: len(ds) >= len(events), timeout=60)
    got = [x.event_id() for x in ds]
    expect(got == [e["id"] for e in events], "order or completeness differ: %s" % got[:20])
    all_verified(r, ds)
    for i in ids:
        kinds = [x.json["type"] for x in ds if x.json["data"]["installationId"] == i]
        expect(kinds.index("callback.granted") < kinds.index("installation.revoked"), "%s: %s" % (i, kinds))


def test_retries_keep_the_id_and_the_schedule(d, r):
    """The receiver redirects (never followed), fails, then succeeds: the
    same webhook-id three times, after the schedule's waits (1 s, then 2 s,
    ±10 %)."""
    r.set_script([(302, {"Location": r.url + "/elsewhere"}), 503])
    create_endpoint(d, r)
    d.create_request(reference="retry")
    ds = r.wait_for(lambda ds: len(ds) >= 3, timeout=20)
    expect([x.id for x in ds[:3]] == ["evt_1"] * 3, "ids %s" % [x.id for x in ds])
    expect(all(x.path == "/hook" for x in ds), "a redirect was followed: %s" % [x.path for x in ds])
    first, second = ds[1].at - ds[0].at, ds[2].at - ds[1].at
    expect(0.85 <= first <= 1.6, "first wait %.2f s" % first)
    expect(1.75 <= second <= 2.7, "second wait %.2f s" % second)
    all_verified(r, ds)


def test_retry_after_is_honoured(d, r):
    """A 429 with Retry-After: 3 waits at least 3 s, longer than the schedule."""
    r.set_script([(429, {"Retry-After": "3"})])
    ep = create_endpoint(d, r)
    d.create_request(reference="throttled")
    ds = r.wait_for(lambda ds: len(ds) >= 2, timeout=20)
    expect(ds[1].id == ds[0].id, "ids")
    expect(ds[1].at - ds[0].at >= 2.9, "waited %.2f s" % (ds[1].at - ds[0].at))
    doc = wait_until(lambda: (lambda e: e if e["lastStatus"] == 204 else None)(endpoint(d, ep["id"])),
                     what="the success")
    expect(doc["failingSince"] is None, "failingSince stays set")


def test_gone_disables_and_enabling_resumes(d, r):
    """A 410 disables the endpoint: event, warn line, metric; enabling it
    again delivers the same event once more."""
    r.set_script([410])
    ep = create_endpoint(d, r)
    d.create_request(reference="gone")
    doc = wait_until(lambda: (lambda e: e if not e["enabled"] else None)(endpoint(d, ep["id"])),
                     what="the endpoint to be disabled")
    expect(doc["disabledReason"] == "gone" and doc["disabledAt"] and doc["lastStatus"] == 410, "%s" % doc)
    expect(doc["deliveredThrough"] == 0, "the cursor moved")
    disabled = feed(d, {"webhook.endpoint.disabled"})
    expect(len(disabled) == 1 and disabled[0]["detail"] == {"endpointId": ep["id"], "reason": "gone"},
           "event %s" % disabled)
    expect(re.search(r'level=warn event=webhook.endpoint_disabled endpoint="?%s"? reason="?gone"?' % ep["id"],
                     d.log_text()), "no warn line")
    value, _ = metric(d, "accessd_webhook_endpoints_disabled_total")
    expect(value == 1, "metric %s" % value)
    time.sleep(0.5)
    expect(r.count() == 1, "delivered while disabled")
    status, _, doc = d.admin("PATCH", HOOKS + "/" + ep["id"], {"enabled": True})
    expect(status == 200 and doc["enabled"] and doc["disabledAt"] is None, "enable %s %s" % (status, doc))
    ds = r.wait_for(lambda ds: len(ds) >= 3, timeout=10)
    expect([x.id for x in ds[:3]] == ["evt_1", "evt_1", "evt_2"], "resumed %s" % [x.id for x in ds])


def test_no_success_for_disable_after_disables(d, r):
    """With webhook_disable_after = 2s and a receiver that always fails."""
    r.default_status = 500
    ep = create_endpoint(d, r)
    d.create_request(reference="failing")
    doc = wait_until(lambda: (lambda e: e if not e["enabled"] else None)(endpoint(d, ep["id"])),
                     timeout=20, what="the endpoint to be disabled")
    expect(doc["disabledReason"] == "failing" and doc["lastStatus"] == 500, "%s" % doc)
    expect(r.count() >= 2, "attempts %d" % r.count())
    expect(feed(d, {"webhook.endpoint.disabled"})[0]["detail"]["reason"] == "failing", "event")


def test_rotation_signs_with_both_secrets(d, r):
    ep = create_endpoint(d, r)
    d.create_request(reference="before")
    r.wait_for(lambda ds: len(ds) >= 1)
    status, _, doc = d.admin("POST", HOOKS + "/%s/rotate-secret" % ep["id"])
    expect(status == 200 and doc["secret"] != ep["secret"], "rotate %s" % status)
    r.add_secret(doc["secret"])
    d.create_request(reference="after")
    ds = r.wait_for(lambda ds: len(ds) >= 2)
    x = ds[1]
    expect(len(x.signatures) == 2, "signatures %s" % x.signatures)
    expect(x.signatures[0] == sign(doc["secret"], x.id, x.timestamp, x.body), "the first is not the new secret's")
    expect(x.signatures[1] == sign(ep["secret"], x.id, x.timestamp, x.body), "the second is not the old secret's")
    expect(len(ds[0].signatures) == 1, "before the rotation")
    verify_with_npm([(doc["secret"], x), (ep["secret"], x)])


def test_replay_and_its_limits(d, r):
    ep = create_endpoint(d, r)
    for i in range(3):
        d.create_request(reference="r%d" % i)
    r.wait_for(lambda ds: len(ds) >= 3)
    status, _, doc = d.admin("POST", HOOKS + "/%s/replay" % ep["id"], {"after": 1})
    expect(status == 202 and doc["deliveredThrough"] == 1, "replay %s %s" % (status, doc))
    ds = r.wait_for(lambda ds: len(ds) >= 5)
    expect([x.id for x in ds] == ["evt_1", "evt_2", "evt_3", "evt_2", "evt_3"], "%s" % [x.id for x in ds])
    status, _, doc = d.admin("POST", HOOKS + "/%s/replay" % ep["id"], {"after": 99})
    expect(status == 400 and doc["errors"][0]["field"] == "after", "past the end %s" % status)
    # Events purged as a retention pass leaves them: gone, and the purge
    # horizon moved past them. A replay from before it is 410.
    purge = ["DELETE FROM events WHERE id <= 2", "UPDATE event_purge SET purged_through = 2"]
    if d.database.startswith("postgresql://"):
        psql(d.database, "; ".join(purge))
    else:
        db = sqlite3.connect(d.database, timeout=10)
        for statement in purge:
            db.execute(statement)
        db.commit()
        db.close()
    status, headers, doc = d.admin("POST", HOOKS + "/%s/replay" % ep["id"], {"after": 1})
    expect(status == 410 and doc["oldestAvailable"] == 3, "gone %s %s" % (status, doc))
    expect(headers["content-type"] == "application/problem+json", "problem type")
    status, _, _ = d.admin("POST", HOOKS + "/%s/replay" % ep["id"], {"after": 2})
    expect(status == 202, "from the oldest kept: %s" % status)
    ds = r.wait_for(lambda ds: len(ds) >= 6)
    expect(ds[5].id == "evt_3", "%s" % ds[5].id)
    status, _, _ = d.admin("POST", HOOKS + "/%s/replay" % uuid.uuid4(), {"after": 0})
    expect(status == 404, "unknown endpoint %s" % status)


def test_test_message_is_outside_the_feed(d, r):
    ep = create_endpoint(d, r)
    status, _, doc = d.admin("POST", HOOKS + "/%s/test" % ep["id"])
    expect(status == 202, "test %s" % status)
    ds = r.wait_for(lambda ds: len(ds) >= 1)
    x = ds[0]
    expect(x.id.startswith("test_") and x.signed_by, "id %s" % x.id)
    expect(x.json["type"] == "webhook.test" and x.json["data"] == {"endpointId": ep["id"]}, "%r" % x.body)
    expect(feed(d) == [] and endpoint(d, ep["id"])["deliveredThrough"] == 0, "the feed or cursor moved")
    verify_with_npm([(ep["secret"], x)])


def test_types_filter(d, r):
    ep = create_endpoint(d, r, types=["installation.revoked"])
    expect(ep["types"] == ["installation.revoked"], "types %s" % ep["types"])
    a, b = grant(d), grant(d)
    revoke(d, b)
    ds = r.wait_for(lambda ds: len(ds) >= 1)
    revoked = feed(d, {"installation.revoked"})
    time.sleep(0.5)
    ds = r.wait_for(lambda ds: True)
    expect([x.event_id() for x in ds] == [revoked[0]["id"]], "%s" % [x.id for x in ds])
    doc = endpoint(d, ep["id"])
    expect(doc["pending"] == 0, "pending %s" % doc["pending"])
    # A patch to every type: events from here on, all of them.
    status, _, doc = d.admin("PATCH", HOOKS + "/" + ep["id"], {"types": None, "description": "all"})
    expect(status == 200 and doc["types"] is None and doc["description"] == "all", "patch %s" % doc)
    revoke(d, a)
    ds = r.wait_for(lambda ds: len(ds) >= 2)
    expect(ds[1].json["type"] == "installation.revoked" and ds[1].json["data"]["installationId"] == a, "after")


def test_sigkill_during_delivery_skips_nothing(d, r):
    """SIGKILL while events are being delivered to a slowish receiver, three
    times (once on PostgreSQL): every event arrives, in order; only those delivered since the
    cursor's last commit (at most 16, the daemon's bound) may come twice."""
    r.delay = 0.02
    create_endpoint(d, r)
    for i in range(150):
        d.create_request(reference="k%d" % i)
    # On PostgreSQL the restarted daemon is another lease holder: it waits up
    # to 25 s for its predecessor's lease to expire, so one kill there.
    kills = 1 if d.database.startswith("postgresql://") else 3
    for kill in range(kills):
        n = r.count()
        r.wait_for(lambda ds: len(ds) >= n + 20, timeout=30)
        d.kill()
        d.start()
    events = feed(d)
    ds = r.wait_for(lambda ds: ds and ds[-1].event_id() == events[-1]["id"], timeout=60)
    got = [x.event_id() for x in ds]
    runs = delivery_runs(got, [e["id"] for e in events])
    # A restart resumes at the committed cursor: each run after the first
    # starts at most 16 events before where the previous one stopped.
    expect(len(runs) <= kills + 1, "%d rewinds for %d kills: runs %s" % (len(runs) - 1, kills, runs))
    for (_, end), (start, _) in zip(runs, runs[1:]):
        expect(start > end - 16, "a restart resumed at %d after %d: runs %s" % (start, end, runs))
    print("  %d deliveries of %d events across %d kills, runs %s" % (len(got), len(events), kills, runs))


def delivery_runs(got, ids):
    """Splits the delivered event ids into runs that follow the feed `ids`
    one by one and returns each run as (first, last) positions in the feed.
    Fails on a delivery that is neither the feed's next event nor a restart
    at an event delivered before, and unless the last run ends the feed."""
    position = {event_id: k for k, event_id in enumerate(ids)}
    runs = []
    for k, event_id in enumerate(got):
        expect(event_id in position, "delivery %d is event %s, not in the feed" % (k, event_id))
        at = position[event_id]
        if runs and at == runs[-1][1] + 1:
            runs[-1][1] = at
            continue
        highest = max((end for _, end in runs), default=-1)
        expect(at <= highest or (not runs and at == 0),
               "delivery %d skipped to event %s after position %d" % (k, event_id, highest))
        runs.append([at, at])
    expect(runs and runs[-1][1] == len(ids) - 1, "the deliveries end before the feed: %s" % runs)
    return [tuple(run) for run in runs]


def test_bad_receivers_cost_one_attempt_each(d, r):
    """Closing in the head or the body of the answer, a 10 MB answer and a
    hang are one failed attempt each; a slow 2xx is a delivery; meanwhile
    another endpoint is served."""
    r.set_script(["close", "cut", "big", "hang", "slow"])
    slow = create_endpoint(d, r)
    fast = Receiver()
    try:
        create_endpoint(d, fast)
        d.create_request(reference="bad-receivers")
        ds = r.wait_for(lambda ds: len(ds) >= 4, timeout=20)
        started = time.monotonic()
        # While the first endpoint hangs, the second still gets new events.
        d.create_request(reference="meanwhile")
        fast_ds = fast.wait_for(lambda ds: len(ds) >= 2, timeout=5)
        expect(time.monotonic() - started < 5, "the second endpoint waited")
        ds = r.wait_for(lambda ds: len(ds) >= 6, timeout=40)
        expect([x.id for x in ds[:5]] == ["evt_1"] * 5 and ds[5].id == "evt_2", "%s" % [x.id for x in ds])
        doc = wait_until(lambda: (lambda e: e if e["deliveredThrough"] == 2 else None)(endpoint(d, slow["id"])),
                         timeout=20, what="the slow endpoint's cursor")
        expect(doc["enabled"], "disabled")
        expect(len(fast_ds) >= 2 and all(x.signed_by for x in fast_ds), "fast receiver")
        log = d.log_text()
        failed = re.findall(r'event=webhook.attempt_failed endpoint="?%s"?' % slow["id"], log)
        expect(len(failed) == 4, "failed attempts: %d" % len(failed))
        expect("no answer within 15 s" in log, "the hang's error")
    finally:
        fast.stop()


def test_endpoints_api(d, r):
    """List, get, patch, delete; bad ids; the answers' shapes."""
    a = create_endpoint(d, r)
    b = create_endpoint(d, r, types=["callback.granted", "installation.revoked"], description="two")
    status, _, doc = d.admin("GET", HOOKS)
    expect(status == 200 and [x["id"] for x in doc["items"]] == [a["id"], b["id"]], "list %s" % doc)
    expect(all("secret" not in x for x in doc["items"]), "list shows secrets")
    keys = {"id", "url", "types", "description", "enabled", "createdAt", "deliveredThrough", "pending",
            "lastAttemptAt", "lastStatus", "lastError", "failingSince", "disabledAt", "disabledReason"}
    expect(set(doc["items"][1]) == keys, "fields %s" % sorted(doc["items"][1]))
    status, _, doc = d.admin("PATCH", HOOKS + "/" + a["id"], {"enabled": False})
    expect(status == 200 and not doc["enabled"] and doc["disabledAt"], "disable %s" % doc)
    status, _, doc = d.admin("POST", HOOKS + "/%s/test" % a["id"])
    expect(status == 409, "test of a disabled endpoint %s" % status)
    status, headers, body = d.admin("DELETE", HOOKS + "/" + a["id"])
    expect(status == 204 and body is None, "delete %s" % status)
    for method, path in (("GET", a["id"]), ("DELETE", a["id"]), ("PATCH", a["id"]),
                         ("GET", "not-a-uuid"), ("POST", a["id"] + "/rotate-secret")):
        status, _, _ = d.admin(method, HOOKS + "/" + path, {} if method == "PATCH" else None)
        expect(status == 404, "%s %s answered %s" % (method, path, status))
    # At most 32 endpoints (one delivery thread each).
    for _ in range(31):
        create_endpoint(d, r)
    status, _, doc = d.admin("POST", HOOKS, {"url": r.url})
    expect(status == 409 and "32" in doc["detail"], "the 33rd endpoint: %s %s" % (status, doc))


def test_readme_worked_example():
    """The README's worked example: its signature is what our own HMAC of its
    secret, id, timestamp and body gives, and its verifier accepts it and
    refuses it changed (the C suite checks the daemon's signing)."""
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    fields = dict(re.findall(r"^    (secret|webhook-id|webhook-timestamp|body|webhook-signature): +(.+)$", text, re.M))
    expect(len(fields) == 5, "the example's lines: %s" % sorted(fields))
    body = fields["body"].encode()
    got = sign(fields["secret"], fields["webhook-id"], fields["webhook-timestamp"], body)
    expect(got == fields["webhook-signature"], "README signature %s, computed %s" % (fields["webhook-signature"], got))
    code = re.search(r"^    import base64, hashlib, hmac, json, time\n(?:(?:    .*)?\n)+", text, re.M)
    expect(code, "no verifier in the README")
    scope = {}
    exec(compile("\n".join(line[4:] for line in code.group(0).splitlines()), "README verifier", "exec"), scope)
    headers = {k: fields[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    now = int(fields["webhook-timestamp"])
    expect(scope["verify"](fields["secret"], headers, body, now=now)["data"]["id"] == 42, "verifier")
    for bad in ((body + b" ", now), (body, now + 301)):
        try:
            scope["verify"](fields["secret"], headers, bad[0], now=bad[1])
        except ValueError:
            continue
        raise Check("the README verifier accepted a changed message or an old timestamp")


def verify_with_npm(pairs):
    """Checks (secret, delivery) pairs with the standardwebhooks package."""
    npm_dir = os.path.join(HERE, "npm")
    payload = {"deliveries": [{"secret": s, "headers": {k: x.headers[k] for k in
                                                        ("webhook-id", "webhook-timestamp", "webhook-signature")},
                               "body": x.body.decode()} for s, x in pairs]}
    p = subprocess.run(["node", os.path.join(npm_dir, "verify.js")], input=json.dumps(payload).encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60, cwd=npm_dir)
    expect(p.returncode == 0, "standardwebhooks: %s" % p.stdout.decode()[-800:])
    expect(json.loads(p.stdout)["verified"] == len(pairs), "standardwebhooks verified %s" % p.stdout)


def test_standardwebhooks_verifies_real_deliveries(d, r):
    """Grants, a revocation and a denial delivered for real, each verified by
    the specification authors' library."""
    ep = create_endpoint(d, r)
    i = grant(d)
    revoke(d, i)
    _, token = d.create_request(reference="deny")
    raw_request(d.public_port, build_request("GET", "/access-result/%s?success=false" % token))
    ds = r.wait_for(lambda ds: len(ds) >= 5)
    verify_with_npm([(ep["secret"], x) for x in ds])
    print("  sample delivery: %s" % json.dumps({k: ds[1].headers[k] for k in
          ("webhook-id", "webhook-timestamp", "webhook-signature")}))
    print("  body: %s" % ds[1].body.decode())


CONFIG = {
    "test_retries_keep_the_id_and_the_schedule": ["webhook_retry_schedule = 1s 2s"],
    "test_retry_after_is_honoured": ["webhook_retry_schedule = 1s"],
    "test_no_success_for_disable_after_disables": ["webhook_retry_schedule = 1s",
                                                   "webhook_disable_after = 2s"],
    "test_bad_receivers_cost_one_attempt_each": ["webhook_retry_schedule = 1s"],
}


def main(names):
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_") and callable(f)]
    if names:
        tests = [(n, f) for n, f in tests if n in names]
    failed = 0
    for name, fn in tests:
        started = time.monotonic()
        d = r = None
        try:
            if fn.__code__.co_argcount == 0:
                fn()
            else:
                r = Receiver()
                d = Daemon(extra=CONFIG.get(name, []))
                d.start()
                fn(d, r)
            print("ok   %s (%.1f s)" % (name, time.monotonic() - started))
        except Exception as e:
            failed += 1
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
            if d is not None:
                print("  log tail:\n" + "\n".join(d.log_text().splitlines()[-15:]))
        finally:
            if d is not None:
                d.stop()
            if r is not None:
                r.stop()
    print("%d tests, %d failed" % (len(tests), failed))
    return 1 if failed or not tests else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
