#!/usr/bin/env python3
"""A stand-in for Zaptec's portal and API, for tests of zaptec-accessd.

It serves, on one loopback listener:
  - the portal's access request flow (/access/request/<lookup key>, the login
    and consent pages, the redirect to returnUrl, /access/receipt/<success>);
  - the parts of the API the daemon uses (/oauth/token, /api/installation and
    /api/installation/{id}) with Zaptec's limits: one login a second per
    account, 10 requests a second with a burst of 15 per account, the lag
    between a grant and its visibility in the API;
  - control endpoints under /_standin/ through which tests grant, revoke,
    change the lag or token lifetime, take the API down, and read back what
    happened (grants, every API request, the highest request rate seen).

Python 3 standard library only. See README.md beside this file for the
command line and the choices made where Zaptec's behaviour is unknown.
"""

import argparse
import html
import ipaddress
import io
import json
import math
import os
import re
import secrets
import signal
import socket
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RATE_PER_SECOND = 10.0
RATE_BURST = 15.0
LOGIN_INTERVAL = 1.0
# Since 2025-03-01 Zaptec's list pages hold at most 100 rows, 50 by default.
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 100
SESSION_COOKIE = "standin_session"

# .NET's Guid parser, which Zaptec's API binds route values with, accepts the
# hyphenated form, 32 bare digits, and either wrapped in braces or parentheses.
GUID_RE = re.compile(
    r"^(?:(?P<d>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"|\{(?P<b>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}"
    r"|\((?P<p>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\)"
    r"|(?P<n>[0-9a-fA-F]{32}))$")


def parse_guid(text):
    """Returns the lowercase hyphenated form of a GUID, or None if text is not one."""
    m = GUID_RE.match(text or "")
    if not m:
        return None
    digits = (m.group("d") or m.group("b") or m.group("p") or m.group("n")).replace("-", "").lower()
    return "%s-%s-%s-%s-%s" % (digits[0:8], digits[8:12], digits[12:16], digits[16:20], digits[20:32])


def append_query(url, extra):
    """Appends the query text extra to url, before any fragment, joining with
    '?' when url has no query yet and '&' when it has one."""
    base, hash_mark, fragment = url.partition("#")
    if "?" not in base:
        base += "?"
    elif not base.endswith(("?", "&")):
        base += "&"
    return base + extra + hash_mark + fragment


def max_in_window(times, window=1.0):
    """Returns the largest number of the given monotonic times that fall within
    any half-open interval [t, t + window)."""
    times = sorted(times)
    best = 0
    first = 0
    for last, t in enumerate(times):
        while times[first] <= t - window:
            first += 1
        best = max(best, last - first + 1)
    return best


class TokenBucket:
    """A token bucket: rate tokens a second, holding at most burst."""

    def __init__(self, rate, burst, now):
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = now

    def take(self, now):
        """Takes one token if there is one; returns whether it did."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class State:
    """Everything the stand-in knows and remembers, behind one lock.

    Grants map (lookup key, installation id) to the wall-clock time of the
    grant; the API shows a grant once apiLag seconds have passed since then.
    Tokens map the access token to (account, lookup key or None, monotonic
    expiry). Every API request is recorded with both clocks: wall time for
    readers, monotonic time for the rate computation."""

    def __init__(self, fixture, api_lag, token_lifetime):
        self.lock = threading.Lock()
        self.fixture = fixture
        self.initial_api_lag = api_lag
        self.initial_token_lifetime = token_lifetime
        self.groups = {g["lookupKey"]: g for g in fixture["userGroups"]}
        self.service_accounts = {g["serviceAccount"]["username"]: g for g in fixture["userGroups"]}
        self.users = {u["email"].lower(): u for u in fixture["users"]}
        self.reset()

    def reset(self):
        """Returns the state to how the fixture and command line left it."""
        with self.lock:
            self.api_lag = self.initial_api_lag
            self.token_lifetime = self.initial_token_lifetime
            self.down = False
            self.page_size_cap = None
            self.installations = {}
            self.owner = {}
            for user in self.fixture["users"]:
                for inst in user["installations"]:
                    self.installations[inst["id"]] = dict(inst)
                    self.owner[inst["id"]] = user["email"].lower()
            # Grants present at start count as long established.
            start = time.time() - 86400.0
            self.grants = {}
            for g in self.fixture.get("grants", []):
                self.grants[(g["lookupKey"], g["installationId"])] = start
            self.tokens = {}
            self.sessions = {}
            self.buckets = {}
            self.last_login = {}
            self.api_requests = []
            self.login_attempts = []
            self.logins = 0
            self.portal_logins = 0

    def grant_visible(self, lookup, inst_id, now):
        """Returns whether the API shows inst_id to the group lookup at wall time now."""
        at = self.grants.get((lookup, inst_id))
        return at is not None and at + self.api_lag <= now

    def visible_ids(self, principal, now):
        """Returns the sorted ids of installations the token's principal can see."""
        account, lookup = principal
        if lookup is None:
            return sorted(i for i, o in self.owner.items() if o == account)
        return sorted(i for (k, i) in self.grants if k == lookup and i in self.installations
                      and self.grant_visible(k, i, now))

    def api_object(self, inst_id, principal):
        """Returns the API's JSON object for one installation."""
        inst = self.installations[inst_id]
        # The fixture may set a role; 2 (Owner) is what a shared installation shows by default.
        roles = inst.get("currentUserRoles", 2)
        return {
            "Id": inst_id,
            "Name": inst["name"],
            "InstallationType": inst["installationType"],
            "Active": True,
            "CurrentUserRoles": roles,
        }

    def state_json(self):
        """Returns the control view of the state."""
        return {
            "grants": [{"lookupKey": k, "installationId": i, "grantedAt": at}
                       for (k, i), at in sorted(self.grants.items(), key=lambda kv: kv[1])],
            "apiRequests": [{k: r[k] for k in ("at", "method", "path", "status", "account", "userAgent")}
                            for r in self.api_requests],
            "logins": self.logins,
            "loginAttempts": [dict(a) for a in self.login_attempts],
            "portalLogins": self.portal_logins,
            "liveTokens": sum(1 for t in self.tokens.values() if t[2] > time.monotonic()),
            "config": {"apiLag": self.api_lag, "tokenLifetime": self.token_lifetime, "down": self.down,
                       "pageSizeCap": self.page_size_cap},
        }


TEXT = {
    "en": {
        "title": "Access request",
        "wants": "wants access to your Zaptec installation.",
        "login": "Log in",
        "email": "Email",
        "password": "Password",
        "bad_login": "Wrong email or password.",
        "choose": "Choose the installation to share",
        "approve": "Approve",
        "deny": "Deny",
        "none": "You have no installations that can be shared with this request.",
        "pick_one": "Choose one of the installations listed.",
        "signed_in": "Signed in as",
        "logout": "Log out",
        "grants_means": "Approving lets every member of this group see charge history and "
                        "installation details, change settings, and control the chargers.",
        "error": "Something is wrong with this link",
    },
    "nb": {
        "title": "Forespørsel om tilgang",
        "wants": "ønsker tilgang til ditt Zaptec-anlegg.",
        "login": "Logg inn",
        "email": "E-post",
        "password": "Passord",
        "bad_login": "Feil e-post eller passord.",
        "choose": "Velg anlegget som skal deles",
        "approve": "Godkjenn",
        "deny": "Avslå",
        "none": "Du har ingen anlegg som kan deles med denne forespørselen.",
        "pick_one": "Velg ett av anleggene i listen.",
        "signed_in": "Logget inn som",
        "logout": "Logg ut",
        "grants_means": "Godkjenning lar alle medlemmer av denne gruppen se ladehistorikk og "
                        "anleggsdetaljer, endre innstillinger og styre laderne.",
        "error": "Noe er galt med denne lenken",
    },
}


def texts(lang):
    """Returns the page texts for a lang parameter: Norwegian for nb, no and nn."""
    return TEXT["nb"] if (lang or "").lower() in ("nb", "no", "nn") else TEXT["en"]


def page(title, body, lang="en"):
    """Returns a complete, self-contained HTML page."""
    return (
        "<!doctype html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>%s</title><style>"
        "body{font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em;color:#222}"
        "label{display:block;margin:.6em 0}input[type=email],input[type=password]{width:100%%;padding:.4em}"
        "button{padding:.5em 1.2em;margin:.8em .6em 0 0}.error{color:#b00020}"
        "fieldset{border:1px solid #ccc;padding:.6em 1em}"
        "</style></head><body><main>\n%s\n</main></body></html>\n"
    ) % (html.escape(lang), html.escape(title), body)


class Handler(BaseHTTPRequestHandler):
    """One request: dispatched to the portal, the API or the control endpoints."""

    protocol_version = "HTTP/1.1"
    server_version = "ZaptecStandin/1"

    # --- plumbing -------------------------------------------------------

    def log_message(self, fmt, *args):
        log = self.server.log_file
        if log is not None:
            with self.server.log_lock:
                log.write("%s %s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"),
                                          self.client_address[0], fmt % args))
                log.flush()

    def read_body(self):
        """Reads the whole request body, so the connection stays usable."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def form(self):
        """Returns the body as a form: the first value of each field."""
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.body.decode("utf-8", "replace"),
                                                          keep_blank_values=True).items()}

    def send(self, status, body, content_type, headers=()):
        """Sends a complete response with a Content-Length, so keep-alive works."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.sent_status = status

    def send_json(self, status, obj, headers=()):
        self.send(status, json.dumps(obj), "application/json; charset=utf-8", headers)

    def send_html(self, status, body, headers=()):
        self.send(status, body, "text/html; charset=utf-8", headers)

    def redirect(self, location, headers=()):
        self.send(303, "", "text/plain; charset=utf-8", [("Location", location)] + list(headers))

    def dispatch(self):
        self.body = self.read_body()
        url = urllib.parse.urlsplit(self.path)
        self.url_path = urllib.parse.unquote(url.path)
        self.query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        path = self.url_path
        if path.startswith("/_standin/"):
            return self.control(path[len("/_standin/"):])
        if path == "/oauth/token" or path == "/api" or path.startswith("/api/"):
            return self.api(path)
        if path.startswith("/access/"):
            return self.portal(path)
        self.send_html(404, page("Not found", "<h1 id=\"error-title\">Not found</h1>"))

    def guarded_dispatch(self):
        """Dispatches; a bug in the stand-in answers 500 with the traceback on
        stderr, so a test sees a clear failure instead of a dropped connection."""
        self.sent_status = None
        try:
            self.dispatch()
        except Exception:
            traceback.print_exc()
            if self.sent_status is None:
                self.send(500, "stand-in error\n", "text/plain; charset=utf-8")

    do_GET = do_POST = do_PUT = do_DELETE = guarded_dispatch

    # --- API ------------------------------------------------------------

    def api(self, path):
        """Answers an API request and records it, whatever its outcome. The
        answer is held back until the request is recorded, so a client that
        reads the state right after its answer always finds the request there."""
        state = self.server.state
        account = None
        wire, self.wfile = self.wfile, io.BytesIO()
        try:
            if path == "/oauth/token":
                account = self.api_token()
            else:
                account = self.api_resource(path)
        finally:
            with state.lock:
                state.api_requests.append({
                    "at": time.time(), "mono": time.monotonic(), "method": self.command,
                    "path": self.path, "status": self.sent_status, "account": account,
                    "userAgent": self.headers.get("User-Agent"),
                })
            held, self.wfile = self.wfile, wire
            wire.write(held.getvalue())

    def api_token(self):
        """POST /oauth/token: the password grant. Returns the account named."""
        state = self.server.state
        form = self.form()
        username = form.get("username", "")
        password = form.get("password", "")
        now = time.monotonic()
        with state.lock:
            attempt = {"at": time.time(), "username": username, "grantType": form.get("grant_type"),
                       "scope": form.get("scope"), "status": None}
            state.login_attempts.append(attempt)
            if state.down:
                attempt["status"] = 503
            elif self.command != "POST":
                attempt["status"] = 405
            elif form.get("grant_type") != "password":
                attempt["status"] = 400
                error = {"error": "unsupported_grant_type",
                         "error_description": "grant_type must be password"}
            elif username in state.last_login and now - state.last_login[username] < LOGIN_INTERVAL:
                attempt["status"] = 429
            else:
                state.last_login[username] = now
                principal = None
                group = state.service_accounts.get(username)
                if group is not None and secrets.compare_digest(group["serviceAccount"]["password"], password):
                    principal = (username, group["lookupKey"])
                user = state.users.get(username.lower())
                if principal is None and user is not None and secrets.compare_digest(user["password"], password):
                    principal = (user["email"].lower(), None)
                if principal is None:
                    attempt["status"] = 400
                    error = {"error": "invalid_grant",
                             "error_description": "The user name or password is incorrect."}
                else:
                    attempt["status"] = 200
                    token = secrets.token_urlsafe(32)
                    lifetime = state.token_lifetime
                    state.tokens[token] = (principal[0], principal[1], now + lifetime)
                    state.logins += 1
        status = attempt["status"]
        if status == 503:
            self.send_json(503, {"Message": "Service Unavailable"}, [("Retry-After", "1")])
        elif status == 405:
            self.send_json(405, {"Message": "The requested resource does not support this method."})
        elif status == 429:
            self.send_json(429, {"Message": "Too many login attempts."}, [("Retry-After", "1")])
        elif status == 400:
            self.send_json(400, error)
        else:
            self.send_json(200, {"access_token": token, "token_type": "Bearer",
                                 "expires_in": int(lifetime)})
        return username

    def api_resource(self, path):
        """GET /api/installation[/{id}]. Returns the account of the token, if any."""
        state = self.server.state
        auth = self.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        now = time.monotonic()
        with state.lock:
            if state.down:
                self.send_json(503, {"Message": "Service Unavailable"}, [("Retry-After", "1")])
                return None
            entry = state.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
            if entry is None or entry[2] <= now:
                self.send_json(401, {"Message": "Authorization has been denied for this request."},
                               [("WWW-Authenticate", "Bearer")])
                return None
            principal = (entry[0], entry[1])
            bucket = state.buckets.get(principal[0])
            if bucket is None:
                bucket = state.buckets[principal[0]] = TokenBucket(RATE_PER_SECOND, RATE_BURST, now)
            if not bucket.take(now):
                self.send_json(429, {"Message": "API calls quota exceeded! maximum admitted 10 per Second."},
                               [("Retry-After", "1")])
                return principal[0]
            parts = path.strip("/").split("/")
            if self.command != "GET" or len(parts) not in (2, 3) or parts[1].lower() != "installation":
                if len(parts) in (2, 3) and parts[1].lower() == "installation":
                    self.send_json(405, {"Message": "The requested resource does not support this method."})
                else:
                    self.send_json(404, {"Message": "No HTTP resource was found that matches the request URI."})
                return principal[0]
            wall = time.time()
            if len(parts) == 2:
                self.api_list(principal, wall)
            else:
                self.api_one(principal, parts[2], wall)
            return principal[0]

    def api_one(self, principal, raw_id, wall):
        """GET /api/installation/{id}, with the state lock held.

        A malformed id is 400. An installation the principal may see is 200.
        One that exists but is not (yet, or no longer) shared is 403, as is a
        grant younger than the API lag. An id no installation has is 404."""
        state = self.server.state
        inst_id = parse_guid(raw_id)
        if inst_id is None:
            self.send_json(400, {"Message": "Value must be a Guid"})
        elif inst_id in state.visible_ids(principal, wall):
            self.send_json(200, state.api_object(inst_id, principal))
        elif inst_id in state.installations:
            self.send_json(403, {"Message": "Access denied"})
        else:
            self.send_json(404, {"Message": "Installation not found"})

    def api_list(self, principal, wall):
        """GET /api/installation?PageSize=&PageIndex=, with the state lock held.

        PageIndex counts from 0. PageSize defaults to 50; above 100 it is 400,
        as is a value that is not a whole number or is below range (whether
        Zaptec refuses or caps a larger size is unknown: refusing makes a
        client that asks for more fail its tests). With pageSizeCap set, a page
        holds at most that many rows whatever was asked, and Pages counts
        pages of that size."""
        state = self.server.state
        try:
            size = int(self.query.get("PageSize") or PAGE_SIZE_DEFAULT)
            index = int(self.query.get("PageIndex") or 0)
        except ValueError:
            self.send_json(400, {"Message": "The request is invalid."})
            return
        if size < 1 or index < 0:
            self.send_json(400, {"Message": "The request is invalid."})
            return
        if size > PAGE_SIZE_MAX:
            self.send_json(400, {"Message": "PageSize must be at most %d." % PAGE_SIZE_MAX})
            return
        if state.page_size_cap is not None:
            size = min(size, state.page_size_cap)
        ids = state.visible_ids(principal, wall)
        pages = math.ceil(len(ids) / size)
        data = [state.api_object(i, principal) for i in ids[index * size:(index + 1) * size]]
        self.send_json(200, {"Pages": pages, "Data": data, "Message": None})

    # --- control --------------------------------------------------------

    def control(self, name):
        """The /_standin/ endpoints; see README.md."""
        state = self.server.state
        if self.command == "GET" and name == "state":
            with state.lock:
                self.send_json(200, state.state_json())
            return
        if self.command == "GET" and name == "max-rate":
            with state.lock:
                times = [r["mono"] for r in state.api_requests]
                logins = [r["mono"] for r in state.api_requests if r["path"].startswith("/oauth/token")]
                self.send_json(200, {"maxRequestsInAnyOneSecondWindow": max_in_window(times),
                                     "maxLoginsInAnyOneSecondWindow": max_in_window(logins),
                                     "requests": len(times)})
            return
        if self.command != "POST" or name not in ("grant", "revoke", "config", "reset"):
            self.send_json(404, {"error": "no such control endpoint"})
            return
        try:
            body = json.loads(self.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError("body must be a JSON object")
            if name == "reset":
                state.reset()
                self.send_json(200, {"reset": True})
            elif name == "config":
                self.control_config(body)
            else:
                self.control_grant(name, body)
        except (ValueError, KeyError, TypeError) as e:
            self.send_json(400, {"error": str(e)})

    def control_config(self, body):
        state = self.server.state
        with state.lock:
            for key in ("apiLag", "tokenLifetime"):
                if key in body and (not isinstance(body[key], (int, float)) or isinstance(body[key], bool)
                                    or body[key] < 0):
                    raise ValueError("%s must be a number of seconds, 0 or more" % key)
            if "apiLag" in body:
                state.api_lag = float(body["apiLag"])
            if "tokenLifetime" in body:
                state.token_lifetime = float(body["tokenLifetime"])
            if "down" in body:
                state.down = bool(body["down"])
            if "pageSizeCap" in body:
                cap = body["pageSizeCap"]
                if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap < 1):
                    raise ValueError("pageSizeCap must be a whole number, 1 or more, or null")
                state.page_size_cap = cap
            if body.get("revokeAllTokens"):
                state.tokens.clear()
            self.send_json(200, state.state_json()["config"])

    def control_grant(self, name, body):
        """POST /_standin/grant or /_standin/revoke. A grant of an id no user
        owns creates an installation owned by nobody, named from the body's
        optional name and installationType, so tests can grant many."""
        state = self.server.state
        lookup = body["lookupKey"]
        inst_id = parse_guid(body["installationId"])
        if lookup not in state.groups:
            raise ValueError("unknown lookupKey")
        if inst_id is None:
            raise ValueError("installationId must be a GUID")
        with state.lock:
            key = (lookup, inst_id)
            if name == "revoke":
                existed = state.grants.pop(key, None) is not None
                self.send_json(200, {"revoked": existed})
                return
            if inst_id not in state.installations:
                state.installations[inst_id] = {"id": inst_id,
                                                "name": body.get("name") or "Installation " + inst_id[:8],
                                                "installationType": int(body.get("installationType", 1))}
            at = body.get("grantedAt")
            state.grants[key] = float(at) if at is not None else state.grants.get(key, time.time())
            self.send_json(200, {"lookupKey": lookup, "installationId": inst_id, "grantedAt": state.grants[key]})

    # --- portal ---------------------------------------------------------

    def session_user(self):
        """Returns the fixture user of this browser's session, or None."""
        state = self.server.state
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == SESSION_COOKIE:
                with state.lock:
                    email = state.sessions.get(value)
                return state.users.get(email) if email else None
        return None

    def portal(self, path):
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[1] == "request" and self.command in ("GET", "POST"):
            return self.portal_request(parts[2])
        if len(parts) == 3 and parts[1] == "receipt" and parts[2] in ("true", "false") and self.command == "GET":
            return self.portal_receipt(parts[2] == "true")
        if parts == ["access", "logout"] and self.command in ("GET", "POST"):
            back = self.query.get("next") or "/"
            if not back.startswith("/access/"):
                back = "/access/receipt/false"
            return self.redirect(back, [("Set-Cookie", "%s=; Path=/; Max-Age=0" % SESSION_COOKIE)])
        self.send_html(404, page("Not found", "<h1 id=\"error-title\">Not found</h1>"))

    def portal_error(self, status, message, t):
        self.send_html(status, page(t["error"], "<h1 id=\"error-title\">%s</h1>\n<p id=\"error-message\" class=\"error\">%s</p>"
                                    % (html.escape(t["error"]), html.escape(message))))

    def portal_request(self, lookup):
        """GET or POST /access/request/<lookup>: the login form before login,
        the consent form after it; POST carries either form."""
        state = self.server.state
        q = self.query
        t = texts(q.get("lang"))
        form = self.form() if self.command == "POST" else {}
        group = state.groups.get(lookup)
        if group is None:
            return self.portal_error(404, "Unknown lookup key: %s" % lookup, t)
        itype = q.get("installationtype", "1")
        if itype not in ("0", "1"):
            return self.portal_error(400, "installationtype must be 0 or 1", t)
        itype = int(itype)
        wanted = None
        if q.get("installationId"):
            wanted = parse_guid(q["installationId"])
            if wanted is None:
                return self.portal_error(400, "installationId is not a valid installation id", t)
        if itype == 0 and wanted is None:
            return self.portal_error(400, "installationId is required for Zaptec Pro installations", t)

        user = self.session_user()
        if form.get("form") == "login":
            user = state.users.get(form.get("email", "").strip().lower())
            if user is None or not secrets.compare_digest(user["password"], form.get("password", "")):
                return self.portal_login(q, t, error=True, email=form.get("email", ""))
            sid = secrets.token_urlsafe(24)
            with state.lock:
                state.sessions[sid] = user["email"].lower()
                state.portal_logins += 1
            # Post/redirect/get: the consent page is then an ordinary GET.
            return self.redirect(self.path, [("Set-Cookie", "%s=%s; Path=/; HttpOnly; SameSite=Lax"
                                              % (SESSION_COOKIE, sid))])
        if user is None:
            return self.portal_login(q, t)

        with state.lock:
            candidates = []
            for inst in user["installations"]:
                if inst["installationType"] != itype:
                    continue
                if itype == 0 and inst["id"] != wanted:
                    continue
                if q.get("showExisting") != "true" and (lookup, inst["id"]) in state.grants:
                    continue
                candidates.append(inst)

        if form.get("form") == "consent":
            action = form.get("action")
            return_url = q.get("returnUrl")
            if action == "deny":
                return self.portal_finish(lookup, return_url, None)
            chosen = form.get("installationId")
            if action != "approve" or chosen not in [c["id"] for c in candidates]:
                return self.portal_consent(group, user, candidates, wanted, t, error=True)
            with state.lock:
                state.grants.setdefault((lookup, chosen), time.time())
            return self.portal_finish(lookup, return_url, chosen)
        return self.portal_consent(group, user, candidates, wanted, t)

    def portal_finish(self, lookup, return_url, installation_id):
        """Redirects after approve (installation_id set) or deny (None)."""
        success = "true" if installation_id else "false"
        if return_url:
            extra = "success=" + success
            if installation_id:
                extra += "&installationId=" + installation_id
            return self.redirect(append_query(return_url, extra))
        return self.redirect("/access/receipt/%s?lookup=%s" % (success, urllib.parse.quote(lookup, safe="")))

    def portal_login(self, q, t, error=False, email=""):
        partner = q.get("partnerName") or ""
        body = ["<h1 id=\"title\">%s</h1>" % html.escape(t["title"])]
        if partner:
            body.append("<p id=\"requester\"><strong id=\"requester-name\">%s</strong> %s</p>"
                        % (html.escape(partner), html.escape(t["wants"])))
        body.append("<h2 id=\"login-title\">%s</h2>" % html.escape(t["login"]))
        if error:
            body.append("<p id=\"error\" class=\"error\" role=\"alert\">%s</p>" % html.escape(t["bad_login"]))
        body.append(
            "<form id=\"login-form\" method=\"post\" action=\"%s\">"
            "<input type=\"hidden\" name=\"form\" value=\"login\">"
            "<label for=\"email\">%s</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" value=\"%s\">"
            "<label for=\"password\">%s</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\">"
            "<button id=\"login\" type=\"submit\">%s</button></form>"
            % (html.escape(self.path), html.escape(t["email"]), html.escape(email),
               html.escape(t["password"]), html.escape(t["login"])))
        lang = "nb" if t is TEXT["nb"] else "en"
        self.send_html(200, page(t["title"], "\n".join(body), lang))

    def portal_consent(self, group, user, candidates, wanted, t, error=False):
        body = ["<h1 id=\"title\">%s</h1>" % html.escape(t["title"]),
                "<p id=\"requester\"><strong id=\"requester-name\">%s</strong> %s</p>"
                % (html.escape(group["name"]), html.escape(t["wants"])),
                "<p id=\"signed-in\">%s <span id=\"user-email\">%s</span> · <a id=\"logout\" href=\"/access/logout?next=%s\">%s</a></p>"
                % (html.escape(t["signed_in"]), html.escape(user["email"]),
                   html.escape(urllib.parse.quote(self.path, safe="")), html.escape(t["logout"])),
                "<p id=\"grant-meaning\">%s</p>" % html.escape(t["grants_means"])]
        if error:
            body.append("<p id=\"error\" class=\"error\" role=\"alert\">%s</p>" % html.escape(t["pick_one"]))
        body.append("<form id=\"consent-form\" method=\"post\" action=\"%s\">"
                    "<input type=\"hidden\" name=\"form\" value=\"consent\">" % html.escape(self.path))
        if candidates:
            body.append("<fieldset id=\"installations\"><legend>%s</legend>" % html.escape(t["choose"]))
            for inst in candidates:
                body.append("<label for=\"installation-%s\"><input type=\"radio\" name=\"installationId\" "
                            "id=\"installation-%s\" value=\"%s\"%s> %s</label>"
                            % (inst["id"], inst["id"], inst["id"], " checked" if inst["id"] == wanted else "",
                               html.escape(inst["name"])))
            body.append("</fieldset>")
            body.append("<button id=\"approve\" type=\"submit\" name=\"action\" value=\"approve\">%s</button>"
                        % html.escape(t["approve"]))
        else:
            body.append("<p id=\"no-installations\">%s</p>" % html.escape(t["none"]))
        body.append("<button id=\"deny\" type=\"submit\" name=\"action\" value=\"deny\">%s</button></form>"
                    % html.escape(t["deny"]))
        lang = "nb" if t is TEXT["nb"] else "en"
        self.send_html(400 if error else 200, page(t["title"], "\n".join(body), lang))

    def portal_receipt(self, success):
        state = self.server.state
        lookup = self.query.get("lookup", "")
        group = state.groups.get(lookup)
        title = "Access granted" if success else "Access not granted"
        body = ["<h1 id=\"receipt-title\">%s</h1>" % title]
        if group is not None:
            body.append("<p id=\"receipt-group\">%s <strong id=\"group-name\">%s</strong>.</p>"
                        % ("You have shared your installation with" if success
                           else "You have not shared any installation with", html.escape(group["name"])))
        body.append("<p id=\"receipt-close\">You can close this page.</p>")
        self.send_html(200, page(title, "\n".join(body)))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def load_fixture(path):
    """Reads and checks the fixture; raises ValueError naming what is wrong."""
    with open(path, encoding="utf-8") as f:
        fixture = json.load(f)
    for g in fixture["userGroups"]:
        if not g.get("lookupKey") or not g.get("name") or not g["serviceAccount"].get("username"):
            raise ValueError("each user group needs lookupKey, name and serviceAccount")
    for u in fixture["users"]:
        for inst in u["installations"]:
            if parse_guid(inst["id"]) != inst["id"]:
                raise ValueError("installation id %r is not a lowercase GUID" % inst["id"])
            if inst["installationType"] not in (0, 1):
                raise ValueError("installationType of %s must be 0 or 1" % inst["id"])
    return fixture


def make_server(host, port, fixture, api_lag=0.0, token_lifetime=3600.0, log_file=None):
    """Binds and listens on host:port; returns the server, not yet serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_class = type("BoundServer", (Server,), {"address_family": family})
    server = server_class((host, port), Handler)
    server.state = State(fixture, api_lag, token_lifetime)
    server.log_file = log_file
    server.log_lock = threading.Lock()
    return server


def parse_listen(text):
    """Splits ADDRESS:PORT (IPv6 in brackets); refuses addresses that are not loopback."""
    host, sep, port = text.rpartition(":")
    if not sep:
        raise ValueError("--listen must be ADDRESS:PORT")
    host = host.strip("[]")
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError("--listen must name a loopback address")
    return host, int(port)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Stand-in for Zaptec's portal and API.")
    ap.add_argument("--listen", required=True, help="loopback ADDRESS:PORT, port 0 for any")
    ap.add_argument("--port-file", required=True, help="file to receive the bound port")
    ap.add_argument("--fixture", required=True, help="JSON fixture of user groups and users")
    ap.add_argument("--api-lag", type=float, default=0.0, help="seconds before a grant shows in the API")
    ap.add_argument("--token-lifetime", type=float, default=3600.0, help="access token lifetime, seconds")
    ap.add_argument("--log", help="file to append one line per request to")
    args = ap.parse_args(argv)
    try:
        host, port = parse_listen(args.listen)
        fixture = load_fixture(args.fixture)
    except (ValueError, KeyError, OSError) as e:
        print("standin: %s" % e, file=sys.stderr)
        return 2
    if args.api_lag < 0 or args.token_lifetime < 0:
        print("standin: --api-lag and --token-lifetime must be 0 or more", file=sys.stderr)
        return 2
    log_file = open(args.log, "a", encoding="utf-8") if args.log else None
    server = make_server(host, port, fixture, args.api_lag, args.token_lifetime, log_file)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    # The socket already listens, so connections queue from here on.
    tmp = "%s.tmp.%d" % (args.port_file, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)

    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    if log_file is not None:
        log_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
