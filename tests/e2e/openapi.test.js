// The admin API against its description, doc/openapi.yaml: the document is a
// valid OpenAPI 3.1 document, and real answers of a running daemon, for every
// documented operation and every answer the document gives it (successes and
// errors), match their schemas and required headers. Only the answers that
// need a system failure (500 out of memory, 503 database unavailable) are left
// out. No browser: the customer's side is played with plain HTTP.

import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { Env } from './harness.js';
import { OpenApiChecker } from './openapi-check.js';

// Answers a test cannot cause without breaking the machine: the daemon
// running out of memory, or its database refusing writes.
const SYSTEM_FAILURES = ['500', '503'];
const GUID = 'b30adfd3-3442-432e-88ea-8782b7e69b2f';
const UNKNOWN_GUID = '00000000-0000-4000-8000-000000000000';
const UNKNOWN_ID = '11111111-1111-4111-8111-111111111111';

// One HTTP request from the loopback address `from`: the daemon throttles
// wrong tokens per client address, so the 401s of every operation come from
// addresses of their own. Returns {status, headers (a Headers), text}.
function request(url, { method, headers, body, from }) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, localAddress: from }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [name, value] of Object.entries(res.headers)) h.set(name, [].concat(value).join(', '));
        resolve({ status: res.statusCode, headers: h, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('every admin answer matches doc/openapi.yaml', async () => {
  const doc = new OpenApiChecker();
  await doc.validateDocument();
  const env = new Env('openapi');
  try {
    await env.startServers();

    // Sends one request to the admin listener and checks the answer against
    // the document. token: true for the right one, a string for another,
    // null for none. Returns {status, headers, body}.
    const call = async (method, path, { token = true, json, body, type, from = '127.0.0.1' } = {}) => {
      const headers = {};
      if (token === true) headers.Authorization = `Bearer ${env.token}`;
      else if (token) headers.Authorization = `Bearer ${token}`;
      if (json !== undefined) {
        body = JSON.stringify(json);
        type = type || 'application/json';
      }
      if (type) headers['Content-Type'] = type;
      const res = await request(env.adminUrl + path, { method, headers, body, from });
      const text = res.text;
      doc.check(method, path.split('?')[0], res.status, res.headers, text);
      let parsed = null;
      try { parsed = JSON.parse(text); } catch { /* text/plain */ }
      return { status: res.status, headers: res.headers, body: parsed };
    };
    const expect = async (status, method, path, options) => {
      const res = await call(method, path, options);
      assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
      return res;
    };

    await expect(200, 'GET', '/healthz');
    await expect(200, 'GET', '/readyz');
    await expect(200, 'GET', '/metrics');

    // Access requests: created, listed, read, and their mistakes.
    const created = (await expect(201, 'POST', '/api/v1/access-requests',
      { json: { reference: 'customer-42', lang: 'nb-NO', returnTo: `${env.partner.origin}/done` } })).body;
    const pending = (await expect(201, 'POST', '/api/v1/access-requests', { json: {} })).body;
    const invalid = await expect(400, 'POST', '/api/v1/access-requests', { json: { installationType: 'pro', extra: 1 } });
    assert.ok(invalid.body.errors.length >= 1);
    await expect(400, 'POST', '/api/v1/access-requests', { body: '{"reference":', type: 'application/json' });
    await expect(415, 'POST', '/api/v1/access-requests', { body: 'reference=x', type: 'application/x-www-form-urlencoded' });
    await expect(413, 'POST', '/api/v1/access-requests', { json: { reference: 'x'.repeat(70 * 1024) } });
    await expect(200, 'GET', '/api/v1/access-requests?limit=1');
    await expect(200, 'GET', '/api/v1/access-requests?status=pending&reference=customer-42');
    await expect(400, 'GET', '/api/v1/access-requests?limit=0');
    await expect(200, 'GET', `/api/v1/access-requests/${created.id}`);
    await expect(404, 'GET', `/api/v1/access-requests/${UNKNOWN_ID}`);

    // The customer's side: open the link, then Zaptec's redirect back with a
    // grant, on the public listener.
    const open = await fetch(created.connectUrl, { redirect: 'manual' });
    assert.equal(open.status, 303);
    const returnUrl = new URL(open.headers.get('location')).searchParams.get('returnUrl');
    const back = await fetch(`${returnUrl}?success=true&installationId=${GUID}`, { redirect: 'manual' });
    assert.ok([200, 303].includes(back.status), `callback: ${back.status}`);

    const granted = (await expect(200, 'GET', `/api/v1/access-requests/${created.id}`)).body;
    assert.equal(granted.status, 'granted');
    assert.deepEqual(granted.result, { success: true, installationId: GUID });
    await expect(409, 'POST', `/api/v1/access-requests/${created.id}/reissue`);
    await expect(200, 'POST', `/api/v1/access-requests/${pending.id}/reissue`);
    await expect(200, 'POST', `/api/v1/access-requests/${pending.id}/reissue`, { json: { ttl: 3600 } });
    await expect(400, 'POST', `/api/v1/access-requests/${pending.id}/reissue`, { json: { ttl: 5 } });
    await expect(413, 'POST', `/api/v1/access-requests/${pending.id}/reissue`, { json: { ttl: 60, pad: 'x'.repeat(70 * 1024) } });
    await expect(415, 'POST', `/api/v1/access-requests/${pending.id}/reissue`, { body: 'ttl=60', type: 'text/plain' });
    await expect(404, 'POST', `/api/v1/access-requests/${UNKNOWN_ID}/reissue`);
    const toCancel = (await expect(201, 'POST', '/api/v1/access-requests', { json: { reference: 'customer-43' } })).body;
    const cancelled = (await expect(200, 'POST', `/api/v1/access-requests/${toCancel.id}/cancel`)).body;
    assert.equal(cancelled.status, 'cancelled');
    await expect(200, 'GET', '/api/v1/access-requests?status=cancelled');
    await expect(409, 'POST', `/api/v1/access-requests/${created.id}/cancel`);
    await expect(404, 'POST', `/api/v1/access-requests/${UNKNOWN_ID}/cancel`);

    // A second customer's grant of the same installation is contested; the
    // transfer binds the installation to that customer.
    const rival = (await expect(201, 'POST', '/api/v1/access-requests', { json: { reference: 'customer-99' } })).body;
    const rivalReturn = new URL(new URL(rival.portalUrl).searchParams.get('returnUrl'));
    const contest = await fetch(`${rivalReturn}?success=true&installationId=${GUID}`, { redirect: 'manual' });
    assert.equal(contest.status, 409);
    assert.equal((await expect(200, 'GET', `/api/v1/access-requests/${rival.id}`)).body.status, 'contested');
    const transfer = `/api/v1/installations/${GUID}/transfer`;
    await expect(409, 'POST', transfer, { json: { requestId: created.id } });
    await expect(404, 'POST', transfer, { json: { requestId: UNKNOWN_ID } });
    await expect(404, 'POST', `/api/v1/installations/${UNKNOWN_GUID}/transfer`, { json: { requestId: rival.id } });
    await expect(400, 'POST', transfer, { json: {} });
    await expect(413, 'POST', transfer, { json: { requestId: rival.id, pad: 'x'.repeat(70 * 1024) } });
    await expect(415, 'POST', transfer, { body: rival.id, type: 'text/plain' });
    const moved = (await expect(200, 'POST', transfer, { json: { requestId: rival.id } })).body;
    assert.equal(moved.reference, 'customer-99');
    assert.equal(moved.requestId, rival.id);

    // Installations.
    const list = (await expect(200, 'GET', '/api/v1/installations?status=granted')).body;
    assert.equal(list.items[0].installationId, GUID);
    await expect(400, 'GET', '/api/v1/installations?status=everything');
    const one = (await expect(200, 'GET', `/api/v1/installations/${GUID.toUpperCase()}`)).body;
    assert.ok(one.history.some((e) => e.type === 'callback.granted'));
    await expect(400, 'GET', '/api/v1/installations/not-a-guid');
    await expect(404, 'GET', `/api/v1/installations/${UNKNOWN_GUID}`);
    const revoked = (await expect(200, 'POST', `/api/v1/installations/${GUID}/revoke`,
      { json: { reason: 'contract ended' } })).body;
    assert.equal(revoked.status, 'revoked');
    await expect(400, 'POST', `/api/v1/installations/${GUID}/revoke`, { json: { reason: 7 } });
    await expect(404, 'POST', `/api/v1/installations/${UNKNOWN_GUID}/revoke`);
    await expect(415, 'POST', `/api/v1/installations/${GUID}/revoke`, { body: 'contract ended', type: 'text/plain' });
    await expect(413, 'POST', `/api/v1/installations/${GUID}/revoke`, { json: { reason: 'x'.repeat(70 * 1024) } });

    // The event feed.
    const feed = (await expect(200, 'GET', '/api/v1/events?after=0&limit=1000')).body;
    assert.ok(feed.items.some((e) => e.type === 'installation.revoked'));
    await expect(400, 'GET', '/api/v1/events?after=-1');

    // Webhook endpoints. The receiver's address refuses connections, so the
    // endpoints' delivery state fills in as well.
    const hooks = '/api/v1/webhook-endpoints';
    const hook = (await expect(201, 'POST', hooks,
      { json: { url: 'http://127.0.0.1:9/hook', types: ['callback.granted'], description: 'partner' } })).body;
    await expect(400, 'POST', hooks, { json: { url: 'ftp://127.0.0.1/hook' } });
    await expect(413, 'POST', hooks, { json: { url: 'http://127.0.0.1:9/hook', description: 'x'.repeat(70 * 1024) } });
    await expect(415, 'POST', hooks, { body: 'url=http://127.0.0.1:9/', type: 'application/x-www-form-urlencoded' });
    await expect(200, 'GET', hooks);
    await expect(200, 'GET', `${hooks}/${hook.id}`);
    await expect(404, 'GET', `${hooks}/${UNKNOWN_ID}`);
    await expect(200, 'PATCH', `${hooks}/${hook.id}`, { json: { description: 'renamed', types: null } });
    await expect(400, 'PATCH', `${hooks}/${hook.id}`, { json: { enabled: 'yes' } });
    await expect(404, 'PATCH', `${hooks}/${UNKNOWN_ID}`, { json: { description: 'x' } });
    await expect(413, 'PATCH', `${hooks}/${hook.id}`, { json: { description: 'x'.repeat(70 * 1024) } });
    await expect(415, 'PATCH', `${hooks}/${hook.id}`, { body: 'x', type: 'text/plain' });
    const rotated = (await expect(200, 'POST', `${hooks}/${hook.id}/rotate-secret`)).body;
    assert.notEqual(rotated.secret, hook.secret);
    await expect(404, 'POST', `${hooks}/${UNKNOWN_ID}/rotate-secret`);
    await expect(202, 'POST', `${hooks}/${hook.id}/replay`, { json: { after: 0 } });
    await expect(400, 'POST', `${hooks}/${hook.id}/replay`, { json: { after: -1 } });
    await expect(404, 'POST', `${hooks}/${UNKNOWN_ID}/replay`, { json: { after: 0 } });
    await expect(413, 'POST', `${hooks}/${hook.id}/replay`, { json: { after: 0, pad: 'x'.repeat(70 * 1024) } });
    await expect(415, 'POST', `${hooks}/${hook.id}/replay`, { body: 'after=0', type: 'text/plain' });
    await expect(202, 'POST', `${hooks}/${hook.id}/test`);
    await expect(404, 'POST', `${hooks}/${UNKNOWN_ID}/test`);
    await expect(200, 'PATCH', `${hooks}/${hook.id}`, { json: { enabled: false } });
    await expect(409, 'POST', `${hooks}/${hook.id}/test`);
    // At most 32 endpoints: the 33rd is a conflict.
    for (let n = 2; n <= 32; n++) {
      await expect(201, 'POST', hooks, { json: { url: `http://127.0.0.1:9/hook-${n}` } });
    }
    await expect(409, 'POST', hooks, { json: { url: 'http://127.0.0.1:9/hook-33' } });
    await expect(204, 'DELETE', `${hooks}/${hook.id}`);
    await expect(404, 'DELETE', `${hooks}/${hook.id}`);
    // Events purged behind the daemon's back, as a retention pass would:
    // a replay from before the oldest kept event is gone.
    const survivor = (await expect(200, 'GET', hooks)).body.items[0];
    await env.sql('DELETE FROM events WHERE id < (SELECT max(id) FROM events); ' +
                  'UPDATE event_purge SET purged_through = (SELECT max(id) - 1 FROM events)');
    const gone = await expect(410, 'POST', `${hooks}/${survivor.id}/replay`, { json: { after: 0 } });
    assert.ok(gone.body.oldestAvailable > 1);
    const feedGone = await expect(410, 'GET', '/api/v1/events?after=0');
    assert.equal(feedGone.body.oldestAvailable, gone.body.oldestAvailable);
    const listed = (await expect(200, 'GET', '/api/v1/installations')).body;
    assert.ok(listed.feedPosition >= feedGone.body.oldestAvailable);

    // Erasure: one customer's data, then the same again (zero counts), and
    // its mistakes.
    const erased = (await expect(200, 'POST', '/api/v1/erasures', { json: { reference: 'customer-42' } })).body;
    assert.ok(erased.accessRequests >= 1);
    const again = (await expect(200, 'POST', '/api/v1/erasures', { json: { reference: 'customer-42' } })).body;
    assert.deepEqual(again, { accessRequests: 0, installations: 0, events: 0 });
    await expect(200, 'POST', '/api/v1/erasures', { json: { installationId: UNKNOWN_GUID } });
    await expect(400, 'POST', '/api/v1/erasures', { json: { reference: 'a', installationId: GUID } });
    await expect(400, 'POST', '/api/v1/erasures', { json: { installationId: 'not-a-guid' } });
    await expect(413, 'POST', '/api/v1/erasures', { json: { reference: 'x'.repeat(70 * 1024) } });
    await expect(415, 'POST', '/api/v1/erasures', { body: 'reference=a', type: 'text/plain' });

    // Without a token, every operation that needs one is 401, each asked
    // from a loopback address of its own. Ten wrong tokens from one more
    // address then throttle it: every such operation is 429 with
    // Retry-After for it.
    const guarded = doc.operations.filter((o) => o.op.security === undefined);
    assert.ok(guarded.length < 200);
    const sample = (template) => template
      .replace('{id}', pending.id).replace('{installationId}', GUID);
    for (const [i, { method, template }] of guarded.entries()) {
      await expect(401, method.toUpperCase(), sample(template), { token: null, from: `127.0.1.${i + 1}` });
    }
    const throttled = '127.0.2.1';
    for (let failures = 0; failures < 10; failures++) {
      await expect(401, 'GET', '/api/v1/events', { token: 'wrong-token', from: throttled });
    }
    for (const { method, template } of guarded) {
      await expect(429, method.toUpperCase(), sample(template), { token: 'wrong-token', from: throttled });
    }

    assert.deepEqual(doc.unseen(SYSTEM_FAILURES), [],
                     'answers doc/openapi.yaml documents that this test never checked');
  } catch (e) {
    await env.saveFailure('openapi');
    throw e;
  } finally {
    await env.stop();
  }
});
