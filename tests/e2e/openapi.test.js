// The admin API against its description, doc/openapi.yaml: the document is a
// valid OpenAPI 3.1 document, and real answers of a running daemon, for every
// documented operation and every answer the document gives it (successes and
// errors), match their schemas and required headers. Only the answers that
// need a system failure (500 out of memory, 503 database unavailable) are left
// out. No browser: the customer's side is played with plain HTTP.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Env } from './harness.js';
import { OpenApiChecker } from './openapi-check.js';

// Answers a test cannot cause without breaking the machine: the daemon
// running out of memory, or its database refusing writes.
const SYSTEM_FAILURES = ['500', '503'];
const GUID = 'b30adfd3-3442-432e-88ea-8782b7e69b2f';
const UNKNOWN_GUID = '00000000-0000-4000-8000-000000000000';
const UNKNOWN_ID = '11111111-1111-4111-8111-111111111111';

test('every admin answer matches doc/openapi.yaml', async () => {
  const doc = new OpenApiChecker();
  await doc.validateDocument();
  const env = new Env('openapi');
  try {
    await env.startServers();

    // Sends one request to the admin listener and checks the answer against
    // the document. token: true for the right one, a string for another,
    // null for none. Returns {status, headers, body}.
    const call = async (method, path, { token = true, json, body, type } = {}) => {
      const headers = {};
      if (token === true) headers.Authorization = `Bearer ${env.token}`;
      else if (token) headers.Authorization = `Bearer ${token}`;
      if (json !== undefined) {
        body = JSON.stringify(json);
        type = type || 'application/json';
      }
      if (type) headers['Content-Type'] = type;
      const res = await fetch(env.adminUrl + path, { method, headers, body });
      const text = await res.text();
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
    await expect(404, 'POST', `/api/v1/access-requests/${UNKNOWN_ID}/reissue`);
    const toCancel = (await expect(201, 'POST', '/api/v1/access-requests', { json: { reference: 'customer-43' } })).body;
    const cancelled = (await expect(200, 'POST', `/api/v1/access-requests/${toCancel.id}/cancel`)).body;
    assert.equal(cancelled.status, 'cancelled');
    await expect(200, 'GET', '/api/v1/access-requests?status=cancelled');
    await expect(409, 'POST', `/api/v1/access-requests/${created.id}/cancel`);
    await expect(404, 'POST', `/api/v1/access-requests/${UNKNOWN_ID}/cancel`);

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

    // Without a token, every operation that needs one is 401. The tenth
    // failure from this address then throttles it: every such operation is
    // 429 with Retry-After. This comes last, since it lasts a minute.
    const guarded = doc.operations.filter((o) => o.op.security === undefined);
    const sample = (template) => template
      .replace('{id}', pending.id).replace('{installationId}', GUID);
    for (const { method, template } of guarded) {
      await expect(401, method.toUpperCase(), sample(template), { token: null });
    }
    for (let failures = guarded.length; failures < 10; failures++) {
      await expect(401, 'GET', '/api/v1/events', { token: 'wrong-token' });
    }
    for (const { method, template } of guarded) {
      await expect(429, method.toUpperCase(), sample(template), { token: 'wrong-token' });
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
