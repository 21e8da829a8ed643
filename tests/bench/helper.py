#!/usr/bin/env python3
"""Helpers for tests/bench/run.sh, one subcommand each:

  free-ports N                   print N distinct free TCP ports on 127.0.0.1
  create-requests ...            open access requests through the admin API
  open-requests ...              insert open access requests straight into the database
  start-daemon ...               start the daemon, time it until /readyz answers 200
  report ...                     medians, ratios, targets: print the table, write JSON

Only the standard library is used, so the benchmark needs nothing beyond python3.
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse


def die(message):
    print("bench: " + message, file=sys.stderr)
    sys.exit(1)


def free_ports(args):
    """Binds N sockets to port 0 at once, so the ports are distinct, and prints them."""
    socks = []
    for _ in range(args.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    print(" ".join(str(s.getsockname()[1]) for s in socks))
    for s in socks:
        s.close()


def create_requests(args):
    """Creates access requests with POST /api/v1/access-requests over one keep-alive
    connection. Writes the path of each connect link to --paths, and the portal URL
    of the first request to --portal (nginx answers with a URL of that length)."""
    host, port = args.admin.rsplit(":", 1)
    with open(args.token_file) as f:
        token = f.read().strip()
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    paths = []
    portal = None
    for i in range(args.count):
        body = json.dumps({"reference": "bench-%d" % i})
        conn.request("POST", "/api/v1/access-requests", body, headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 201:
            die("POST /api/v1/access-requests answered %d: %s" % (resp.status, data[:300]))
        obj = json.loads(data)
        if "connectUrl" not in obj or "portalUrl" not in obj:
            die("access request without connectUrl/portalUrl: %s" % data[:300])
        paths.append(urllib.parse.urlsplit(obj["connectUrl"]).path)
        if portal is None:
            portal = obj["portalUrl"]
    conn.close()
    with open(args.paths, "w") as f:
        f.write("\n".join(paths) + "\n")
    with open(args.portal, "w") as f:
        f.write(portal + "\n")


def random_guid(raw):
    """Formats 16 random bytes as a lowercase version 4 GUID."""
    h = raw.hex()
    return "%s-%s-4%s-a%s-%s" % (h[0:8], h[8:12], h[13:16], h[17:20], h[20:32])


def open_requests(args):
    """Makes --count open (pending) access requests per round and writes for
    round r the file PREFIX-r.paths of callback paths, each with its own
    installation GUID. With --db the rows go straight into that SQLite
    database, in one transaction; with --copy they are written to that file in
    PostgreSQL's COPY text format, for psql's \\copy into access_requests."""
    now = int(time.time())
    rows = []
    for r in range(1, args.rounds + 1):
        lines = []
        for i in range(args.count):
            raw = os.urandom(48)
            token = base64.urlsafe_b64encode(raw[:16]).rstrip(b"=").decode()
            rows.append((random_guid(raw[16:32]), hashlib.sha256(raw[:16]).digest(),
                         "bench-cb-%d-%d" % (r, i), args.partner, now, now + 7 * 86400))
            lines.append("/access-result/%s?success=true&installationId=%s"
                         % (token, random_guid(raw[32:48])))
        with open("%s-%d.paths" % (args.prefix, r), "w") as f:
            f.write("\n".join(lines) + "\n")
    if args.copy:
        # The partner name is the bench's own, with nothing COPY would need escaped.
        with open(args.copy, "w") as f:
            for guid, token_hash, reference, partner, created, expires in rows:
                f.write("%s\t\\\\x%s\t%s\t1\t%s\ten\tpending\t%d\t%d\n"
                        % (guid, token_hash.hex(), reference, partner, created, expires))
        return
    db = sqlite3.connect(args.db, timeout=30)
    # Only the setup is fast and loose; the daemon opens the file with its own settings.
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -262144")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO access_requests (id, token_hash, reference, installation_type,"
        " partner_name, lang, status, created_at, expires_at)"
        " VALUES (?, ?, ?, 1, ?, 'en', 'pending', ?, ?)", rows)
    db.commit()
    db.close()


def readyz_status(port):
    """One GET /readyz on a fresh connection: the status code, or None when the
    listener is not there yet."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            head = s.recv(64)
    except OSError:
        return None
    parts = head.split(b" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    return int(parts[1])


def start_daemon(args):
    """Starts the daemon in the background and polls /readyz in a tight loop
    until it answers 200. Prints {"pid": .., "ready_ms": ..}, the time from just
    before the fork to the first 200. The daemon keeps running. Fails, with
    the end of its log, when it exits or is not ready within --timeout seconds."""
    port = int(args.admin.rsplit(":", 1)[1])
    log = open(args.log, "ab")
    started = time.time()
    start = time.monotonic()
    proc = subprocess.Popen([args.bin, "-c", args.conf, "serve"], stdin=subprocess.DEVNULL,
                            stdout=log, stderr=log)
    deadline = start + args.timeout
    while True:
        status = readyz_status(port)
        if status == 200:
            break
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
            with open(args.log, "rb") as f:
                tail = f.read()[-2000:].decode(errors="replace")
            why = ("exited with status %d" % proc.returncode if proc.returncode > 0 else
                   "was not ready within %gs (last /readyz: %s)" % (args.timeout, status))
            die("the daemon %s; its log ends:\n%s" % (why, tail))
        time.sleep(0.0005)
    ready_ms = (time.monotonic() - start) * 1000
    print(json.dumps({"pid": proc.pid, "ready_ms": round(ready_ms, 2), "started": started}))


# ---- report -----------------------------------------------------------------

def machine(tmpdir):
    """Describes the machine: CPUs, memory, kernel and the disk under tmpdir."""
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    src, fstype = "unknown", "unknown"
    try:
        out = subprocess.run(["findmnt", "-no", "SOURCE,FSTYPE", "-T", tmpdir],
                             capture_output=True, text=True, check=True).stdout.split()
        src, fstype = out[0], out[1]
    except (OSError, subprocess.CalledProcessError, IndexError):
        pass
    disk = src
    name = os.path.basename(src)
    sysdir = "/sys/class/block/" + name
    if os.path.exists(sysdir + "/partition"):
        sysdir = os.path.dirname(os.path.realpath(sysdir))
    try:
        with open(sysdir + "/queue/rotational") as f:
            rotational = f.read().strip() == "1"
        kind = "virtio" if name.startswith("vd") else "nvme" if name.startswith("nvme") else "block"
        disk = "%s on %s (%s, rotational=%d)" % (fstype, src, kind, rotational)
    except OSError:
        disk = "%s on %s" % (fstype, src)
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_mib": mem_kib // 1024,
        "kernel": platform.release(),
        "disk": disk,
    }


def load_rounds(results, name):
    """Reads results/NAME-1.json, NAME-2.json ... in order; [] when there are none."""
    rounds = []
    r = 1
    while os.path.exists(os.path.join(results, "%s-%d.json" % (name, r))):
        with open(os.path.join(results, "%s-%d.json" % (name, r))) as f:
            rounds.append(json.load(f))
        r += 1
    return rounds


def median_of(rounds, key):
    values = [x[key] for x in rounds if key in x]
    return statistics.median(values) if values else None


def summarize(rounds):
    """Medians over rounds of a wrk measurement, plus the sum of its errors."""
    if not rounds:
        return None
    errors = sum(sum(r["errors"].values()) for r in rounds)
    return {
        "rps": median_of(rounds, "rps"),
        "p50_ms": median_of(rounds, "p50_ms"),
        "p99_ms": median_of(rounds, "p99_ms"),
        "errors": errors,
        "repeated": sum(r.get("repeated", 0) for r in rounds),
        "rounds": rounds,
    }


def combine_pairs(a_rounds, b_rounds):
    """Two instances measured at once, round by round: the rates and counts
    added, the latencies the worse of the two."""
    combined = []
    for a, b in zip(a_rounds, b_rounds):
        combined.append({
            "rps": a["rps"] + b["rps"],
            "requests": a["requests"] + b["requests"],
            "p50_ms": max(a["p50_ms"], b["p50_ms"]),
            "p99_ms": max(a["p99_ms"], b["p99_ms"]),
            "errors": {k: a["errors"].get(k, 0) + b["errors"].get(k, 0)
                       for k in set(a["errors"]) | set(b["errors"])},
            "repeated": a.get("repeated", 0) + b.get("repeated", 0),
            "instances": [a, b],
        })
    return combined


def read_facts(path):
    facts = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    facts[k] = v
    return facts


def writer_costs(results, engine=""):
    """Per callback round, from the writer's /metrics counters before and after
    it: the share of the round the writer was busy, and its time and WAL pages
    per job. Medians over rounds; None when the counters are missing. ENGINE
    prefixes the counter files' names: "pg-" for the rounds on PostgreSQL."""
    def counters(path):
        values = {}
        with open(path) as f:
            for line in f:
                name, value = line.split()
                values[name] = float(value)
        return values

    rounds = []
    r = 1
    while os.path.exists(os.path.join(results, "%swriter-after-%d.txt" % (engine, r))):
        a = counters(os.path.join(results, "%swriter-before-%d.txt" % (engine, r)))
        b = counters(os.path.join(results, "%swriter-after-%d.txt" % (engine, r)))
        ours = "callback-pg" if engine else "callback-ours"
        with open(os.path.join(results, "%s-%d.json" % (ours, r))) as f:
            seconds = json.load(f)["seconds"]
        jobs = b["accessd_db_write_jobs_total"] - a["accessd_db_write_jobs_total"]
        busy = (b["accessd_db_writer_busy_seconds_total"]
                - a["accessd_db_writer_busy_seconds_total"])
        frames = b["accessd_db_wal_frames_total"] - a["accessd_db_wal_frames_total"]
        commits = b["accessd_db_commits_total"] - a["accessd_db_commits_total"]
        if jobs > 0 and commits > 0:
            rounds.append({"busy_share": busy / seconds, "us_per_job": busy / jobs * 1e6,
                           "wal_pages_per_job": frames / jobs,
                           "jobs_per_commit": jobs / commits})
        r += 1
    if not rounds:
        return None
    return {k: statistics.median(x[k] for x in rounds) for k in rounds[0]} | {"rounds": rounds}


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def verdict(ok):
    return "n/a" if ok is None else "PASS" if ok else "FAIL"


def report(args):
    """Gathers the round files of one run, prints the table and writes the JSON."""
    facts = read_facts(os.path.join(args.results, "facts"))
    connect = summarize(load_rounds(args.results, "connect-ours"))
    nginx = summarize(load_rounds(args.results, "connect-nginx"))
    callback = summarize(load_rounds(args.results, "callback-ours"))
    callback_ram = summarize(load_rounds(args.results, "callback-ram"))
    raw_rounds = load_rounds(args.results, "callback-raw")
    raw = {"rate": median_of(raw_rounds, "rate"), "rounds": raw_rounds} if raw_rounds else None
    listing = summarize(load_rounds(args.results, "list-ours"))
    byref = summarize(load_rounds(args.results, "reference-ours"))
    purge_during = summarize(load_rounds(args.results, "purge-during"))
    purge_calm = summarize(load_rounds(args.results, "purge-calm"))
    startups = load_rounds(args.results, "startup")
    startup_ms = median_of(startups, "ready_ms")
    hwm_kib = int(facts["vmhwm_kib"]) if "vmhwm_kib" in facts else None
    pg_connect = summarize(load_rounds(args.results, "connect-pg"))
    pg_callback = summarize(load_rounds(args.results, "callback-pg"))
    pg_raw_rounds = load_rounds(args.results, "callback-pgraw")
    pg_raw = ({"rate": median_of(pg_raw_rounds, "rate"), "rounds": pg_raw_rounds}
              if pg_raw_rounds else None)
    pair = summarize(combine_pairs(load_rounds(args.results, "callback-pair-a"),
                                   load_rounds(args.results, "callback-pair-b")))
    pg_listing = summarize(load_rounds(args.results, "list-pg"))
    pg_byref = summarize(load_rounds(args.results, "reference-pg"))
    pg_startups = load_rounds(args.results, "startup-pg")
    pg_startup_ms = median_of(pg_startups, "ready_ms")
    pg_hwm_kib = int(facts["pg_vmhwm_kib"]) if "pg_vmhwm_kib" in facts else None
    installations = "{:,}".format(int(facts.get("installations", "1000000")))

    def ratio(a, b):
        return a / b if a is not None and b else None

    connect_ratio = ratio(connect and connect["rps"], nginx and nginx["rps"])
    callback_ratio = ratio(callback and callback["rps"], raw and raw["rate"])
    pg_connect_ratio = ratio(pg_connect and pg_connect["rps"], nginx and nginx["rps"])
    pg_callback_ratio = ratio(pg_callback and pg_callback["rps"], pg_raw and pg_raw["rate"])
    pair_ratio = ratio(pair and pair["rps"], pg_raw and pg_raw["rate"])

    def durable(key):
        return facts.get(key + "_durable") == "yes" if key + "_durable" in facts else None

    durable_ok = durable("callback")
    pg_durable_ok = durable("pg_callback")
    pair_durable_ok = durable("pair_callback")

    def clean(m):
        return m is not None and m["errors"] == 0 and m["repeated"] == 0

    rows = []
    checks = []

    def row(name, rps, p50, p99, ref, rat, target, ok):
        rows.append((name, rps, p50, p99, ref, rat, target, verdict(ok)))
        checks.append({"name": name, "target": target, "pass": ok})

    conc = facts.get("load", "")
    if connect:
        ok = connect_ratio is not None and connect_ratio >= 0.7 and clean(connect)
        row("GET /connect/{token} (%s)" % conc, fmt(connect["rps"], ",.0f"),
            fmt(connect["p50_ms"], ".2f"), fmt(connect["p99_ms"], ".2f"),
            "nginx %s" % fmt(nginx and nginx["rps"], ",.0f"), fmt(connect_ratio, ".2f"),
            ">= 0.70 x nginx", ok)
    if nginx:
        rows.append(("nginx return 303 (%s)" % conc, fmt(nginx["rps"], ",.0f"),
                     fmt(nginx["p50_ms"], ".2f"), fmt(nginx["p99_ms"], ".2f"), "", "", "", ""))
    if callback:
        ok = (callback_ratio is not None and callback_ratio >= 2 and clean(callback)
              and durable_ok is not False)
        row("GET /access-result durable (%s)" % conc, fmt(callback["rps"], ",.0f"),
            fmt(callback["p50_ms"], ".2f"), fmt(callback["p99_ms"], ".2f"),
            "SQLite %s" % fmt(raw and raw["rate"], ",.0f"), fmt(callback_ratio, ".2f"),
            ">= 2 x SQLite", ok)
    if raw:
        rows.append(("SQLite 1 row/txn, WAL, sync=FULL", fmt(raw["rate"], ",.0f"),
                     "", "", "", "", "", ""))
    if callback_ram:
        rows.append(("GET /access-result, database on tmpfs (not durable)",
                     fmt(callback_ram["rps"], ",.0f"), fmt(callback_ram["p50_ms"], ".2f"),
                     fmt(callback_ram["p99_ms"], ".2f"), "SQLite", fmt(
                         ratio(callback_ram["rps"], raw and raw["rate"]), ".2f"), "", ""))
    writer = writer_costs(args.results)
    pg_writer = writer_costs(args.results, "pg-")
    wal_mib = max((int(v) for k, v in facts.items() if k.startswith("wal_bytes_round_")),
                  default=None)
    wal_mib = wal_mib / 1048576 if wal_mib is not None else None
    lconc = facts.get("list_load", "")

    # The rows both engines have: the lists, memory and start-up.
    def common_rows(engine, listing, byref, hwm_kib, startup_ms):
        for name, m in (("installations ?limit=100", listing),
                        ("installations ?reference=&limit=100", byref)):
            if m:
                ok = m["p99_ms"] is not None and m["p99_ms"] <= 5 and clean(m)
                row("%sGET /api/v1/%s (%s)" % (engine, name, lconc), fmt(m["rps"], ",.0f"),
                    fmt(m["p50_ms"], ".2f"), fmt(m["p99_ms"], ".2f"), "", "",
                    "p99 <= 5 ms", ok)
        if hwm_kib is not None:
            row("%speak resident memory (VmHWM)" % engine, "%.1f MiB" % (hwm_kib / 1024),
                "", "", "", "", "<= 32 MiB", hwm_kib <= 32 * 1024)
        if startup_ms is not None:
            row("%sstart-up to ready, %s installations" % (engine, installations),
                "%.1f ms" % startup_ms, "", "", "", "", "<= 100 ms", startup_ms <= 100)

    common_rows("", listing, byref, hwm_kib, startup_ms)
    purge_ratio = ratio(purge_during and purge_during["p99_ms"], purge_calm and purge_calm["p99_ms"])
    if purge_during and purge_calm:
        ok = purge_ratio is not None and purge_ratio <= 2 and clean(purge_during) and clean(purge_calm)
        row("GET /access-result while purging 1M events (%s)" % conc, fmt(purge_during["rps"], ",.0f"),
            fmt(purge_during["p50_ms"], ".2f"), fmt(purge_during["p99_ms"], ".2f"),
            "p99 %s ms" % fmt(purge_calm["p99_ms"], ".2f"), fmt(purge_ratio, ".2f"),
            "p99 <= 2 x without", ok)
        rows.append(("GET /access-result after the purge (%s)" % conc, fmt(purge_calm["rps"], ",.0f"),
                     fmt(purge_calm["p50_ms"], ".2f"), fmt(purge_calm["p99_ms"], ".2f"), "", "", "", ""))

    pg = "PostgreSQL: "
    if pg_connect:
        ok = pg_connect_ratio is not None and pg_connect_ratio >= 0.6 and clean(pg_connect)
        row(pg + "GET /connect/{token} (%s)" % conc, fmt(pg_connect["rps"], ",.0f"),
            fmt(pg_connect["p50_ms"], ".2f"), fmt(pg_connect["p99_ms"], ".2f"),
            "nginx %s" % fmt(nginx and nginx["rps"], ",.0f"), fmt(pg_connect_ratio, ".2f"),
            ">= 0.60 x nginx", ok)
    if pg_callback:
        ok = (pg_callback_ratio is not None and pg_callback_ratio >= 3 and clean(pg_callback)
              and pg_durable_ok is not False)
        row(pg + "GET /access-result durable (%s)" % conc, fmt(pg_callback["rps"], ",.0f"),
            fmt(pg_callback["p50_ms"], ".2f"), fmt(pg_callback["p99_ms"], ".2f"),
            "PostgreSQL %s" % fmt(pg_raw and pg_raw["rate"], ",.0f"),
            fmt(pg_callback_ratio, ".2f"), ">= 3 x PostgreSQL", ok)
    if pg_raw:
        rows.append(("PostgreSQL 1 row/txn, fsync, synchronous_commit=on (pgbench -c%s)"
                     % facts.get("load", "").rsplit("-c", 1)[-1], fmt(pg_raw["rate"], ",.0f"),
                     "", "", "", "", "", ""))
    if pair:
        row(pg + "two instances, durable callbacks together", fmt(pair["rps"], ",.0f"),
            fmt(pair["p50_ms"], ".2f"), fmt(pair["p99_ms"], ".2f"),
            "PostgreSQL %s" % fmt(pg_raw and pg_raw["rate"], ",.0f"), fmt(pair_ratio, ".2f"),
            "none lost", clean(pair) and pair_durable_ok is not False)
    common_rows(pg, pg_listing, pg_byref, pg_hwm_kib, pg_startup_ms)

    hooks_path = os.path.join(args.results, "webhooks.json")
    hooks = json.load(open(hooks_path)) if os.path.exists(hooks_path) else None
    if hooks:
        t, lat = hooks["throughput"], hooks["latency"]
        row("webhook deliveries to one endpoint (events/s)", fmt(t["rate"], ",.0f"), "", "",
            "nginx 204", "", ">= 2,000/s", t["rate"] >= 2000)
        rows.append(("callback commit to webhook delivery (%d)" % lat["delivered"], "",
                     fmt(lat["p50_ms"], ".2f"), fmt(lat["p99_ms"], ".2f"), "", "", "", ""))

    header = ("measurement", "req/s", "p50 ms", "p99 ms", "reference", "ratio",
              "target", "result")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    lines = []
    for r in [header] + rows:
        cells = [str(c).ljust(widths[0]) if i == 0 else str(c).rjust(widths[i])
                 for i, c in enumerate(r)]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    print("\n".join(lines))

    for name, m in (("/connect", connect), ("nginx", nginx), ("/access-result", callback),
                    ("/access-result on tmpfs", callback_ram),
                    ("installations", listing), ("installations by reference", byref),
                    ("/access-result while purging", purge_during),
                    ("/access-result after the purge", purge_calm),
                    ("PostgreSQL /connect", pg_connect), ("PostgreSQL /access-result", pg_callback),
                    ("two instances' /access-result", pair),
                    ("PostgreSQL installations", pg_listing),
                    ("PostgreSQL installations by reference", pg_byref)):
        if m and m["errors"]:
            print("note: %s had %d socket or HTTP errors" % (name, m["errors"]))
        if m and m["repeated"]:
            print("note: %s ran out of tokens (%d repeated requests); raise BENCH_CALLBACKS"
                  % (name, m["repeated"]))
    if writer:
        print("writer during callbacks: busy %.0f%% of the time, %.0f us and %.1f WAL pages a "
              "callback, %.1f callbacks a commit: at most %s callbacks/s through one writer"
              % (writer["busy_share"] * 100, writer["us_per_job"], writer["wal_pages_per_job"],
                 writer["jobs_per_commit"], fmt(1e6 / writer["us_per_job"], ",.0f")))
    if pg_writer:
        print("writer during callbacks on PostgreSQL: busy %.0f%% of the time, %.0f us a "
              "callback, %.1f callbacks a commit: at most %s callbacks/s through one writer"
              % (pg_writer["busy_share"] * 100, pg_writer["us_per_job"],
                 pg_writer["jobs_per_commit"], fmt(1e6 / pg_writer["us_per_job"], ",.0f")))
    if wal_mib is not None:
        print("write-ahead log after the callback rounds: %.1f MiB" % wal_mib)
    for key, ok, where in (("callback", durable_ok, "SQLite"),
                           ("pg_callback", pg_durable_ok, "PostgreSQL"),
                           ("pair_callback", pair_durable_ok, "PostgreSQL, two instances")):
        counts = [v for k, v in sorted(facts.items()) if k.startswith(key + "_round_")]
        if ok is False:
            print("note: %s: fewer callbacks committed than acknowledged: %s"
                  % (where, facts.get(key + "_check")))
        elif counts:
            print("durability, %s: every acknowledged callback was committed (%s)"
                  % (where, "; ".join(counts)))

    if "purge_seconds" in facts:
        print("purge: 1,000,000 events in %s s (%s purged when the callback round ended; "
              "%s events left)" % (facts["purge_seconds"], facts.get("purged_when_round_ended"),
                                   facts.get("events_left")))
    # The benchmark itself keeps about two CPUs busy; more than that at the
    # start means something else was running too.
    load = float(facts.get("loadavg_start", "0"))
    if load > 1.0:
        print("warning: the 1-minute load average was %.2f at the start: other work "
              "on this machine makes these numbers unreliable" % load)

    passed = all(c["pass"] for c in checks) and bool(checks)
    doc = {
        "machine": machine(args.tmpdir),
        "settings": {k: v for k, v in facts.items()
                     if k not in ("vmhwm_kib", "pg_vmhwm_kib")
                     and not k.endswith(("_durable", "_check"))},
        "connect": {"ours": connect, "nginx": nginx, "ratio": connect_ratio, "target": 0.7},
        "callbacks": {"ours": callback, "sqlite_raw": raw, "ratio": callback_ratio,
                      "ours_on_tmpfs": callback_ram,
                      "target": 2, "committed_before_ack": durable_ok,
                      "check": facts.get("callback_check"), "writer": writer,
                      "wal_mib_after": wal_mib},
        "installations": {"limit": listing, "reference": byref, "target_p99_ms": 5},
        "purge": {"during": purge_during, "after": purge_calm, "p99_ratio": purge_ratio,
                  "target_ratio": 2, "seconds": facts.get("purge_seconds"),
                  "purged_when_round_ended": facts.get("purged_when_round_ended")},
        "memory": {"vmhwm_kib": hwm_kib, "target_kib": 32 * 1024},
        "startup": {"ready_ms": startup_ms, "rounds": startups, "target_ms": 100},
        "webhooks": hooks,
        "postgresql": {
            "connect": {"ours": pg_connect, "nginx": nginx, "ratio": pg_connect_ratio,
                        "target": 0.6},
            "callbacks": {"ours": pg_callback, "postgresql_raw": pg_raw,
                          "ratio": pg_callback_ratio, "target": 3, "writer": pg_writer,
                          "committed_before_ack": pg_durable_ok,
                          "check": facts.get("pg_callback_check")},
            "two_instances": {"combined": pair, "ratio": pair_ratio,
                              "committed_before_ack": pair_durable_ok,
                              "check": facts.get("pair_callback_check")},
            "installations": {"limit": pg_listing, "reference": pg_byref, "target_p99_ms": 5},
            "memory": {"vmhwm_kib": pg_hwm_kib, "target_kib": 32 * 1024},
            "startup": {"ready_ms": pg_startup_ms, "rounds": pg_startups, "target_ms": 100},
        },
        "checks": checks,
        "pass": passed,
        "table": lines,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    m = doc["machine"]
    print("machine: %d x %s, %d MiB, Linux %s, %s" % (m["nproc"], m["cpu"], m["memory_mib"],
                                                       m["kernel"], m["disk"]))
    print("wrote %s: %s" % (args.out, "all targets met" if passed else "targets missed"))
    return 0 if passed else 3


def main():
    p = argparse.ArgumentParser(prog="helper.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("free-ports")
    s.add_argument("count", type=int)
    s.set_defaults(func=free_ports)
    s = sub.add_parser("create-requests")
    s.add_argument("--admin", required=True)
    s.add_argument("--token-file", required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--paths", required=True)
    s.add_argument("--portal", required=True)
    s.set_defaults(func=create_requests)
    s = sub.add_parser("open-requests")
    where = s.add_mutually_exclusive_group(required=True)
    where.add_argument("--db")
    where.add_argument("--copy")
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--rounds", type=int, required=True)
    s.add_argument("--partner", required=True)
    s.add_argument("--prefix", required=True)
    s.set_defaults(func=open_requests)
    s = sub.add_parser("start-daemon")
    s.add_argument("--bin", required=True)
    s.add_argument("--conf", required=True)
    s.add_argument("--admin", required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--timeout", type=float, default=15)
    s.set_defaults(func=start_daemon)
    s = sub.add_parser("report")
    s.add_argument("--results", required=True)
    s.add_argument("--tmpdir", required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(func=report)
    args = p.parse_args()
    sys.exit(args.func(args) or 0)


if __name__ == "__main__":
    main()
