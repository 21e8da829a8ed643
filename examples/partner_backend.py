#!/usr/bin/env python3
"""A partner's backend talking to zaptec-accessd, in Python's standard library.

It creates an access request for one customer, prints the link to send them,
then follows the daemon's event feed (GET /api/v1/events) until that request
is answered, printing every event it reads as one JSON line. It exits 0 when
the customer granted access, 3 when they denied it or the link expired, and 1
on an error or when --timeout passes first.

    partner_backend.py --api http://127.0.0.1:8081 --token-file /etc/zaptec-accessd/api-token \\
        --reference customer-42 [--lang nb] [--timeout 3600]

A real backend keeps the last event id it handled (here --after) in its own
database, so that it resumes after a restart without missing or repeating
an event: ids increase in commit order without gaps. It also keeps following
after a denial: a customer who changes their mind may still grant access
with the same link.
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.request

POLL_SECONDS = 2.0
ANSWERS = {"callback.granted": 0, "callback.denied": 3, "request.expired": 3}


class ApiError(Exception):
    pass


class AccessdClient:
    """The admin API with its bearer token; answers are parsed JSON."""

    def __init__(self, base_url, token):
        self.base_url = base_url.rstrip("/")
        self.token = token

    def call(self, method, path, body=None):
        data = None
        headers = {"Authorization": "Bearer " + self.token, "Accept": "application/json"}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return json.load(res)
        except urllib.error.HTTPError as e:
            # Errors are RFC 9457 problems: "detail" says what was wrong and
            # "errors" names each field.
            try:
                problem = json.load(e)
            except ValueError:
                problem = {}
            fields = "; ".join(f"{x['field']}: {x['message']}" for x in problem.get("errors", []))
            raise ApiError(f"{method} {path}: {e.code} {problem.get('detail', e.reason)}"
                           + (f" ({fields})" if fields else "")) from None
        except urllib.error.URLError as e:
            raise ApiError(f"{method} {path}: {e.reason}") from None

    def create_request(self, reference, lang=None):
        body = {"reference": reference}
        if lang:
            body["lang"] = lang
        return self.call("POST", "/api/v1/access-requests", body)

    def events(self, after, limit=100):
        return self.call("GET", f"/api/v1/events?after={after}&limit={limit}")


def follow(client, request_id, after, deadline):
    """Reads the feed from after on, printing each event, until one answers
    request_id. Returns that event's exit status, or None at the deadline."""
    while time.monotonic() < deadline:
        page = client.events(after)
        for event in page["items"]:
            print(json.dumps(event, sort_keys=True), flush=True)
            if event["requestId"] == request_id and event["type"] in ANSWERS:
                return event
        after = page["nextAfter"]
        if not page["items"]:
            time.sleep(POLL_SECONDS)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", default="http://127.0.0.1:8081", help="the admin listener's base URL")
    parser.add_argument("--token-file", required=True, help="a file holding the admin bearer token")
    parser.add_argument("--reference", required=True, help="your own id of the customer")
    parser.add_argument("--lang", help="the customer's language, such as nb or de")
    parser.add_argument("--after", type=int, default=0, help="the last event id already handled")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the answer")
    args = parser.parse_args()

    with open(args.token_file, encoding="utf-8") as f:
        client = AccessdClient(args.api, f.read().strip())
    deadline = time.monotonic() + args.timeout
    try:
        request = client.create_request(args.reference, args.lang)
        print(f"send this link to {args.reference}: {request['connectUrl']}", flush=True)
        event = follow(client, request["id"], args.after, deadline)
    except ApiError as e:
        print(f"partner_backend: {e}", file=sys.stderr)
        return 1
    if event is None:
        print(f"partner_backend: no answer to request {request['id']} within {args.timeout:g} s", file=sys.stderr)
        return 1
    if event["type"] == "callback.granted":
        print(f"{args.reference} granted access to installation {event['installationId']}", flush=True)
    else:
        print(f"{args.reference}: {event['type']}", flush=True)
    return ANSWERS[event["type"]]


if __name__ == "__main__":
    sys.exit(main())
