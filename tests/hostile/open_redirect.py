"""Open redirect and reflection: no answer of the public listener sends the
browser anywhere but the configured portal or an allowed returnTo, and no
injected value comes back unescaped.

Requests are created with and without an allowed returnTo; /connect and
/access-result are then hit with hostile values (absolute URLs, protocol-
relative //hosts, javascript:, CRLF, encoded slashes, HTML) in the token, in
the query (returnTo=, returnUrl=, next=, url= ...) and in headers (Host,
Referer, X-Forwarded-Host, Accept-Language). Every Location must start with
the portal URL or the allowed origin; no body may hold the raw markers.
"""

import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, Failure, build_request, raw_request  # noqa: E402

PORTAL = "https://portal.example.test/access/request/HOSTILE?"
ALLOWED = "https://partner.example.test/"
EVIL = ["https://evil.example.test/", "//evil.example.test/", "/\\evil.example.test", "javascript:alert(1)",
        "https:evil.example.test", "%2F%2Fevil.example.test", "https://partner.example.test.evil.example.test/",
        "https://partner.example.test@evil.example.test/", "%0d%0aLocation:%20https://evil.example.test/",
        "%3Cscript%3Ealert(7)%3C/script%3E", "\"><svg onload=alert(8)>"]
PARAMS = ["returnTo", "returnUrl", "next", "url", "redirect", "success", "installationId", "lang"]
MARKERS = [b"<script", b"<svg onload", b"evil.example.test"]


def main():
    d = Daemon()
    checked = 0
    try:
        d.start()
        tokens = []
        for kw in ({}, {"returnTo": ALLOWED + "done?x=1"}):
            for _ in range(2):
                tokens.append(d.create_request(reference="redirect", **kw)[1])
        targets = []
        for i, evil in enumerate(EVIL):
            raw = evil.replace(" ", "%20").replace('"', "%22").replace(">", "%3E").replace("<", "%3C")
            targets.append("/connect/" + raw)
            targets.append("/access-result/" + raw + "?success=true&installationId=" + str(uuid.uuid4()))
            for p in PARAMS:
                for tok in tokens:
                    targets.append("/connect/%s?%s=%s" % (tok, p, raw))
                    targets.append("/access-result/%s?success=false&%s=%s" % (tok, p, raw))
        headers = [[("Referer", "https://evil.example.test/")], [("X-Forwarded-Host", "evil.example.test")],
                   [("Accept-Language", "<script>alert(9)</script>")], [("X-Original-URL", "https://evil.example.test/")]]
        for t in targets:
            for h in [[]] + headers[: 1 if "result" in t else 4]:
                status, hdrs, body, _ = raw_request(d.public_port, build_request("GET", t, h))
                checked += 1
                loc = hdrs.get("location")
                if loc is not None and not (loc.startswith(PORTAL) or loc.startswith(ALLOWED)):
                    raise Failure("%s redirected to %r" % (t, loc))
                if loc is not None and any(c in loc for c in "\r\n<>\" "):
                    raise Failure("%s: Location is not encoded: %r" % (t, loc))
                for m in MARKERS:
                    if m in body:
                        raise Failure("%s reflected %r in the page" % (t, m))
        # A Host header naming another site never changes where links point.
        fresh = d.create_request(reference="host")[1]
        status, hdrs, _, _ = raw_request(d.public_port, b"GET /connect/" + fresh.encode() +
                                         b" HTTP/1.1\r\nHost: evil.example.test\r\nConnection: close\r\n\r\n")
        checked += 1
        if status != 303 or not hdrs.get("location", "").startswith(PORTAL) or "evil" in hdrs["location"]:
            raise Failure("a foreign Host header changed the redirect: %s" % hdrs.get("location"))
        print("public answers checked=%d: every Location on the portal or the allowed returnTo; no reflected marker"
              % checked)
        return 0
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        d.stop()


if __name__ == "__main__":
    sys.exit(main())
