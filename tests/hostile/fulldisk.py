"""Full disk and read-only storage, with the database on a small tmpfs that the
calling script mounted (its path is argv[1]).

Full disk: a filler file takes the last free byte; a callback then gets the 503
page, the log has an error line, the database is unchanged (the request still
open, no installation, no event) and /readyz answers 503. The filler removed,
/readyz is 200 again and the same callback succeeds, with no restart.

Read-only: Linux refuses "mount -o remount,ro" (EBUSY) while a process holds a
file of the mount open for writing, which the daemon always does; a running
daemon's storage cannot be turned read-only under it that way. The test checks
that refusal and that the daemon keeps serving; then, with the daemon stopped,
mounts read-only and checks the daemon refuses to start with a clear message
(exit 1) instead of serving without storage, and starts again once the mount
is writable.
"""

import errno
import os
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, Failure, build_request, db_snapshot, raw_request  # noqa: E402


def get(d, listener, target):
    return raw_request(d.port(listener), build_request("GET", target))[:3]


def wait_status(d, listener, target, want, seconds=10.0):
    deadline = time.monotonic() + seconds
    status = None
    while time.monotonic() < deadline:
        status = get(d, listener, target)[0]
        if status == want:
            return status
        time.sleep(0.05)
    raise Failure("%s answered %s, not %s, within %.0f s" % (target, status, want, seconds))


def fill(path):
    """Writes until the file system is full; returns the bytes written."""
    written = 0
    with open(path, "wb", buffering=0) as f:
        for size in (1 << 16, 4096, 1):
            block = b"\0" * size
            while True:
                try:
                    f.write(block)
                    written += size
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    return written


def expect(cond, message):
    if not cond:
        raise Failure(message)


def main():
    mnt = sys.argv[1]
    d = Daemon(database=os.path.join(mnt, "accessd.db"))
    filler = os.path.join(mnt, "filler")
    try:
        d.start()
        request_id, token = d.create_request(reference="full-disk")
        installation = str(uuid.uuid4())
        callback = "/access-result/%s?success=true&installationId=%s" % (token, installation)
        wait_status(d, "admin", "/readyz", 200)

        # --- full disk ---
        filled = fill(filler)
        before = db_snapshot(d.database)
        status, headers, body = get(d, "public", callback)
        expect(status == 503, "a callback on a full disk answered %s" % status)
        expect(headers.get("content-type", "").startswith("text/html"), "the 503 is not the page")
        rz = get(d, "admin", "/readyz")
        expect(rz[0] == 503, "/readyz is not 503 on a full disk: %s %s\n%s" % (rz[0], rz[2], d.log_text()[-1500:]))
        after = db_snapshot(d.database)
        expect(before == after, "the failed callback changed the database: %s -> %s" % (before, after))
        log = d.log_text()
        expect("event=db.commit_failed" in log or "event=callback.failed" in log,
               "no error line for the failed commit in the log")
        failed_lines = [l for l in log.splitlines() if "event=db.commit_failed" in l or "event=callback.failed" in l]
        print("full disk: filler=%d bytes, callback=503, readyz=503, log: %s" % (filled, failed_lines[0][:160]))

        os.unlink(filler)
        wait_status(d, "admin", "/readyz", 200)
        status = get(d, "public", callback)[0]
        expect(status == 200, "the same callback after freeing space answered %s" % status)
        s, _, doc = d.admin("GET", "/api/v1/access-requests/" + request_id)
        expect(doc["status"] == "granted" and doc["result"]["installationId"] == installation,
               "the request is not granted after recovery: %s" % doc)
        s, _, inst = d.admin("GET", "/api/v1/installations/" + installation)
        expect(s == 200 and inst["status"] == "granted", "no granted installation after recovery")
        grants = [e for e in inst["history"] if e["type"] == "callback.granted"]
        expect(len(grants) == 1, "expected one callback.granted event, got %d" % len(grants))
        print("full disk freed: readyz=200, the same callback=200, granted once, no restart")

        # --- read-only, while running ---
        r = subprocess.run(["mount", "-o", "remount,ro", mnt], capture_output=True, text=True)
        if r.returncode == 0:
            # A kernel that allows it: the daemon must fail safe and recover.
            expect(get(d, "admin", "/readyz")[0] == 503, "/readyz is not 503 on read-only storage")
            subprocess.run(["mount", "-o", "remount,rw", mnt], check=True)
            wait_status(d, "admin", "/readyz", 200)
            print("read-only while running: readyz=503, recovered after remount rw")
        else:
            expect("busy" in r.stderr.lower(), "remount,ro failed for another reason: %s" % r.stderr)
            expect(get(d, "admin", "/readyz")[0] == 200, "/readyz is not 200 after the refused remount")
            print("read-only while running: the kernel refuses remount,ro (busy: the database is open "
                  "for writing); the daemon keeps serving")
        request2, token2 = d.create_request(reference="read-only")
        rc = d.stop()
        expect(rc == 0, "the daemon exited %s on SIGTERM" % rc)

        # --- read-only at start ---
        subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
        try:
            d.start()
            started = True
        except Failure as e:
            started = False
            message = str(e)
        if started:
            # Serving reads is acceptable, but writes must fail safe.
            status = get(d, "public", "/access-result/%s?success=false" % token2)[0]
            expect(status == 503, "a callback on read-only storage answered %s" % status)
            expect(get(d, "admin", "/readyz")[0] == 503, "/readyz is not 503 on read-only storage")
            d.stop()
            print("read-only at start: serving, callback=503, readyz=503")
        else:
            expect("exited with 1" in message, "the daemon did not exit 1 on read-only storage: %s" % message)
            print("read-only at start: refused to start (exit 1): %s"
                  % [l for l in message.splitlines() if "event=" in l][-1:])
        subprocess.run(["mount", "-o", "remount,rw", mnt], check=True)
        d.start()
        status = get(d, "public", "/access-result/%s?success=false" % token2)[0]
        expect(status == 200, "the callback after remount rw answered %s" % status)
        print("read-write again: started, callback=200")
        return 0
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        d.stop()
        if os.path.exists(filler):
            os.unlink(filler)


if __name__ == "__main__":
    sys.exit(main())
