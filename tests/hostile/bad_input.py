"""The bad-input table: hostile requests against every endpoint of a running daemon.

Each row is one request sent byte for byte (a raw socket: nothing normalises the
target or the headers), the statuses it may get, and the change it may make to
the database: the events it must append, counted by type, and the tables whose
row counts may change. Every other table keeps its row count, and the rows of
access_requests and installations keep their checksum unless the row allows a
change there. Rows are generated as endpoint x hostile value.

Choices the contract leaves open, written down here:
- A request line or header block larger than the daemon's 16 KiB per-connection
  buffer is refused by libmicrohttpd itself: 414 for the request line, 431 for
  the headers, and the connection closes. Such a request never reaches a route, so even on
  /access-result it appends no event: it is not a hit the daemon could read.
- A path segment holding an encoded "/" (%2F) is decoded before routing and so
  becomes two segments. Under /access-result/ the rest of the path is the
  token, so /access-result/a%2Fb is an unknown callback: a 404 page and one
  callback.unknown event, like any other hit there.
- A %00 in the path ends it: libmicrohttpd decodes the path into a C string, so
  /api/v1/access-requests/abc%00def/reissue is routed as .../abc (a 405 for
  POST there). The same holds for a %00 in a query value (reference=a%00b
  searches for "a"). Nothing is written either way; noted, not changed.
- A contested callback changes its request (now "contested") but adds no row,
  so its row allows access_requests to change with a count delta of 0.
- An upper-case GUID is the same installation: it is normalised to lower case
  (the contract's "normalised to the lowercase form"), so it is not invalid.

Prints every failing row and "rows=N failed=M". Exit status 1 on any failure.
"""

import json
import os
import socket
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (TOKEN, Daemon, Failure, build_request, db_snapshot,  # noqa: E402
                     event_diff, parse_response, raw_request)

GUID = "6f2a1c4e-0b7d-4c39-9a51-2d8e3f4b5a61"
GUID_UPPER = GUID.upper()
UNKNOWN_TOKEN = "AAAAAAAAAAAAAAAAAAAAAA"
SCRIPT = "<script>alert('xss-marker')</script><img src=x onerror=alert(1)>"
SQL = "' OR 1=1 --; DROP TABLE access_requests; --"

# Hostile path segments (raw bytes, as they go on the wire).
SEGMENTS = {
    "8k": b"A" * 8192,
    "sql": b"%27%20OR%201%3D1%20--",
    "sql-raw": b"'OR'1'='1'--",
    "nul": b"abc%00def",
    "bad-escape": b"%zz%4",
    "lone-percent": b"%",
    "invalid-utf8": b"%ff%fe%fd",
    "raw-high-bytes": b"\xff\xfe\xc3",
    "script": b"%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "dotdot": b"%2e%2e",
    "guid-upper": GUID_UPPER.encode(),
    "guid-braces": b"%7B" + GUID.encode() + b"%7D",
    "token-23": b"A" * 23,
    "token-21": b"A" * 21,
}

# Hostile callback queries; every one is invalid for an open request.
CALLBACK_QUERIES = {
    "no-query": b"",
    "success-missing": b"installationId=" + GUID.encode(),
    "success-empty": b"success=&installationId=" + GUID.encode(),
    "success-bare": b"success",
    "success-yes": b"success=yes&installationId=" + GUID.encode(),
    "success-1": b"success=1&installationId=" + GUID.encode(),
    "success-nul": b"success=tr%00ue&installationId=" + GUID.encode(),
    "success-bad-escape": b"success=%zz&installationId=" + GUID.encode(),
    "success-invalid-utf8": b"success=%ff%fe&installationId=" + GUID.encode(),
    "success-raw-high": b"success=\xff\xfe&installationId=" + GUID.encode(),
    "true-without-id": b"success=true",
    "id-braces": b"success=true&installationId=%7B" + GUID.encode() + b"%7D",
    "id-sql": b"success=true&installationId=%27%20OR%201%3D1%20--",
    "id-script": b"success=true&installationId=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "id-nul": b"success=true&installationId=" + GUID.encode() + b"%00",
    "id-lone-percent": b"success=true&installationId=%",
    "id-invalid-utf8": b"success=true&installationId=%ff%fe",
    "id-8k": b"success=true&installationId=" + b"a" * 8000,
    "duplicate-success": b"success=true&success=true&installationId=" + GUID.encode(),
    "duplicate-id": b"success=true&installationId=" + GUID.encode() + b"&installationId=" + GUID.encode(),
    "conflicting-success": b"success=true&success=false&installationId=" + GUID.encode(),
    "padded-8k": b"success=maybe&pad=" + b"B" * 8000,
}

# Hostile query values for the list endpoints: (raw bytes, is valid text for
# a free-text parameter such as reference).
QUERY_VALUES = {
    "sql": (b"%27%20OR%201%3D1%20--", True),
    "sql-raw": (b"'OR'1'='1", True),
    "script": (b"%3Cscript%3Ealert(1)%3C%2Fscript%3E", True),
    "nul": (b"a%00b", None),
    "invalid-utf8": (b"%ff%fe", False),
    "raw-high-bytes": (b"\xff\xfe", False),
    "8k": (b"C" * 8192, False),
    "huge-real": (b"1e999", True),
    "2^64": (b"18446744073709551616", True),
    "negative": (b"-1", True),
    "empty": (b"", True),
}

LISTS = {
    "/api/v1/access-requests": ["status", "reference", "limit", "cursor"],
    "/api/v1/installations": ["status", "reference", "updatedSince", "limit", "cursor"],
    "/api/v1/events": ["after", "limit"],
}


class Row:
    def __init__(self, name, listener, method, target, headers=(), body=b"", expect=(200,),
                 events=None, tables=None, check=None, source=None, auth=True):
        self.name = name
        self.listener = listener
        self.method = method
        self.target = target if isinstance(target, bytes) else target.encode()
        self.headers = list(headers)
        if listener == "admin" and auth:
            self.headers.insert(0, ("Authorization", "Bearer " + TOKEN))
        self.body = body
        self.expect = set(expect)
        self.events = events or {}
        self.tables = tables or {}
        self.check = check
        self.source = source


class Table:
    """Builds the rows; needs the fixtures (ids and tokens) made by setup()."""

    def __init__(self, fx):
        self.fx = fx
        self.rows = []
        self.auth_source = 0

    def add(self, *args, **kwargs):
        self.rows.append(Row(*args, **kwargs))

    def next_source(self):
        """A fresh loopback source address for a row that fails authentication,
        so the per-address throttle never turns its 401 into a 429."""
        self.auth_source += 1
        return "127.0.%d.%d" % (10 + self.auth_source // 250, 1 + self.auth_source % 250)

    def segment_rows(self):
        fx = self.fx
        for label, seg in SEGMENTS.items():
            split = b"%2F" in seg  # decoded into two segments
            self.add("connect/%s" % label, "public", "GET", b"/connect/" + seg,
                     expect=(404,), check=no_raw_markers)
            self.add("access-result/%s" % label, "public", "GET",
                     b"/access-result/" + seg + b"?success=true&installationId=" + GUID.encode(),
                     expect=(404,), events={"callback.unknown": 1},
                     check=no_raw_markers)
            self.add("requests.get/%s" % label, "admin", "GET", b"/api/v1/access-requests/" + seg,
                     expect=(404,), check=is_problem)
            nul = label == "nul"  # the path ends at the %00 (see the top)
            self.add("requests.reissue/%s" % label, "admin", "POST",
                     b"/api/v1/access-requests/" + seg + b"/reissue", expect=(405,) if nul else (404,),
                     check=is_problem)
            self.add("requests.cancel/%s" % label, "admin", "POST",
                     b"/api/v1/access-requests/" + seg + b"/cancel", expect=(405,) if nul else (404,),
                     check=is_problem)
            bad_guid = (404,) if split or label == "guid-upper" else (400,)
            self.add("installations.get/%s" % label, "admin", "GET", b"/api/v1/installations/" + seg,
                     expect=bad_guid, check=is_problem)
            self.add("installations.revoke/%s" % label, "admin", "POST",
                     b"/api/v1/installations/" + seg + b"/revoke", expect=(405,) if nul else bad_guid,
                     check=is_problem)
            self.add("installations.transfer/%s" % label, "admin", "POST",
                     b"/api/v1/installations/" + seg + b"/transfer",
                     headers=[("Content-Type", "application/json")],
                     body=json.dumps({"requestId": fx["contested_id"]}).encode(),
                     expect=(405,) if nul else bad_guid, check=is_problem)
        # Well-formed but unknown: 404 everywhere.
        self.add("requests.get/unknown-uuid", "admin", "GET",
                 "/api/v1/access-requests/%s" % uuid.uuid4(), expect=(404,), check=is_problem)
        self.add("requests.cancel/unknown-uuid", "admin", "POST",
                 "/api/v1/access-requests/%s/cancel" % uuid.uuid4(), expect=(404,), check=is_problem)
        self.add("requests.cancel/prefix-on-admin", "admin", "POST",
                 "/base/api/v1/access-requests/%s/cancel" % fx["open_id"], expect=(404,), check=is_problem)
        self.add("installations.get/unknown-guid", "admin", "GET",
                 "/api/v1/installations/%s" % uuid.uuid4(), expect=(404,), check=is_problem)
        self.add("connect/unknown-token", "public", "GET", "/connect/" + UNKNOWN_TOKEN, expect=(404,))
        # The granted request's page, requested again: no write.
        self.add("connect/granted-again", "public", "GET", "/connect/" + fx["granted_token"],
                 expect=(200,), check=no_raw_markers)
        # Cancelling a granted request is refused and changes nothing, body or not.
        self.add("requests.cancel/granted", "admin", "POST",
                 "/api/v1/access-requests/%s/cancel" % fx["granted_id"], expect=(409,), check=is_problem)
        self.add("requests.cancel/with-body", "admin", "POST",
                 "/api/v1/access-requests/%s/cancel" % fx["granted_id"],
                 headers=[("Content-Type", "application/json")], body=b'{"x":"<script>"}',
                 expect=(409,), check=is_problem)

    def callback_rows(self):
        fx = self.fx
        for label, q in CALLBACK_QUERIES.items():
            target = b"?" + q if q else b""
            self.add("callback/open/%s" % label, "public", "GET",
                     b"/access-result/" + fx["open_token"].encode() + target, expect=(400,),
                     events={"callback.invalid": 1}, check=no_raw_markers)
            self.add("callback/unknown/%s" % label, "public", "GET",
                     b"/access-result/" + UNKNOWN_TOKEN.encode() + target, expect=(404,),
                     events={"callback.unknown": 1}, check=no_raw_markers)
            self.add("callback/malformed/%s" % label, "public", "GET",
                     b"/access-result/%27%3Cb%3E" + target, expect=(404,),
                     events={"callback.unknown": 1}, check=no_raw_markers)
        # A grant repeated on the granted request, and a conflicting one.
        done = b"/access-result/" + fx["granted_token"].encode()
        self.add("callback/granted/repeat", "public", "GET",
                 done + b"?success=true&installationId=" + fx["granted_installation"].encode(),
                 expect=(200,), events={"callback.repeated": 1})
        self.add("callback/granted/conflict", "public", "GET",
                 done + b"?success=true&installationId=" + GUID.encode(),
                 expect=(409,), events={"callback.conflict": 1})
        self.add("callback/granted/conflict-denial", "public", "GET",
                 done + b"?success=false", expect=(409,), events={"callback.conflict": 1})
        # Another customer's installation: contested, and the installation unchanged.
        contest = b"/access-result/" + fx["contest_token"].encode()
        self.add("callback/contest/another-customers-installation", "public", "GET",
                 contest + b"?success=true&installationId=" + fx["granted_installation"].encode(),
                 expect=(409,), events={"callback.contested": 1}, tables={"access_requests": 0},
                 check=no_raw_markers)
        self.add("callback/contest/repeat", "public", "GET",
                 contest + b"?success=true&installationId=" + fx["granted_installation"].encode(),
                 expect=(409,), events={"callback.repeated": 1}, check=no_raw_markers)
        # A request made for one installation refuses another, and stays open.
        self.add("callback/pro/another-installation", "public", "GET",
                 b"/access-result/" + fx["pro_token"].encode() + b"?success=true&installationId=" + GUID.encode(),
                 expect=(400,), events={"callback.invalid": 1}, check=no_raw_markers)

    def list_rows(self):
        for path, params in LISTS.items():
            for param in params:
                for label, (value, valid_text) in QUERY_VALUES.items():
                    # valid_text None: the value ends at the %00 (see the top).
                    ok = param == "reference" and valid_text is not False and label != "empty"
                    self.add("%s?%s=%s" % (path, param, label), "admin", "GET",
                             path.encode() + b"?" + param.encode() + b"=" + value,
                             expect=(200,) if ok else (400,),
                             check=empty_list if ok else is_problem)
                self.add("%s?%s duplicated" % (path, param), "admin", "GET",
                         "%s?%s=1&%s=1" % (path, param, param), expect=(400,), check=is_problem)
            self.add("%s?unknown-param" % path, "admin", "GET", path + "?evil=1", expect=(400,),
                     check=is_problem)
            self.add("%s?bad-escape-name" % path, "admin", "GET", path + "?%zz=1", expect=(400,),
                     check=is_problem)

    def create_rows(self):
        create = "/api/v1/access-requests"
        jh = [("Content-Type", "application/json")]
        created = {"events": {"request.created": 1}, "tables": {"access_requests": 1}}

        def body_row(name, body, expect, **kw):
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            elif isinstance(body, str):
                body = body.encode()
            self.add(name, "admin", "POST", create, headers=kw.pop("headers", jh), body=body,
                     expect=expect, **kw)

        # Hostile strings in every string field.
        strings = {"script": SCRIPT, "sql": SQL, "overlong-300": "x" * 300}
        fields = {"reference": (201, 201, 400), "partnerName": (201, 201, 400),
                  "lang": (400, 400, 400), "installationId": (400, 400, 400),
                  "returnTo": (400, 400, 400), "installationType": (400, 400, 400)}
        for field, outcomes in fields.items():
            for (label, value), status in zip(strings.items(), outcomes):
                body = {field: value}
                if status == 201:
                    body_row("create/%s=%s" % (field, label), body, (201,),
                             check=echoes(field, value), **created)
                else:
                    body_row("create/%s=%s" % (field, label), body, (400,), check=names_field(field))
            # NUL and invalid UTF-8 inside the JSON string: never stored.
            body_row("create/%s=nul" % field, '{"%s":"a\\u0000b"}' % field, (400,), check=is_problem)
            body_row("create/%s=invalid-utf8" % field,
                     b'{"' + field.encode() + b'":"\xff\xfe\xc3"}', (400,), check=is_problem)
            body_row("create/%s=lone-surrogate" % field, '{"%s":"\\ud800"}' % field, (400,),
                     check=is_problem)
        # Wrong types in every field.
        for field in ("reference", "installationType", "installationId", "partnerName", "lang",
                      "showExisting", "returnTo", "ttl"):
            for label, value in (("number", 1), ("array", []), ("object", {}), ("string", "3600"),
                                 ("true", True)):
                if (field == "showExisting" and label == "true") or (field == "ttl" and label == "number"):
                    continue
                if label == "string" and field not in ("showExisting", "ttl"):
                    continue
                body_row("create/%s-as-%s" % (field, label), {field: value}, (400,),
                         check=names_field(field))
        # Numbers that do not fit.
        for label, raw in (("1e999", "1e999"), ("2^64", "18446744073709551616"),
                           ("2^63", "9223372036854775808"), ("-2^63", "-9223372036854775808"),
                           ("negative", "-1"), ("zero", "0"), ("59", "59"), ("fraction", "3600.5"),
                           ("exponent", "1e3"), ("above-max", "2592001")):
            body_row("create/ttl=%s" % label, '{"ttl":%s}' % raw, (400,), check=is_problem)
        # JSON structure.
        body_row("create/duplicate-keys", '{"reference":"a","reference":"b"}', (400,), check=is_problem)
        body_row("create/nested-10000-arrays", "[" * 10000 + "]" * 10000, (400,), check=is_problem)
        body_row("create/nested-10000-objects", '{"a":' * 10000 + "1" + "}" * 10000, (400,),
                 check=is_problem)
        body_row("create/top-level-array", "[]", (400,), check=is_problem)
        body_row("create/top-level-null", "null", (400,), check=is_problem)
        body_row("create/top-level-string", '"x"', (400,), check=is_problem)
        body_row("create/trailing-garbage", '{}{"x":1}', (400,), check=is_problem)
        body_row("create/bom", b"\xef\xbb\xbf{}", (400,), check=is_problem)
        body_row("create/invalid-utf8-key", b'{"\xff":1}', (400,), check=is_problem)
        body_row("create/unknown-field", {"reference": "a", "evil": 1}, (400,), check=names_field("evil"))
        body_row("create/pro-without-installation", {"installationType": "pro"}, (400,), check=is_problem)
        body_row("create/returnTo-javascript", {"returnTo": "javascript:alert(1)"}, (400,),
                 check=names_field("returnTo"))
        body_row("create/returnTo-other-origin", {"returnTo": "https://evil.example.test/x"}, (400,),
                 check=names_field("returnTo"))
        body_row("create/returnTo-userinfo", {"returnTo": "https://partner.example.test@evil.example.test/"},
                 (400,), check=names_field("returnTo"))
        body_row("create/returnTo-protocol-relative", {"returnTo": "//evil.example.test/"}, (400,),
                 check=names_field("returnTo"))
        body_row("create/text-plain", "{}", (415,), headers=[("Content-Type", "text/plain")],
                 check=is_problem)
        body_row("create/no-content-type", "{}", (415,), headers=[], check=is_problem)
        body_row("create/json-prefix-type", "{}", (415,), headers=[("Content-Type", "application/jsonx")],
                 check=is_problem)
        body_row("create/over-64k", {"reference": "r" * 70000}, (413,), check=is_problem)
        body_row("create/empty-body-is-defaults", b"", (201,), **created)

    def revoke_rows(self):
        path = "/api/v1/installations/%s/revoke" % self.fx["granted_installation"]
        jh = [("Content-Type", "application/json")]
        for label, body in (("reason-number", b'{"reason":1}'), ("unknown-field", b'{"reason":"a","x":1}'),
                            ("duplicate-keys", b'{"reason":"a","reason":"b"}'),
                            ("invalid-utf8", b'{"reason":"\xff"}'), ("nul", b'{"reason":"a\\u0000"}'),
                            ("nested", b"[" * 10000 + b"]" * 10000), ("array", b"[]")):
            self.add("revoke/%s" % label, "admin", "POST", path, headers=jh, body=body, expect=(400,),
                     check=is_problem)
        self.add("revoke/text-plain", "admin", "POST", path, headers=[("Content-Type", "text/plain")],
                 body=b'{"reason":"a"}', expect=(415,), check=is_problem)

    def reissue_rows(self):
        """Bodies of a reissue: only {"ttl"} in the create range; nothing else, and no
        arithmetic on a ttl before it is checked."""
        path = "/api/v1/access-requests/%s/reissue" % self.fx["open_id"]
        jh = [("Content-Type", "application/json")]
        for label, raw in (("2^63-1", b"9223372036854775807"), ("-2^63", b"-9223372036854775808"),
                           ("2^64", b"18446744073709551616"), ("1e999", b"1e999"), ("59", b"59"),
                           ("above-max", b"2592001"), ("zero", b"0"), ("fraction", b"60.5"),
                           ("string", b'"3600"'), ("true", b"true"), ("array", b"[60]")):
            self.add("reissue/ttl=%s" % label, "admin", "POST", path, headers=jh, body=b'{"ttl":' + raw + b"}",
                     expect=(400,), check=is_problem if label in ("2^64", "1e999") else names_field("ttl"))
        self.add("reissue/unknown-field", "admin", "POST", path, headers=jh, body=b'{"lifetime":60}',
                 expect=(400,), check=names_field("lifetime"))
        self.add("reissue/duplicate-keys", "admin", "POST", path, headers=jh, body=b'{"ttl":60,"ttl":61}',
                 expect=(400,), check=is_problem)
        self.add("reissue/top-level-array", "admin", "POST", path, headers=jh, body=b"[]", expect=(400,),
                 check=is_problem)
        self.add("reissue/text-plain", "admin", "POST", path, headers=[("Content-Type", "text/plain")],
                 body=b'{"ttl":60}', expect=(415,), check=is_problem)
        granted = "/api/v1/access-requests/%s/reissue" % self.fx["granted_id"]
        self.add("reissue/granted", "admin", "POST", granted, headers=jh, body=b"{}", expect=(409,),
                 check=is_problem)

    def transfer_rows(self):
        """Bodies of a transfer: {"requestId"} naming a request contested for the
        installation; anything else changes nothing."""
        fx = self.fx
        path = "/api/v1/installations/%s/transfer" % fx["granted_installation"]
        jh = [("Content-Type", "application/json")]
        for label, body in (("missing", b"{}"), ("number", b'{"requestId":1}'), ("array", b'{"requestId":[]}'),
                            ("null", b'{"requestId":null}'),
                            ("unknown-field", b'{"requestId":"%s","force":true}' % fx["open_id"].encode()),
                            ("invalid-utf8", b'{"requestId":"\xff"}'), ("nul", b'{"requestId":"a\\u0000"}'),
                            ("duplicate-keys", b'{"requestId":"a","requestId":"b"}'),
                            ("nested", b"[" * 10000 + b"]" * 10000), ("top-level-array", b"[]")):
            self.add("transfer/%s" % label, "admin", "POST", path, headers=jh, body=body, expect=(400,),
                     check=is_problem)
        for label, rid in (("unknown-uuid", str(uuid.uuid4())), ("script", SCRIPT), ("sql", SQL),
                           ("8k", "r" * 8192)):
            self.add("transfer/requestId=%s" % label, "admin", "POST", path, headers=jh,
                     body=json.dumps({"requestId": rid}).encode(), expect=(404,), check=is_problem)
        # Requests that are not contested for this installation.
        for label, rid in (("open", fx["open_id"]), ("granted-owner", fx["granted_id"])):
            self.add("transfer/not-contested-%s" % label, "admin", "POST", path, headers=jh,
                     body=json.dumps({"requestId": rid}).encode(), expect=(409,), check=is_problem)
        self.add("transfer/unknown-installation", "admin", "POST",
                 "/api/v1/installations/%s/transfer" % uuid.uuid4(), headers=jh,
                 body=json.dumps({"requestId": fx["contested_id"]}).encode(), expect=(404,), check=is_problem)
        self.add("transfer/text-plain", "admin", "POST", path, headers=[("Content-Type", "text/plain")],
                 body=json.dumps({"requestId": fx["contested_id"]}).encode(), expect=(415,), check=is_problem)

    def webhook_rows(self):
        """Every field of the endpoints API, hostile and malformed, on create,
        patch and replay; bad ids; methods. Only the valid create adds a row."""
        hooks = "/api/v1/webhook-endpoints"
        one = hooks + "/" + self.fx["webhook_id"]
        jh = [("Content-Type", "application/json")]

        def body_row(name, method, path, body, expect, **kw):
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            elif isinstance(body, str):
                body = body.encode()
            self.add(name, "admin", method, path, headers=kw.pop("headers", jh), body=body,
                     expect=expect, **kw)

        https = "https://backend.example.test/hook"
        bad_urls = {
            "http-remote": "http://backend.example.test/hook", "ftp": "ftp://backend.example.test/",
            "userinfo": "https://user:pw@backend.example.test/", "fragment": https + "#x",
            "overlong": "https://backend.example.test/" + "a" * 2100, "relative": "/hook",
            "protocol-relative": "//backend.example.test/", "javascript": "javascript:alert(1)",
            "script": "https://backend.example.test/" + SCRIPT, "space": "https://back end.example.test/",
            "backslash": "https://backend.example.test\\@evil.example.test/", "empty": "",
            "nul": "https://backend.example.test/\u0000", "port-0": "https://backend.example.test:0/",
            "bad-ipv6": "https://[::g]/", "percent-host": "https://%62ackend.example.test/",
        }
        for label, url in bad_urls.items():
            # jansson refuses a NUL inside a string as invalid JSON, before any field is read.
            body = ('{"url":"%s"}' % url) if label == "nul" else {"url": url}
            check = is_problem if label == "nul" else names_field("url")
            body_row("webhooks.create/url=%s" % label, "POST", hooks, body, (400,), check=check)
            body_row("webhooks.patch/url=%s" % label, "PATCH", one, body, (400,), check=check)
        for label, types in (("unknown", ["callback.nope"]), ("empty", []), ("string", "callback.granted"),
                             ("number", [1]), ("twice", ["request.created", "request.created"]),
                             ("test-type", ["webhook.test"]), ("script", [SCRIPT]), ("object", {})):
            body_row("webhooks.create/types=%s" % label, "POST", hooks, {"url": https, "types": types}, (400,),
                     check=names_field("types"))
            body_row("webhooks.patch/types=%s" % label, "PATCH", one, {"types": types}, (400,),
                     check=names_field("types"))
        for label, value in (("overlong-201", "d" * 201), ("number", 7), ("control", "a\u0007b"),
                             ("array", [])):
            body_row("webhooks.create/description=%s" % label, "POST", hooks, {"url": https, "description": value},
                     (400,), check=names_field("description"))
        for label, value in (("string", "true"), ("number", 1), ("null", None)):
            body_row("webhooks.patch/enabled=%s" % label, "PATCH", one, {"enabled": value}, (400,),
                     check=names_field("enabled"))
        for field in ("secret", "id", "deliveredThrough", "evil"):
            body_row("webhooks.create/unknown-%s" % field, "POST", hooks, {"url": https, field: 1}, (400,),
                     check=names_field(field))
            body_row("webhooks.patch/unknown-%s" % field, "PATCH", one, {field: 1}, (400,), check=names_field(field))
        body_row("webhooks.create/enabled-is-not-a-create-field", "POST", hooks, {"url": https, "enabled": True},
                 (400,), check=names_field("enabled"))
        body_row("webhooks.create/missing-url", "POST", hooks, {}, (400,), check=names_field("url"))
        for label, value in (("negative", "-1"), ("string", '"5"'), ("fraction", "1.5"), ("null", "null"),
                             ("2^64", "18446744073709551616"), ("past-newest", "999999")):
            # 2^64 does not fit jansson's integers: invalid JSON, before any field is read.
            body_row("webhooks.replay/after=%s" % label, "POST", one + "/replay", '{"after":%s}' % value, (400,),
                     check=is_problem if label == "2^64" else names_field("after"))
        body_row("webhooks.replay/missing", "POST", one + "/replay", b"{}", (400,), check=names_field("after"))
        body_row("webhooks.replay/unknown-field", "POST", one + "/replay", {"after": 0, "from": 1}, (400,),
                 check=names_field("from"))
        for method, path in (("POST", hooks), ("PATCH", one), ("POST", one + "/replay")):
            name = path.rsplit("/", 1)[-1][:12]
            body_row("webhooks/%s %s duplicate-keys" % (method, name), method, path,
                     '{"url":"%s","url":"%s"}' % (https, https), (400,), check=is_problem)
            body_row("webhooks/%s %s top-level-array" % (method, name), method, path, "[]", (400,), check=is_problem)
            body_row("webhooks/%s %s invalid-utf8" % (method, name), method, path, b'{"url":"\xff"}', (400,),
                     check=is_problem)
            body_row("webhooks/%s %s nested" % (method, name), method, path, "[" * 10000 + "]" * 10000, (400,),
                     check=is_problem)
            body_row("webhooks/%s %s text-plain" % (method, name), method, path, "{}", (415,),
                     headers=[("Content-Type", "text/plain")], check=is_problem)
            body_row("webhooks/%s %s over-64k" % (method, name), method, path, {"description": "d" * 70000},
                     (413,), check=is_problem)
        # Unknown and malformed ids: 404 on every route that takes one.
        for label, seg in SEGMENTS.items():
            nul = label == "nul"
            split = b"%2F" in seg
            for method, suffix in (("GET", b""), ("PATCH", b""), ("DELETE", b""), ("POST", b"/rotate-secret"),
                                   ("POST", b"/replay"), ("POST", b"/test")):
                target = hooks.encode() + b"/" + seg + suffix
                expect = (404,)
                if (nul or split) and suffix:
                    expect = (404, 405)
                body = b'{"after":0}' if suffix == b"/replay" else (b"{}" if method == "PATCH" else b"")
                self.add("webhooks.%s%s/%s" % (method, suffix.decode(), label), "admin", method, target,
                         headers=jh if body else [], body=body, expect=expect, check=is_problem)
        # The disabled fixture endpoint cannot be sent a test.
        self.add("webhooks.test/disabled", "admin", "POST", one + "/test", expect=(409,), check=is_problem)
        # One valid create: the only row here that stores anything.
        body_row("webhooks.create/valid", "POST", hooks, {"url": https, "description": SCRIPT}, (201,),
                 tables={"webhook_endpoints": 1}, check=echoes_webhook(SCRIPT))
        for path, allow in ((hooks, "POST, GET, HEAD"), (one, "GET, HEAD, PATCH, DELETE"),
                            (one + "/rotate-secret", "POST"), (one + "/replay", "POST"), (one + "/test", "POST")):
            for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "GET", "POST"):
                if method in allow.replace(",", " ").split():
                    continue
                self.add("method/admin %s %s" % (method, path[-40:]), "admin", method, path,
                         expect=(405,), check=allow_header(allow))

    def erasure_rows(self, refused_only=False):
        """POST /api/v1/erasures: every refused body changes nothing and names
        the field; a hostile but valid reference erases nothing and records
        only erasure.completed. None of them may touch the fixtures' rows.
        refused_only: only the refused bodies (the PostgreSQL engine has no
        retention store yet)."""
        path = "/api/v1/erasures"
        jh = [("Content-Type", "application/json")]
        recorded = {"events": {"erasure.completed": 1}}

        def erase_row(name, body, expect, **kw):
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            elif isinstance(body, str):
                body = body.encode()
            self.add("erasures/%s" % name, "admin", "POST", path, headers=kw.pop("headers", jh), body=body,
                     expect=expect, **kw)

        erase_row("empty-body", b"", (400,), check=names_field("reference"))
        erase_row("empty-object", {}, (400,), check=names_field("reference"))
        erase_row("both-keys", {"reference": "a", "installationId": GUID}, (400,),
                  check=names_field("installationId"))
        erase_row("unknown-field", {"reference": "a", "evil": 1}, (400,), check=names_field("evil"))
        for label, value in (("braces", "{%s}" % GUID), ("sql", SQL), ("script", SCRIPT), ("short", GUID[:-1]),
                             ("empty", ""), ("8k", "a" * 8192)):
            erase_row("installationId=%s" % label, {"installationId": value}, (400,),
                      check=names_field("installationId"))
        for label, value in (("number", 1), ("array", []), ("object", {}), ("true", True), ("null", None)):
            erase_row("reference-as-%s" % label, {"reference": value}, (400,), check=names_field("reference"))
            erase_row("installationId-as-%s" % label, {"installationId": value}, (400,),
                      check=names_field("installationId"))
        erase_row("reference=empty", {"reference": ""}, (400,), check=names_field("reference"))
        erase_row("reference=overlong-300", {"reference": "x" * 300}, (400,), check=names_field("reference"))
        erase_row("reference=control", {"reference": "a\u0007b"}, (400,), check=names_field("reference"))
        erase_row("reference=nul", '{"reference":"a\\u0000b"}', (400,), check=is_problem)
        erase_row("reference=invalid-utf8", b'{"reference":"\xff\xfe"}', (400,), check=is_problem)
        erase_row("duplicate-keys", '{"reference":"a","reference":"b"}', (400,), check=is_problem)
        erase_row("top-level-array", "[]", (400,), check=is_problem)
        erase_row("nested-10000-arrays", "[" * 10000 + "]" * 10000, (400,), check=is_problem)
        erase_row("text-plain", '{"reference":"a"}', (415,), headers=[("Content-Type", "text/plain")],
                  check=is_problem)
        erase_row("over-64k", {"reference": "r" * 70000}, (413,), check=is_problem)
        if refused_only:
            return
        # Valid, matching nothing (values no other row uses): zero counts, one
        # event, nothing else.
        for label, value in (("sql", SQL + " erase"), ("script", SCRIPT + "erase"), ("like-wildcard", "%"),
                             ("json-quote", '"}], "x": "')):
            erase_row("reference=%s" % label, {"reference": value}, (200,), check=zero_counts, **recorded)
        erase_row("installationId=unknown", {"installationId": "0b9e6a52-3c1d-4f7e-8a2b-5d4c3e2f1a0b"},
                  (200,), check=zero_counts, **recorded)

    def method_rows(self):
        fx = self.fx
        routes = [
            ("public", "/healthz", "GET, HEAD"), ("public", "/connect/" + fx["open_token"], "GET, HEAD"),
            ("public", "/access-result/" + UNKNOWN_TOKEN, "GET, HEAD"),
            ("admin", "/healthz", "GET, HEAD"), ("admin", "/readyz", "GET, HEAD"),
            ("admin", "/metrics", "GET, HEAD"), ("admin", "/api/v1/access-requests", None),
            ("admin", "/api/v1/access-requests/%s" % fx["open_id"], "GET, HEAD"),
            ("admin", "/api/v1/access-requests/%s/reissue" % fx["open_id"], "POST"),
            ("admin", "/api/v1/access-requests/%s/cancel" % fx["open_id"], "POST"),
            ("admin", "/api/v1/installations", "GET, HEAD"),
            ("admin", "/api/v1/installations/%s" % GUID, "GET, HEAD"),
            ("admin", "/api/v1/installations/%s/revoke" % GUID, "POST"),
            ("admin", "/api/v1/installations/%s/transfer" % GUID, "POST"),
            ("admin", "/api/v1/events", "GET, HEAD"),
            ("admin", "/api/v1/erasures", "POST"),
        ]
        for listener, path, allow in routes:
            allowed = allow or "POST, GET, HEAD"
            for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "GET", "POST"):
                if method in allowed.replace(",", " ").split():
                    continue
                self.add("method/%s %s %s" % (listener, method, path[:40]), listener, method, path,
                         expect=(405,), check=allow_header(allowed))

    def path_rows(self):
        fx = self.fx
        api = "/api/v1/access-requests"
        tricks = [
            ("public", "//connect/" + fx["open_token"], 404),
            ("public", "/connect/../api/v1/access-requests", 404),
            ("public", "/connect/%2e%2e/api/v1/access-requests", 404),
            ("public", api, 404), ("public", api + "%2Fx", 404), ("public", "/api/v1/events", 404),
            ("public", "/metrics", 404), ("public", "/readyz", 404),
            ("public", "/connect/" + fx["open_token"] + "/", 404),
            ("public", "/connect/", 404), ("public", "/connect", 404),
            ("public", "/CONNECT/" + fx["open_token"], 404),
            ("public", "/./connect/" + fx["open_token"], 404),
            ("public", "/connect/%2e%2e", 404),
            ("public", "/%00/connect/x", 404),
            ("admin", "//api/v1/access-requests", 404),
            ("admin", "/connect/../api/v1/access-requests", 404),
            ("admin", "/connect/" + fx["open_token"], 404),
            ("admin", api + "%2Fx", 404),
            ("admin", api + "/", 404),
            ("admin", "/api/v1/../v1/access-requests", 404),
            ("admin", "/api/v2/access-requests", 404),
        ]
        for listener, target, status in tricks:
            self.add("path/%s %s" % (listener, target[:60]), listener, "GET", target, expect=(status,))
        # A callback path with an encoded slash is an unknown callback (see the top).
        self.add("path/access-result-encoded-slash", "public", "GET",
                 "/access-result/a%2Fb?success=true&installationId=" + GUID, expect=(404,),
                 events={"callback.unknown": 1})

    def overlong_rows(self):
        fx = self.fx
        endpoints = [
            ("public", "GET", "/healthz"), ("public", "GET", "/connect/" + fx["open_token"]),
            ("public", "GET", "/access-result/" + fx["open_token"]),
            ("admin", "GET", "/readyz"), ("admin", "GET", "/metrics"),
            ("admin", "POST", "/api/v1/access-requests"), ("admin", "GET", "/api/v1/access-requests"),
            ("admin", "GET", "/api/v1/installations"), ("admin", "GET", "/api/v1/events"),
        ]
        for listener, method, path in endpoints:
            long_query = path + "?x=" + "Q" * 100000
            self.add("overlong-100k-query %s %s" % (listener, path[:30]), listener, method, long_query,
                     expect=(414,))
            self.add("overlong-100k-header %s %s" % (listener, path[:30]), listener, method, path,
                     headers=[("X-Big", "H" * 100000)], expect=(431,))
            self.add("many-headers %s %s" % (listener, path[:30]), listener, method, path,
                     headers=[("X-H%d" % i, "v" * 60) for i in range(1000)], expect=(431,))
        self.add("overlong-100k-path /connect", "public", "GET", "/connect/" + "P" * 100000,
                 expect=(414,))
        self.add("overlong-100k-path /access-result", "public", "GET", "/access-result/" + "P" * 100000,
                 expect=(414,))
        # 8 KB headers fit the buffer and change nothing.
        big = [("X-Filler", "f" * 8192)]
        self.add("header-8k /healthz", "public", "GET", "/healthz", headers=big, expect=(200,))
        self.add("header-8k /connect unknown", "public", "GET", "/connect/" + UNKNOWN_TOKEN, headers=big,
                 expect=(404,))
        self.add("header-8k requests.list", "admin", "GET", "/api/v1/access-requests?limit=1", headers=big,
                 expect=(200,))
        for label, value in (("script", SCRIPT), ("8k", "en," * 2700), ("invalid-utf8", b"\xff\xfe"),
                             ("wildcard-q", "*;q=2, xx;q=1.5")):
            self.add("accept-language %s" % label, "public", "GET", "/connect/" + UNKNOWN_TOKEN,
                     headers=[("Accept-Language", value)], expect=(404,), check=no_raw_markers)
        self.add("x-forwarded-for spoof", "public", "GET", "/access-result/" + UNKNOWN_TOKEN + "?success=false",
                 headers=[("X-Forwarded-For", "<script>1.2.3.4")], expect=(404,),
                 events={"callback.unknown": 1}, check=no_raw_markers)

    def auth_rows(self):
        fx = self.fx
        routes = [
            ("GET", "/metrics"), ("POST", "/api/v1/access-requests"), ("GET", "/api/v1/access-requests"),
            ("GET", "/api/v1/access-requests/%s" % fx["open_id"]),
            ("POST", "/api/v1/access-requests/%s/reissue" % fx["open_id"]),
            ("POST", "/api/v1/access-requests/%s/cancel" % fx["open_id"]),
            ("GET", "/api/v1/installations"), ("GET", "/api/v1/installations/%s" % fx["granted_installation"]),
            ("POST", "/api/v1/installations/%s/revoke" % fx["granted_installation"]),
            ("POST", "/api/v1/installations/%s/transfer" % fx["granted_installation"]),
            ("GET", "/api/v1/events"), ("POST", "/api/v1/erasures"),
            ("GET", "/api/v1/webhook-endpoints"), ("POST", "/api/v1/webhook-endpoints"),
            ("GET", "/api/v1/webhook-endpoints/%s" % fx["webhook_id"]),
            ("PATCH", "/api/v1/webhook-endpoints/%s" % fx["webhook_id"]),
            ("DELETE", "/api/v1/webhook-endpoints/%s" % fx["webhook_id"]),
            ("POST", "/api/v1/webhook-endpoints/%s/rotate-secret" % fx["webhook_id"]),
            ("POST", "/api/v1/webhook-endpoints/%s/replay" % fx["webhook_id"]),
            ("POST", "/api/v1/webhook-endpoints/%s/test" % fx["webhook_id"]),
        ]
        wrong = "x" * len(TOKEN)
        headers = {
            "none": [],
            "empty": [("Authorization", "")],
            "bearer-only": [("Authorization", "Bearer")],
            "bearer-empty": [("Authorization", "Bearer ")],
            "wrong-same-length": [("Authorization", "Bearer " + wrong)],
            "partial": [("Authorization", "Bearer " + TOKEN[:-1])],
            "token-plus-one": [("Authorization", "Bearer " + TOKEN + "x")],
            "basic": [("Authorization", "Basic " + "YWRtaW46" + TOKEN[:8])],
            "double-space": [("Authorization", "Bearer  " + TOKEN)],
            "token-without-scheme": [("Authorization", TOKEN)],
            "8k": [("Authorization", "Bearer " + "z" * 8192)],
        }
        for method, path in routes:
            for label, hdrs in headers.items():
                body_headers = [("Content-Type", "application/json")] if method == "POST" else []
                self.add("auth/%s %s %s" % (label, method, path[:45]), "admin", method, path,
                         headers=hdrs + body_headers, body=b"{}" if method == "POST" else b"",
                         expect=(401,), check=unauthorized, source=self.next_source(), auth=False)


# --- checks on one answer: each returns an error message or None ---

MARKERS = (b"<script", b"<img", b"<b>")


def no_raw_markers(status, headers, body, row):
    for m in MARKERS:
        if m in body:
            return "the answer reflects %r unescaped" % m
    loc = headers.get("location")
    if loc is not None:
        return "unexpected redirect to %s" % loc
    return None


def is_problem(status, headers, body, row):
    if not headers.get("content-type", "").startswith("application/problem+json"):
        return "not a problem+json answer: %s" % headers.get("content-type")
    try:
        doc = json.loads(body)
    except ValueError:
        return "the problem is not valid JSON"
    if doc.get("status") != status or not all(k in doc for k in ("type", "title", "detail")):
        return "the problem lacks type/title/status/detail: %s" % doc
    if TOKEN.encode() in body:
        return "the answer contains the admin token"
    return None


def names_field(field):
    def check(status, headers, body, row):
        err = is_problem(status, headers, body, row)
        if err:
            return err
        fields = [e.get("field") for e in json.loads(body).get("errors", [])]
        if field not in fields:
            return "errors do not name %s: %s" % (field, fields)
        return None
    return check


def empty_list(status, headers, body, row):
    doc = json.loads(body)
    if doc.get("items") != [] or doc.get("nextCursor") is not None:
        return "a hostile reference matched rows: %s" % doc
    return None


def zero_counts(status, headers, body, row):
    try:
        doc = json.loads(body)
    except ValueError:
        return "the answer is not JSON"
    if doc != {"accessRequests": 0, "installations": 0, "events": 0}:
        return "the erasure of nothing answered %s" % doc
    return None


def allow_header(allowed):
    def check(status, headers, body, row):
        got = headers.get("allow")
        if got is None or set(got.replace(",", " ").split()) != set(allowed.replace(",", " ").split()):
            return "Allow is %r, expected %r" % (got, allowed)
        return None
    return check


def unauthorized(status, headers, body, row):
    if headers.get("www-authenticate", "").split(" ")[0] != "Bearer":
        return "no WWW-Authenticate: Bearer"
    return is_problem(status, headers, body, row)


def echoes(field, value):
    """The 201 answer is valid JSON holding the value byte for byte."""
    def check(status, headers, body, row):
        try:
            doc = json.loads(body)
        except ValueError:
            return "the 201 answer is not valid JSON"
        if doc.get(field) != value:
            return "%s came back as %r" % (field, doc.get(field))
        if not headers.get("location", "").startswith("/api/v1/access-requests/"):
            return "no Location"
        row.created_id = doc["id"]
        row.created_token = doc["connectUrl"].rsplit("/", 1)[1]
        return None
    return check


def echoes_webhook(description):
    """A created endpoint that shows description as given and a secret."""
    def check(status, headers, body, row):
        doc = json.loads(body)
        if doc.get("description") != description or not doc.get("secret", "").startswith("whsec_"):
            return "the endpoint came back as %r" % doc
        return None
    return check


def setup(d):
    """An opened request, a granted one with its installation, and a disabled
    webhook endpoint: the fixtures rows refer to."""
    open_id, open_token = d.create_request(reference="open-fixture")
    r = raw_request(d.public_port, build_request("GET", "/connect/" + open_token))
    if r[0] != 303:
        raise Failure("opening the fixture request answered %s" % r[0])
    granted_id, granted_token = d.create_request(reference="granted-fixture")
    installation = str(uuid.uuid4())
    r = raw_request(d.public_port, build_request(
        "GET", "/access-result/%s?success=true&installationId=%s" % (granted_token, installation)))
    if r[0] != 200:
        raise Failure("granting the fixture request answered %s" % r[0])
    # Another customer's request, for the contest rows; and one contested
    # already, which the transfer rows name but never complete.
    contest_id, contest_token = d.create_request(reference="contest-fixture")
    contested_id, contested_token = d.create_request(reference="contested-fixture")
    r = raw_request(d.public_port, build_request(
        "GET", "/access-result/%s?success=true&installationId=%s" % (contested_token, installation)))
    if r[0] != 409:
        raise Failure("contesting the fixture installation answered %s" % r[0])
    pro_id, pro_token = d.create_request(reference="pro-fixture", installationType="pro",
                                         installationId=str(uuid.uuid4()))
    if os.environ.get("ACCESSD_TEST_PG"):
        # The webhook store is the SQLite engine's only, for now: no fixture
        # endpoint, and no webhook rows (the auth rows still name the routes).
        return {"open_id": open_id, "open_token": open_token, "granted_id": granted_id,
                "granted_token": granted_token, "granted_installation": installation,
                "contest_token": contest_token, "contested_id": contested_id, "pro_token": pro_token,
                "webhook_id": str(uuid.uuid4())}
    status, _, doc = d.admin("POST", "/api/v1/webhook-endpoints", {"url": "https://backend.example.test/hook"})
    if status != 201:
        raise Failure("creating the fixture webhook endpoint answered %s" % status)
    status, _, _ = d.admin("PATCH", "/api/v1/webhook-endpoints/" + doc["id"], {"enabled": False})
    if status != 200:
        raise Failure("disabling the fixture webhook endpoint answered %s" % status)
    return {"open_id": open_id, "open_token": open_token, "granted_id": granted_id,
            "granted_token": granted_token, "granted_installation": installation,
            "contest_token": contest_token, "contested_id": contested_id, "pro_token": pro_token,
            "webhook_id": doc["id"]}


def ten_megabytes(d):
    """A 10 MB body announced by Content-Length, on each listener: 413 before a
    byte of the body is sent, then the daemon closes instead of reading it.
    Chunked, with no length announced: 413 as well. Returns failure messages."""
    errors = []
    size = 10 * 1024 * 1024
    cases = [("admin", "/api/v1/access-requests", [("Authorization", "Bearer " + TOKEN)]),
             ("admin", "/api/v1/installations/%s/revoke" % GUID, [("Authorization", "Bearer " + TOKEN)]),
             ("public", "/connect/" + UNKNOWN_TOKEN, [])]
    for listener, path, auth in cases:
        head = build_request("POST", path, auth + [("Content-Type", "application/json"),
                                                  ("Content-Length", str(size))])
        s = socket.create_connection(("127.0.0.1", d.port(listener)), timeout=5)
        try:
            s.sendall(head)
            raw = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                raw += b
            status = parse_response(raw)[0]
            if status != 413:
                errors.append("10 MB %s %s: answered %s before the body was sent" % (listener, path, status))
            sent = 0
            chunk = b"x" * 65536
            try:
                while sent < size:
                    sent += s.send(chunk)
            except OSError:
                pass
            if sent >= size:
                errors.append("10 MB %s %s: the daemon read the whole body" % (listener, path))
        except socket.timeout:
            errors.append("10 MB %s %s: no answer and no close within 5 s" % (listener, path))
        finally:
            s.close()
    # Chunked: the length is unknown up front, so the body is read and dropped.
    body = b"".join(b"%x\r\n%s\r\n" % (65536, b"y" * 65536) for _ in range(160)) + b"0\r\n\r\n"
    req = build_request("POST", "/api/v1/access-requests",
                        [("Authorization", "Bearer " + TOKEN), ("Content-Type", "application/json"),
                         ("Transfer-Encoding", "chunked")]) + body
    status = raw_request(d.admin_port, req, timeout=20)[0]
    if status not in (413, None):
        errors.append("10 MB chunked: answered %s" % status)
    return errors


def run_row(d, row):
    """Sends one row and checks it; returns a list of failure messages."""
    before = db_snapshot(d.database)
    data = build_request(row.method, row.target, row.headers, row.body)
    status, headers, body, _ = raw_request(d.port(row.listener), data, source=row.source)
    row.last_status = status
    after = db_snapshot(d.database)
    errors = []
    if status not in row.expect:
        errors.append("status %s, expected %s; body %r" % (status, sorted(row.expect, key=str), body[:200]))
    elif row.check and status is not None:
        msg = row.check(status, headers, body, row)
        if msg:
            errors.append(msg)
    if TOKEN.encode() in body:
        errors.append("the admin token appears in the answer")
    added = event_diff(before, after)
    if added != row.events:
        errors.append("events added %s, expected %s" % (added, row.events))
    for table, n in after["counts"].items():
        delta = n - before["counts"].get(table, 0)
        want = row.tables.get(table, 0) + (sum(row.events.values()) if table == "events" else 0)
        if delta != want:
            errors.append("%s changed by %d rows, expected %d" % (table, delta, want))
    for table, digest in after["sums"].items():
        if digest != before["sums"][table] and table not in row.tables:
            errors.append("%s rows changed" % table)
    return errors


def page_escape_rows(d, table):
    """For each request created with hostile strings: its connect redirect stays on
    the portal, and its result page shows them escaped."""
    checked = 0
    errors = []
    for row in table.rows:
        token = getattr(row, "created_token", None)
        if token is None:
            continue
        status, headers, body, _ = raw_request(d.public_port, build_request("GET", "/connect/" + token))
        loc = headers.get("location", "")
        if status != 303 or not loc.startswith("https://portal.example.test/access/request/HOSTILE?"):
            errors.append("%s: connect answered %s to %r" % (row.name, status, loc))
        if any(c in loc for c in "<>\"' "):
            errors.append("%s: the portal link is not percent-encoded: %r" % (row.name, loc))
        status, headers, body, _ = raw_request(
            d.public_port, build_request("GET", "/access-result/%s?success=false" % token))
        if status != 200:
            errors.append("%s: the denial answered %s" % (row.name, status))
        msg = no_raw_markers(status, headers, body, row)
        if msg:
            errors.append("%s: result page: %s" % (row.name, msg))
        if b"&lt;script&gt;" not in body and b"&#39; OR 1=1" not in body and b"&#x27; OR 1=1" not in body \
                and b"Hostile Test Energy" not in body:
            errors.append("%s: the result page shows neither the partner nor the escaped value" % row.name)
        checked += 1
    return checked, errors


def main():
    d = Daemon()
    failures = 0
    try:
        d.start()
        fx = setup(d)
        table = Table(fx)
        for part in (table.segment_rows, table.callback_rows, table.list_rows, table.create_rows,
                     table.revoke_rows, table.reissue_rows, table.transfer_rows, table.webhook_rows, table.erasure_rows,
                     table.method_rows, table.path_rows, table.overlong_rows,
                     table.auth_rows):
            if part == table.webhook_rows and os.environ.get("ACCESSD_TEST_PG"):
                continue
            if part == table.erasure_rows and os.environ.get("ACCESSD_TEST_PG"):
                table.erasure_rows(refused_only=True)
                continue
            part()
        groups = {}
        refused = {}
        for row in table.rows:
            errors = run_row(d, row)
            if errors:
                failures += 1
                print("FAIL %s: %s" % (row.name, "; ".join(errors)))
            group = row.name.split("/")[0].split(" ")[0] or "list-query"
            groups[group] = groups.get(group, 0) + 1
            if row.expect & {414, 431}:
                refused[row.last_status] = refused.get(row.last_status, 0) + 1
        big = ten_megabytes(d)
        for e in big:
            failures += 1
            print("FAIL %s" % e)
        pages, errors = page_escape_rows(d, table)
        for e in errors:
            failures += 1
            print("FAIL pages %s" % e)
        if d.proc.poll() is not None:
            failures += 1
            print("FAIL the daemon died during the table")
        log = d.log_text()
        if TOKEN in log:
            failures += 1
            print("FAIL the admin token appears in the daemon's log")
        print("groups: " + " ".join("%s=%d" % kv for kv in sorted(groups.items())))
        print("oversized heads answered: " + " ".join(
            "%s=%d" % ("closed" if k is None else k, v) for k, v in sorted(refused.items(), key=str)))
        print("rows=%d (+4 ten-megabyte bodies) pages-checked=%d failed=%d"
              % (len(table.rows), pages, failures))
    finally:
        rc = d.stop()
    if rc not in (0, None):
        print("FAIL the daemon exited %s on SIGTERM" % rc)
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
