// A customer denies access, and links that have expired: before the customer
// opens them, and while the customer is still at the portal.

import assert from 'node:assert/strict';
import {
  e2e, logIn, openLink, answer, resultPage, installation, PARTNER_NAME,
} from './harness.js';

// Moves a request's expiry into the past, as if its lifetime had run out.
async function expire(env, request, secondsAgo) {
  await env.sql(`UPDATE access_requests SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) - ${secondsAgo}
                 WHERE id = '${request.id}'`);
}

e2e('deny', async (env) => {
  const home = installation('carol', 'Carol Home');
  const request = await env.createRequest({ reference: 'customer-6006' });

  await openLink(env, request);
  await logIn(env.page, 'carol');
  await answer(env, 'deny');

  assert.match(env.page.url(), new RegExp(`^${env.publicUrl}/access-result/[A-Za-z0-9_-]{22}\\?success=false$`));
  assert.equal(env.lastStatus(`${env.publicUrl}/access-result/`), 200);
  const page = await resultPage(env.page);
  assert.equal(page.lang, 'en');
  assert.equal(page.heading, 'Access not granted');
  assert.match(page.text, new RegExp(`${PARTNER_NAME} has not been given access to your Zaptec installation`));
  assert.doesNotMatch(page.text, /Installation /);
  await env.screenshot('deny');

  const r = await env.api('GET', `/api/v1/access-requests/${request.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'denied');
  assert.deepEqual(r.body.result, { success: false, installationId: null });
  const i = await env.api('GET', `/api/v1/installations/${home.id}`);
  assert.equal(i.status, 404, i.text);
  const list = await env.api('GET', '/api/v1/installations');
  assert.deepEqual(list.body.items, []);

  const [row] = await env.sql(
    `SELECT status, result_success, result_installation_id FROM access_requests WHERE id = '${request.id}'`);
  assert.deepEqual(row, { status: 'denied', result_success: 0, result_installation_id: null });
  assert.deepEqual(await env.sql('SELECT count(*) AS n FROM installations'), [{ n: 0 }]);
  const events = await env.sql(`SELECT type FROM events WHERE request_id = '${request.id}' ORDER BY id`);
  assert.deepEqual(events.map((e) => e.type), ['request.created', 'request.opened', 'callback.denied']);

  // Zaptec recorded nothing either.
  const state = await env.standinState();
  assert.ok(!state.grants.some((g) => g.installationId === home.id), JSON.stringify(state.grants));
});

e2e('expired-link', async (env) => {
  const request = await env.createRequest({ reference: 'customer-7007' });
  await expire(env, request, 60);

  const res = await env.page.goto(request.connectUrl);
  assert.equal(res.status(), 410);
  // The customer stays with us: no trip to the portal for a link that cannot finish.
  assert.equal(env.page.url(), request.connectUrl);
  const page = await resultPage(env.page);
  assert.equal(page.lang, 'en');
  assert.equal(page.heading, 'Link expired');
  assert.match(page.text, new RegExp(`This link has expired. Please ask ${PARTNER_NAME} for a new one.`));
  await env.screenshot('expired-link');

  const r = await env.api('GET', `/api/v1/access-requests/${request.id}`);
  assert.equal(r.body.status, 'expired');
  assert.equal(r.body.openedAt, null);
  assert.deepEqual(await env.sql('SELECT count(*) AS n FROM installations'), [{ n: 0 }]);
});

e2e('expired-during-consent', async (env) => {
  const home = installation('carol', 'Carol Home');
  const request = await env.createRequest({ reference: 'customer-8008' });

  await openLink(env, request);
  await logIn(env.page, 'carol');
  // The link runs out, and the grace period after it too, before the customer approves.
  await expire(env, request, 2 * 3600);
  await env.page.check(`#installation-${home.id}`);
  await answer(env, 'approve');

  assert.equal(env.lastStatus(`${env.publicUrl}/access-result/`), 410);
  const page = await resultPage(env.page);
  assert.equal(page.heading, 'Answer arrived too late');
  assert.match(page.text, new RegExp(`Please ask ${PARTNER_NAME} for a new link`));
  await env.screenshot('expired-during-consent');

  const r = await env.api('GET', `/api/v1/access-requests/${request.id}`);
  assert.equal(r.body.status, 'expired');
  assert.equal(r.body.result, null);
  assert.equal((await env.api('GET', `/api/v1/installations/${home.id}`)).status, 404);
  // The daemon's once-a-second expiry pass may also have marked the request
  // expired by now; either way the late answer is recorded once and no grant.
  const events = (await env.sql(`SELECT type FROM events WHERE request_id = '${request.id}' ORDER BY id`))
    .map((e) => e.type);
  assert.deepEqual(events.filter((t) => t !== 'request.expired'),
                   ['request.created', 'request.opened', 'callback.late']);
  assert.ok(events.filter((t) => t === 'request.expired').length <= 1, events.join(' '));
});
