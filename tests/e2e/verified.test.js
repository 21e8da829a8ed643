// A grant the daemon confirms through Zaptec's API: with a service account
// configured, the customer's approval in the browser ends with the
// installation granted and verified, as the stand-in's API describes it.

import assert from 'node:assert/strict';
import {
  e2e, logIn, openLink, offered, answer, resultPage, installation, waitFor,
  LOOKUP_KEY, PARTNER_NAME,
} from './harness.js';

// Generous: the verifier's first call should come within a second or two, but
// another test run may be loading the machine; verify_window is 30 s.
const VERIFIED_DEADLINE_MS = 20000;

// An RFC 3339 date-time with a zone, as the contract writes times.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

e2e('verified-grant', async (env, t) => {
  const home = installation('alice', 'Alice Home');
  const request = await env.createRequest({ reference: 'customer-6006' });

  await openLink(env, request);
  await logIn(env.page, 'alice');
  assert.deepEqual(await offered(env.page), [{ id: home.id, name: home.name, checked: false }]);
  await env.page.check(`#installation-${home.id}`);
  await answer(env, 'approve');

  // The customer sees at once that the approval arrived and is being
  // confirmed (not yet "granted"); verification happens behind it.
  assert.match(env.page.url(), new RegExp(`^${env.publicUrl}/access-result/[A-Za-z0-9_-]{22}\\?`));
  assert.equal(env.lastStatus(`${env.publicUrl}/access-result/`), 200);
  const page = await resultPage(env.page);
  assert.equal(page.heading, 'Approval received');
  assert.match(page.text, new RegExp(`${PARTNER_NAME} is confirming it with Zaptec`));
  assert.match(page.text, new RegExp(`Installation ${home.id}`));
  await env.screenshot('verified-grant-confirming');

  // Right after the callback the installation is verifying, or already
  // verified if the verifier was quicker than this read.
  const first = await env.api('GET', `/api/v1/installations/${home.id}`);
  assert.equal(first.status, 200, first.text);
  assert.ok(['verifying', 'granted'].includes(first.body.status), first.text);
  assert.notEqual(first.body.verification, null, first.text);
  if (first.body.status === 'verifying') {
    assert.equal(first.body.verification.verifiedAt, null, first.text);
    t.diagnostic('seen verifying before granted');
  } else {
    t.diagnostic('already granted at the first read');
  }

  const inst = await waitFor('the installation to be verified', async () => {
    const res = await env.api('GET', `/api/v1/installations/${home.id}`);
    assert.equal(res.status, 200, res.text);
    if (res.body.status === 'unconfirmed') {
      const e = new Error(`the grant was not confirmed: ${res.text}`);
      e.fatal = true;
      throw e;
    }
    return res.body.status === 'granted' && res.body;
  }, VERIFIED_DEADLINE_MS);

  assert.equal(inst.installationId, home.id);
  assert.equal(inst.installationType, 'go');
  assert.equal(inst.reference, request.reference);
  assert.equal(inst.requestId, request.id);
  assert.match(inst.verification.verifiedAt, RFC3339);
  assert.ok(!Number.isNaN(Date.parse(inst.verification.verifiedAt)), inst.verification.verifiedAt);
  assert.equal(inst.verification.name, home.name);
  assert.equal(typeof inst.verification.roles, 'number');
  // What the stand-in's API answers as CurrentUserRoles for this installation.
  assert.equal(inst.verification.roles, home.currentUserRoles ?? 2);
  assert.equal(inst.verification.lastError, null);

  // Once verified, the same page (reloaded: the same callback again) says
  // access is granted and names the installation by its Zaptec name.
  await env.page.reload();
  const after = await resultPage(env.page);
  assert.equal(after.heading, 'Access granted');
  assert.match(after.text, new RegExp(`${PARTNER_NAME} now has access to your Zaptec installation`));
  assert.match(after.text, new RegExp(`Installation ${home.name}`));
  await env.screenshot('verified-grant');

  // The partner's change feed: the callback's grant, then its verification.
  const feed = await env.api('GET', '/api/v1/events?limit=1000');
  assert.equal(feed.status, 200, feed.text);
  const types = feed.body.items.filter((e) => e.installationId === home.id).map((e) => e.type);
  const granted = types.indexOf('callback.granted');
  const verified = types.indexOf('installation.verified');
  assert.ok(granted >= 0 && verified > granted, JSON.stringify(types));
  const detail = feed.body.items.find((e) => e.type === 'installation.verified').detail;
  assert.equal(detail.name, home.name);
  assert.equal(detail.roles, inst.verification.roles);

  // The stand-in saw the grant, and the daemon asking its API about it.
  const state = await env.standinState();
  assert.ok(state.grants.some((g) => g.lookupKey === LOOKUP_KEY && g.installationId === home.id),
            JSON.stringify(state.grants));
  const lookups = state.apiRequests.filter(
    (r) => r.method === 'GET' && r.path === `/api/installation/${home.id}`);
  assert.ok(lookups.length >= 1, JSON.stringify(state.apiRequests));
  for (const r of lookups) assert.match(r.userAgent ?? '', /^zaptec-accessd\//, JSON.stringify(r));
  assert.ok(lookups.some((r) => r.status === 200 && r.account === 'svc-acme@example.test'),
            JSON.stringify(lookups));
}, { verify: true });
