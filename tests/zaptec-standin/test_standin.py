"""Self-test of the Zaptec stand-in: runs standin.py as a subprocess on
127.0.0.1 port 0 and drives its portal, API and control endpoints over HTTP.

Run: python3 -m unittest discover -s tests/zaptec-standin -p 'test_*.py' -v
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "standin.py")
FIXTURE = os.path.join(HERE, "fixture.json")
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import standin  # noqa: E402  (for its pure helpers)

with open(FIXTURE, encoding="utf-8") as _f:
    FX = json.load(_f)

ALICE_HOME = "b2c5559d-2073-42ee-8a89-4645916eca49"
ALICE_CABIN = "c2fb90d7-e8df-46d1-90f8-e54c9f57ee04"   # shared with BSJG in the fixture
BOB_PRO_GARAGE = "0f64077e-cf73-43c7-900c-b0f9efb717c5"
BOB_PRO_OFFICE = "4a8cb4f0-6a63-4e4c-97bb-829577c892fc"
BOB_HOME = "d7f7c191-4a15-4b9e-86ad-cd5a681b645c"
CAROL_HOME = "7c1608f5-8d40-4262-9d88-c265ba7e5641"
UNKNOWN_ID = "00000000-1111-4222-8333-444444444444"
GROUP_NAME = "Acme Energy UserGroup"
SVC = ("svc-acme@example.test", "acme-service-secret")
OTHER_SVC = ("svc-other@example.test", "other-service-secret")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Lets tests see redirects instead of following them."""

    def redirect_request(self, *args, **kwargs):
        return None


# No proxy: the stand-in is on loopback whatever the environment says.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def start_standin(tmpdir, *extra):
    """Starts standin.py on 127.0.0.1:0; returns (process, base URL) once the
    port file appears, within a bounded deadline."""
    port_file = os.path.join(tmpdir, "port")
    proc = subprocess.Popen([sys.executable, STANDIN, "--listen", "127.0.0.1:0", "--port-file", port_file,
                             "--fixture", FIXTURE] + list(extra))
    deadline = time.monotonic() + 15
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("stand-in did not start")
        time.sleep(0.05)
    with open(port_file) as f:
        return proc, "http://127.0.0.1:%d" % int(f.read())


def stop_standin(proc):
    """Sends SIGTERM; returns the exit status (killing after a deadline)."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


BASE = None
PROC = None
TMP = None


def setUpModule():
    global BASE, PROC, TMP
    TMP = tempfile.TemporaryDirectory()
    PROC, BASE = start_standin(TMP.name)


def tearDownModule():
    stop_standin(PROC)
    TMP.cleanup()


def call(method, path, form=None, json_body=None, headers=None, base=None):
    """One HTTP request; returns (status, headers, body text). Never follows redirects."""
    data = None
    hdrs = dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        hdrs["Content-Type"] = "application/x-www-form-urlencoded"
    elif json_body is not None:
        data = json.dumps(json_body).encode()
        hdrs["Content-Type"] = "application/json"
    req = urllib.request.Request((base or BASE) + path, data=data, method=method, headers=hdrs)
    try:
        with OPENER.open(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8")


def call_json(method, path, **kwargs):
    status, headers, body = call(method, path, **kwargs)
    return status, headers, (json.loads(body) if body else None)


def control(name, body=None):
    if body is None:
        return call_json("GET", "/_standin/" + name)[2]
    status, _, answer = call_json("POST", "/_standin/" + name, json_body=body)
    assert status == 200, (name, status, answer)
    return answer


def request_url(lookup="BSJG", **params):
    """An access request URL path in the order the daemon builds it."""
    q = {"partnerName": "Acme Charging", "lang": "en"}
    q.update(params)
    q.setdefault("installationtype", "1")
    return "/access/request/%s?%s" % (lookup, urllib.parse.urlencode(q, quote_via=urllib.parse.quote))


class Browser:
    """Keeps the portal's session cookie between requests."""

    def __init__(self):
        self.cookie = None

    def go(self, method, path, form=None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        status, hdrs, body = call(method, path, form=form, headers=headers)
        set_cookie = hdrs.get("Set-Cookie")
        if set_cookie:
            self.cookie = set_cookie.split(";")[0]
        return status, hdrs, body

    def login(self, path, email, password):
        status, hdrs, _ = self.go("POST", path, {"form": "login", "email": email, "password": password})
        assert status == 303, status
        return self.go("GET", hdrs["Location"])


def radio_ids(body):
    return re.findall(r'name="installationId" id="installation-[0-9a-f-]+" value="([0-9a-f-]+)"', body)


def checked_ids(body):
    return re.findall(r'value="([0-9a-f-]+)" checked', body)


def text_of(body, element_id):
    m = re.search(r'id="%s"[^>]*>(.*?)</' % re.escape(element_id), body, re.S)
    return m.group(1) if m else None


def token(account=SVC):
    """Logs the account in through /oauth/token, waiting out the one-login-a-second limit."""
    deadline = time.monotonic() + 10
    while True:
        status, headers, body = call_json("POST", "/oauth/token", form={
            "grant_type": "password", "username": account[0], "password": account[1], "scope": "openid"})
        if status != 429 or time.monotonic() > deadline:
            assert status == 200, (status, body)
            return body["access_token"]
        time.sleep(float(headers["Retry-After"]))


def bearer(tok):
    return {"Authorization": "Bearer " + tok}


class StandinTestCase(unittest.TestCase):
    def setUp(self):
        control("reset", {})


class PortalTests(StandinTestCase):
    def test_before_login_page_shows_partner_name_not_group_name(self):
        status, _, body = call("GET", request_url())
        self.assertEqual(status, 200)
        self.assertEqual(text_of(body, "requester-name"), "Acme Charging")
        self.assertNotIn(GROUP_NAME, body)
        self.assertIn('id="email"', body)
        self.assertIn('id="password"', body)
        self.assertIn('id="login"', body)

    def test_login_form_posts_back_to_the_same_url(self):
        path = request_url(returnUrl="https://partner.test/access-result/tok")
        _, _, body = call("GET", path)
        action = re.search(r'<form id="login-form" method="post" action="([^"]*)"', body).group(1)
        self.assertEqual(action.replace("&amp;", "&"), path)

    def test_unknown_lookup_key_is_an_error_page_404(self):
        status, _, body = call("GET", request_url("NOPE"))
        self.assertEqual(status, 404)
        self.assertIn('id="error-message"', body)

    def test_pro_without_installation_id_is_an_error_page_400(self):
        status, _, body = call("GET", request_url(installationtype="0"))
        self.assertEqual(status, 400)
        self.assertIn("installationId is required", body)

    def test_bad_installation_type_is_400(self):
        self.assertEqual(call("GET", request_url(installationtype="2"))[0], 400)

    def test_wrong_password_shows_the_login_form_with_an_error(self):
        b = Browser()
        status, _, body = b.go("POST", request_url(), {"form": "login", "email": "alice@example.test",
                                                       "password": "wrong"})
        self.assertEqual(status, 200)
        self.assertIn('id="error"', body)
        self.assertIn('id="login-form"', body)
        self.assertIsNone(b.cookie)
        self.assertEqual(control("state")["portalLogins"], 0)

    def test_after_login_group_name_replaces_partner_name(self):
        status, _, body = Browser().login(request_url(), "alice@example.test", "alice-secret")
        self.assertEqual(status, 200)
        self.assertEqual(text_of(body, "requester-name"), GROUP_NAME)
        self.assertNotIn("Acme Charging", body)
        self.assertIn('id="approve"', body)
        self.assertIn('id="deny"', body)

    def test_listing_hides_installations_already_shared_with_the_group(self):
        _, _, body = Browser().login(request_url(), "alice@example.test", "alice-secret")
        self.assertEqual(radio_ids(body), [ALICE_HOME])

    def test_show_existing_lists_already_shared_installations(self):
        _, _, body = Browser().login(request_url(showExisting="true"), "alice@example.test", "alice-secret")
        self.assertEqual(sorted(radio_ids(body)), sorted([ALICE_HOME, ALICE_CABIN]))

    def test_go_listing_holds_only_go_installations_and_preselects_the_given_one(self):
        _, _, body = Browser().login(request_url(installationId=BOB_HOME), "bob@example.test", "bob-secret")
        self.assertEqual(radio_ids(body), [BOB_HOME])
        self.assertEqual(checked_ids(body), [BOB_HOME])

    def test_pro_lists_only_the_requested_installation_preselected(self):
        path = request_url(installationtype="0", installationId=BOB_PRO_OFFICE)
        _, _, body = Browser().login(path, "bob@example.test", "bob-secret")
        self.assertEqual(radio_ids(body), [BOB_PRO_OFFICE])
        self.assertEqual(checked_ids(body), [BOB_PRO_OFFICE])

    def test_user_without_matching_installations_sees_none_and_can_only_deny(self):
        _, _, body = Browser().login(request_url(), "dave@example.test", "dave-secret")
        self.assertIn('id="no-installations"', body)
        self.assertNotIn('id="approve"', body)
        self.assertIn('id="deny"', body)

    def test_norwegian_headings_for_lang_nb_and_no(self):
        for lang in ("nb", "no"):
            _, _, body = call("GET", request_url(lang=lang))
            self.assertEqual(text_of(body, "title"), "Forespørsel om tilgang")
            self.assertEqual(text_of(body, "login"), "Logg inn")
        _, _, body = call("GET", request_url(lang="de"))
        self.assertEqual(text_of(body, "title"), "Access request")

    def approve(self, path, email, password, installation_id, action="approve"):
        b = Browser()
        b.login(path, email, password)
        return b.go("POST", path, {"form": "consent", "installationId": installation_id, "action": action})

    def test_approve_redirects_to_return_url_with_question_mark(self):
        path = request_url(returnUrl="https://partner.test/access-result/tok123")
        status, headers, _ = self.approve(path, "alice@example.test", "alice-secret", ALICE_HOME)
        self.assertIn(status, (302, 303))
        self.assertEqual(headers["Location"],
                         "https://partner.test/access-result/tok123?success=true&installationId=" + ALICE_HOME)

    def test_approve_appends_with_ampersand_when_return_url_has_a_query(self):
        path = request_url(returnUrl="https://partner.test/cb?t=abc")
        status, headers, _ = self.approve(path, "alice@example.test", "alice-secret", ALICE_HOME)
        self.assertIn(status, (302, 303))
        self.assertEqual(headers["Location"],
                         "https://partner.test/cb?t=abc&success=true&installationId=" + ALICE_HOME)

    def test_approve_records_the_grant(self):
        before = time.time()
        self.approve(request_url(returnUrl="https://partner.test/r"), "alice@example.test", "alice-secret",
                     ALICE_HOME)
        grants = [g for g in control("state")["grants"] if g["installationId"] == ALICE_HOME]
        self.assertEqual(len(grants), 1)
        self.assertEqual(grants[0]["lookupKey"], "BSJG")
        self.assertGreaterEqual(grants[0]["grantedAt"], before - 1)

    def test_approve_of_an_installation_not_listed_is_refused(self):
        path = request_url(returnUrl="https://partner.test/r")
        for other in (CAROL_HOME, ALICE_CABIN):   # another user's; already shared and hidden
            status, headers, body = self.approve(path, "alice@example.test", "alice-secret", other)
            self.assertEqual(status, 400)
            self.assertIn('id="error"', body)
        self.assertEqual(len(control("state")["grants"]), 1)

    def test_deny_redirects_with_success_false_only(self):
        path = request_url(returnUrl="https://partner.test/access-result/tok123")
        status, headers, _ = self.approve(path, "alice@example.test", "alice-secret", ALICE_HOME, "deny")
        self.assertIn(status, (302, 303))
        self.assertEqual(headers["Location"], "https://partner.test/access-result/tok123?success=false")
        self.assertEqual(len(control("state")["grants"]), 1)

    def test_without_return_url_approve_and_deny_go_to_the_receipt(self):
        status, headers, _ = self.approve(request_url(), "alice@example.test", "alice-secret", ALICE_HOME)
        self.assertEqual(headers["Location"], "/access/receipt/true?lookup=BSJG")
        status, _, body = call("GET", headers["Location"])
        self.assertEqual(status, 200)
        self.assertEqual(text_of(body, "receipt-title"), "Access granted")
        self.assertEqual(text_of(body, "group-name"), GROUP_NAME)
        _, headers, _ = self.approve(request_url(), "alice@example.test", "alice-secret", "", "deny")
        self.assertEqual(headers["Location"], "/access/receipt/false?lookup=BSJG")
        self.assertEqual(text_of(call("GET", headers["Location"])[2], "receipt-title"), "Access not granted")


class ApiTests(StandinTestCase):
    def get_installation(self, tok, inst_id):
        return call_json("GET", "/api/installation/" + inst_id, headers=bearer(tok))

    def test_oauth_service_account_gets_a_bearer_token(self):
        status, _, body = call_json("POST", "/oauth/token", form={
            "grant_type": "password", "username": SVC[0], "password": SVC[1], "scope": "openid"})
        self.assertEqual(status, 200)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], 3600)
        self.assertTrue(body["access_token"])
        state = control("state")
        self.assertEqual(state["logins"], 1)
        self.assertEqual(state["loginAttempts"][0]["scope"], "openid")

    def test_oauth_wrong_password_is_400_invalid_grant(self):
        status, _, body = call_json("POST", "/oauth/token", form={
            "grant_type": "password", "username": SVC[0], "password": "nope", "scope": "openid"})
        self.assertEqual(status, 400)
        self.assertEqual(body["error"], "invalid_grant")
        self.assertTrue(body["error_description"])
        self.assertEqual(control("state")["logins"], 0)

    def test_second_login_within_a_second_is_429_with_retry_after(self):
        form = {"grant_type": "password", "username": SVC[0], "password": SVC[1], "scope": "openid"}
        deadline = time.monotonic() + 10
        last_ok = None
        while time.monotonic() < deadline:
            started = time.monotonic()
            status, headers, _ = call_json("POST", "/oauth/token", form=form)
            if status == 429:
                self.assertEqual(headers["Retry-After"], "1")
                # Only refused when a login was accepted less than a second before.
                self.assertIsNotNone(last_ok)
                self.assertLess(started - last_ok, 1.0 + 0.001)
                return
            self.assertEqual(status, 200)
            last_ok = time.monotonic()
        self.fail("no 429 for back-to-back logins")

    def test_installation_is_200_once_the_grant_is_older_than_the_lag(self):
        tok = token()
        control("config", {"apiLag": 60})
        control("grant", {"lookupKey": "BSJG", "installationId": ALICE_HOME})
        self.assertEqual(self.get_installation(tok, ALICE_HOME)[0], 403)
        control("grant", {"lookupKey": "BSJG", "installationId": ALICE_HOME, "grantedAt": time.time() - 61})
        status, _, body = self.get_installation(tok, ALICE_HOME)
        self.assertEqual(status, 200)
        self.assertEqual(body, {"Id": ALICE_HOME, "Name": "Alice Home", "InstallationType": 1,
                                "Active": True, "CurrentUserRoles": 2})

    def test_a_fresh_grant_appears_only_after_the_lag(self):
        tok = token()
        control("config", {"apiLag": 0.5})
        granted = time.time()
        control("grant", {"lookupKey": "BSJG", "installationId": ALICE_HOME})
        deadline = time.monotonic() + 10
        while True:
            status = self.get_installation(tok, ALICE_HOME)[0]
            if status == 200 or time.monotonic() > deadline:
                break
            self.assertEqual(status, 403)
            time.sleep(0.15)
        self.assertEqual(status, 200)
        self.assertGreaterEqual(time.time() - granted, 0.5)

    def test_not_granted_is_403_revoked_is_403_and_unknown_id_is_404(self):
        tok = token()
        self.assertEqual(self.get_installation(tok, CAROL_HOME)[0], 403)
        self.assertEqual(self.get_installation(tok, ALICE_CABIN)[0], 200)
        self.assertEqual(control("revoke", {"lookupKey": "BSJG", "installationId": ALICE_CABIN}),
                         {"revoked": True})
        self.assertEqual(self.get_installation(tok, ALICE_CABIN)[0], 403)
        self.assertEqual(self.get_installation(tok, UNKNOWN_ID)[0], 404)

    def test_other_group_does_not_see_the_grant(self):
        self.assertEqual(self.get_installation(token(OTHER_SVC), ALICE_CABIN)[0], 403)

    def test_malformed_guid_is_400_and_other_guid_forms_are_accepted(self):
        tok = token()
        status, _, body = self.get_installation(tok, "not-a-guid")
        self.assertEqual(status, 400)
        self.assertEqual(body, {"Message": "Value must be a Guid"})
        status, _, body = self.get_installation(tok, ALICE_CABIN.upper())
        self.assertEqual(status, 200)
        self.assertEqual(body["Id"], ALICE_CABIN)

    def test_missing_bad_revoked_and_expired_tokens_are_401(self):
        self.assertEqual(call("GET", "/api/installation/" + ALICE_CABIN)[0], 401)
        status, headers, _ = self.get_installation("bogus", ALICE_CABIN)
        self.assertEqual(status, 401)
        self.assertEqual(headers["WWW-Authenticate"], "Bearer")
        tok = token()
        control("config", {"revokeAllTokens": True})
        self.assertEqual(self.get_installation(tok, ALICE_CABIN)[0], 401)
        control("reset", {})
        control("config", {"tokenLifetime": 0})
        status, _, body = call_json("POST", "/oauth/token", form={
            "grant_type": "password", "username": SVC[0], "password": SVC[1], "scope": "openid"})
        self.assertEqual(body["expires_in"], 0)
        self.assertEqual(self.get_installation(body["access_token"], ALICE_CABIN)[0], 401)

    def test_list_pages_through_granted_installations(self):
        ids = {ALICE_CABIN}
        for n in range(5):
            inst = "aaaaaaaa-0000-4000-8000-%012d" % n
            ids.add(inst)
            control("grant", {"lookupKey": "BSJG", "installationId": inst})
        tok = token()
        seen = []
        for index in range(3):
            status, _, body = call_json("GET", "/api/installation?PageSize=2&PageIndex=%d" % index,
                                        headers=bearer(tok))
            self.assertEqual(status, 200)
            self.assertEqual(body["Pages"], 3)
            self.assertIsNone(body["Message"])
            self.assertEqual(len(body["Data"]), 2)
            seen += [d["Id"] for d in body["Data"]]
        self.assertEqual(sorted(seen), sorted(ids))
        _, _, body = call_json("GET", "/api/installation?PageSize=2&PageIndex=3", headers=bearer(tok))
        self.assertEqual(body["Data"], [])
        _, _, body = call_json("GET", "/api/installation", headers=bearer(tok))
        self.assertEqual((body["Pages"], len(body["Data"])), (1, 6))
        self.assertEqual(call("GET", "/api/installation?PageSize=x", headers=bearer(tok))[0], 400)

    def test_list_pages_hold_at_most_100_and_a_larger_page_size_is_400(self):
        for n in range(120):
            control("grant", {"lookupKey": "BSJG", "installationId": "bbbbbbbb-0000-4000-8000-%012d" % n})
        tok = token()
        _, _, body = call_json("GET", "/api/installation", headers=bearer(tok))
        self.assertEqual((body["Pages"], len(body["Data"])), (3, 50))
        status, _, body = call_json("GET", "/api/installation?PageSize=100&PageIndex=1", headers=bearer(tok))
        self.assertEqual((status, body["Pages"], len(body["Data"])), (200, 2, 21))
        for size in ("101", "500", "5000"):
            status, _, body = call_json("GET", "/api/installation?PageSize=%s" % size, headers=bearer(tok))
            self.assertEqual(status, 400, size)
            self.assertIn("100", body["Message"])

    def test_page_size_cap_serves_smaller_pages_than_asked(self):
        control("config", {"pageSizeCap": 2})
        for n in range(3):
            control("grant", {"lookupKey": "BSJG", "installationId": "cccccccc-0000-4000-8000-%012d" % n})
        tok = token()
        _, _, body = call_json("GET", "/api/installation?PageSize=100", headers=bearer(tok))
        self.assertEqual((body["Pages"], len(body["Data"])), (2, 2))
        self.assertEqual(call("POST", "/_standin/config", json_body={"pageSizeCap": 0})[0], 400)

    def test_list_leaves_out_grants_younger_than_the_lag(self):
        control("config", {"apiLag": 60})
        control("grant", {"lookupKey": "BSJG", "installationId": ALICE_HOME})
        _, _, body = call_json("GET", "/api/installation", headers=bearer(token()))
        self.assertEqual([d["Id"] for d in body["Data"]], [ALICE_CABIN])

    def test_requests_beyond_the_burst_get_429_with_retry_after(self):
        tok = token()
        started = time.monotonic()
        ok = 0
        for _ in range(200):
            status, headers, _ = self.get_installation(tok, ALICE_CABIN)
            if status == 429:
                break
            self.assertEqual(status, 200)
            ok += 1
        elapsed = time.monotonic() - started
        self.assertEqual(status, 429)
        self.assertEqual(headers["Retry-After"], "1")
        # The bucket holds 15 and refills 10 a second.
        self.assertGreaterEqual(ok, 15)
        self.assertLessEqual(ok, 15 + 10 * elapsed + 1)
        statuses = [r["status"] for r in control("state")["apiRequests"]]
        self.assertEqual(statuses[-1], 429)

    def test_down_api_answers_503(self):
        tok = token()
        control("config", {"down": True})
        self.assertEqual(self.get_installation(tok, ALICE_CABIN)[0], 503)
        self.assertEqual(call("POST", "/oauth/token", form={"grant_type": "password", "username": SVC[0],
                                                             "password": SVC[1]})[0], 503)
        control("config", {"down": False})
        self.assertEqual(self.get_installation(tok, ALICE_CABIN)[0], 200)


class ControlTests(StandinTestCase):
    def test_state_records_every_api_request_with_its_status(self):
        tok = token()
        call("GET", "/api/installation/" + CAROL_HOME, headers=dict(bearer(tok), **{"User-Agent": "ua/1"}))
        requests = control("state")["apiRequests"]
        self.assertEqual([(r["method"], r["path"], r["status"]) for r in requests],
                         [("POST", "/oauth/token", 200), ("GET", "/api/installation/" + CAROL_HOME, 403)])
        self.assertEqual(requests[1]["userAgent"], "ua/1")
        self.assertIsInstance(requests[0]["at"], float)

    def test_max_rate_reports_the_busiest_one_second_window(self):
        self.assertEqual(control("max-rate")["maxRequestsInAnyOneSecondWindow"], 0)
        tok = token()
        self.assertEqual(call("GET", "/api/installation/" + ALICE_CABIN, headers=bearer(tok))[0], 200)
        rate = control("max-rate")
        self.assertEqual(rate["requests"], 2)
        self.assertIn(rate["maxRequestsInAnyOneSecondWindow"], (1, 2))
        self.assertEqual(rate["maxLoginsInAnyOneSecondWindow"], 1)

    def test_window_counting(self):
        self.assertEqual(standin.max_in_window([]), 0)
        self.assertEqual(standin.max_in_window([0.0, 0.2, 0.4, 1.3, 1.35, 1.4, 1.45]), 4)
        self.assertEqual(standin.max_in_window([0.0, 1.0, 2.0]), 1)

    def test_return_url_joining(self):
        self.assertEqual(standin.append_query("https://a.test/r", "x=1"), "https://a.test/r?x=1")
        self.assertEqual(standin.append_query("https://a.test/r?t=1", "x=1"), "https://a.test/r?t=1&x=1")
        self.assertEqual(standin.append_query("https://a.test/r?", "x=1"), "https://a.test/r?x=1")
        self.assertEqual(standin.append_query("https://a.test/r#f", "x=1"), "https://a.test/r?x=1#f")

    def test_grant_and_revoke_without_a_browser(self):
        answer = control("grant", {"lookupKey": "BSJG", "installationId": CAROL_HOME})
        self.assertEqual(answer["installationId"], CAROL_HOME)
        keys = {(g["lookupKey"], g["installationId"]) for g in control("state")["grants"]}
        self.assertEqual(keys, {("BSJG", ALICE_CABIN), ("BSJG", CAROL_HOME)})
        self.assertEqual(control("revoke", {"lookupKey": "BSJG", "installationId": CAROL_HOME}),
                         {"revoked": True})
        self.assertEqual(control("revoke", {"lookupKey": "BSJG", "installationId": CAROL_HOME}),
                         {"revoked": False})
        self.assertEqual(call("POST", "/_standin/grant", json_body={"lookupKey": "NOPE",
                                                                  "installationId": CAROL_HOME})[0], 400)

    def test_config_changes_and_reset_restores(self):
        answer = control("config", {"apiLag": 5, "tokenLifetime": 20, "down": True, "pageSizeCap": 3})
        self.assertEqual(answer, {"apiLag": 5, "tokenLifetime": 20, "down": True, "pageSizeCap": 3})
        self.assertEqual(call("POST", "/_standin/config", json_body={"apiLag": -1})[0], 400)
        control("reset", {})
        self.assertEqual(control("state")["config"], {"apiLag": 0, "tokenLifetime": 3600, "down": False,
                                                      "pageSizeCap": None})


class CommandLineTests(unittest.TestCase):
    def test_port_file_log_and_clean_stop_on_sigterm(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "log")
            proc, base = start_standin(tmp, "--api-lag", "7", "--token-lifetime", "99", "--log", log)
            try:
                with open(os.path.join(tmp, "port")) as f:
                    self.assertRegex(f.read(), r"^[0-9]+\n$")
                self.assertEqual(os.listdir(tmp).count("port"), 1)
                status, _, body = call_json("GET", "/_standin/state", base=base)
                self.assertEqual(body["config"], {"apiLag": 7, "tokenLifetime": 99, "down": False, "pageSizeCap": None})
            finally:
                self.assertEqual(stop_standin(proc), 0)
            with open(log) as f:
                self.assertIn("GET /_standin/state", f.read())
            self.assertEqual(sorted(os.listdir(tmp)), ["log", "port"])

    def test_non_loopback_listen_address_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.run([sys.executable, STANDIN, "--listen", "0.0.0.0:0", "--port-file",
                                   os.path.join(tmp, "port"), "--fixture", FIXTURE],
                                  capture_output=True, timeout=30)
            self.assertEqual(proc.returncode, 2)
            self.assertFalse(os.path.exists(os.path.join(tmp, "port")))


if __name__ == "__main__":
    unittest.main()
