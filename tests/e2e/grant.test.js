// A customer grants access: Go and Pro requests, showExisting, a Norwegian
// request, and a request that sends the customer back to the partner's page.

import assert from 'node:assert/strict';
import {
  e2e, logIn, openLink, offered, answer, resultPage, installation,
  LOOKUP_KEY, PARTNER_NAME, groupName,
} from './harness.js';

// Checks everything the partner can see after a grant of inst to request:
// the API's installation and request, the database rows, and the event log.
async function assertGranted(env, request, inst, type) {
  const i = await env.api('GET', `/api/v1/installations/${inst.id}`);
  assert.equal(i.status, 200, i.text);
  assert.equal(i.body.installationId, inst.id);
  assert.equal(i.body.status, 'granted');
  assert.equal(i.body.installationType, type);
  assert.equal(i.body.reference, request.reference);
  assert.equal(i.body.requestId, request.id);
  assert.equal(i.body.verification, null);

  const r = await env.api('GET', `/api/v1/access-requests/${request.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'granted');
  assert.deepEqual(r.body.result, { success: true, installationId: inst.id });
  assert.notEqual(r.body.openedAt, null);
  assert.notEqual(r.body.completedAt, null);

  const [row] = await env.sql(
    `SELECT status, opened_at IS NOT NULL AS opened, completed_at IS NOT NULL AS completed,
            result_success, result_installation_id FROM access_requests WHERE id = '${request.id}'`);
  assert.deepEqual(row, { status: 'granted', opened: 1, completed: 1, result_success: 1,
                          result_installation_id: inst.id });
  const installs = await env.sql(
    'SELECT installation_id, status, installation_type, reference, request_id FROM installations');
  assert.deepEqual(installs, [{ installation_id: inst.id, status: 'granted',
                                installation_type: type === 'pro' ? 0 : 1,
                                reference: request.reference, request_id: request.id }]);
  const events = await env.sql(
    `SELECT type, installation_id FROM events WHERE request_id = '${request.id}' ORDER BY id`);
  assert.deepEqual(events.map((e) => e.type), ['request.created', 'request.opened', 'callback.granted']);
  assert.equal(events[2].installation_id, inst.id);

  // The stand-in recorded the same grant on its side.
  const state = await env.standinState();
  assert.ok(state.grants.some((g) => g.lookupKey === LOOKUP_KEY && g.installationId === inst.id),
            JSON.stringify(state.grants));
}

// Checks that the browser is on our granted page for inst, in English.
async function assertGrantedPage(env, inst) {
  assert.match(env.page.url(), new RegExp(`^${env.publicUrl}/access-result/[A-Za-z0-9_-]{22}\\?`));
  assert.equal(env.lastStatus(`${env.publicUrl}/access-result/`), 200);
  const page = await resultPage(env.page);
  assert.equal(page.lang, 'en');
  assert.equal(page.heading, 'Access granted');
  assert.match(page.text, new RegExp(`${PARTNER_NAME} now has access to your Zaptec installation`));
  assert.match(page.text, new RegExp(`Installation ${inst.id}`));
}

e2e('go-grant', async (env) => {
  const home = installation('alice', 'Alice Home');
  const request = await env.createRequest({ reference: 'customer-1001' });
  assert.equal(request.status, 'pending');

  await openLink(env, request);
  // Before login the portal names the partner as the request gave it.
  assert.equal(await env.page.textContent('#requester-name'), PARTNER_NAME);
  assert.equal(await env.page.$('#consent-form'), null);

  await logIn(env.page, 'alice');
  // After login it names the UserGroup the lookup key belongs to.
  assert.equal(await env.page.textContent('#requester-name'), groupName);
  // Alice Cabin is already shared with the group, so only Alice Home is offered.
  assert.deepEqual(await offered(env.page), [{ id: home.id, name: home.name, checked: false }]);

  await env.page.check(`#installation-${home.id}`);
  await answer(env, 'approve');
  await assertGrantedPage(env, home);
  // The reference is the partner's own id for the customer: never on the page.
  assert.doesNotMatch((await resultPage(env.page)).text, /customer-1001|Reference/);
  await env.screenshot('go-grant');

  await assertGranted(env, request, home, 'go');
});

e2e('pro-grant', async (env) => {
  const office = installation('bob', 'Bob Office Car Park');
  const request = await env.createRequest({
    reference: 'customer-2002', installationType: 'pro', installationId: office.id,
  });

  const portal = await openLink(env, request);
  assert.equal(portal.searchParams.get('installationtype'), '0');
  assert.equal(portal.searchParams.get('installationId'), office.id);

  await logIn(env.page, 'bob');
  // The installation the request names is the one offered, already chosen;
  // bob's other Pro installation is not offered.
  assert.deepEqual(await offered(env.page), [{ id: office.id, name: office.name, checked: true }]);

  await answer(env, 'approve');
  await assertGrantedPage(env, office);
  await env.screenshot('pro-grant');

  await assertGranted(env, request, office, 'pro');
});

e2e('show-existing', async (env) => {
  const home = installation('alice', 'Alice Home');
  const cabin = installation('alice', 'Alice Cabin');

  // Without showExisting the installation already shared with the group is hidden.
  const plain = await env.createRequest({ reference: 'customer-3003' });
  await openLink(env, plain);
  await logIn(env.page, 'alice');
  assert.deepEqual((await offered(env.page)).map((i) => i.id), [home.id]);

  // With it, the portal lists both, and the customer may share the cabin again.
  const request = await env.createRequest({ reference: 'customer-3003', showExisting: true });
  const portal = await openLink(env, request);
  assert.equal(portal.searchParams.get('showExisting'), 'true');
  assert.deepEqual((await offered(env.page)).map((i) => i.id).sort(), [home.id, cabin.id].sort());

  await env.page.check(`#installation-${cabin.id}`);
  await answer(env, 'approve');
  await assertGrantedPage(env, cabin);
  await env.screenshot('show-existing');

  await assertGranted(env, request, cabin, 'go');
  // The first request was opened and left open.
  const first = await env.api('GET', `/api/v1/access-requests/${plain.id}`);
  assert.equal(first.body.status, 'opened');
});

e2e('norwegian', async (env) => {
  const home = installation('alice', 'Alice Home');
  const request = await env.createRequest({ reference: 'kunde-4004', lang: 'nb' });
  assert.equal(request.lang, 'nb');

  const portal = await openLink(env, request);
  // Zaptec's code for Norwegian, as in Zaptec's own example link.
  assert.equal(portal.searchParams.get('lang'), 'no');
  assert.equal(await env.page.getAttribute('html', 'lang'), 'nb');
  assert.equal(await env.page.textContent('#title'), 'Forespørsel om tilgang');
  assert.equal(await env.page.textContent('button#login'), 'Logg inn');

  await logIn(env.page, 'alice');
  assert.equal(await env.page.getAttribute('html', 'lang'), 'nb');
  assert.equal(await env.page.textContent('button#approve'), 'Godkjenn');
  assert.equal(await env.page.textContent('button#deny'), 'Avslå');

  await env.page.check(`#installation-${home.id}`);
  await answer(env, 'approve');
  const page = await resultPage(env.page);
  assert.equal(page.lang, 'nb');
  assert.equal(page.heading, 'Tilgang gitt');
  assert.equal(await env.page.title(), 'Tilgang gitt');
  assert.match(page.text, new RegExp(`${PARTNER_NAME} har nå tilgang til Zaptec-installasjonen din`));
  assert.match(page.text, new RegExp(`Installasjon ${home.id}`));
  assert.doesNotMatch(page.text, /kunde-4004|Referanse/);
  assert.match(page.text, /Du kan nå lukke denne siden/);
  await env.screenshot('norwegian');

  await assertGranted(env, request, home, 'go');
});

e2e('return-to', async (env) => {
  const home = installation('carol', 'Carol Home');
  const returnTo = `${env.partner.origin}/welcome?from=zaptec`;
  const request = await env.createRequest({ reference: 'customer-5005', returnTo });
  assert.equal(request.returnTo, returnTo);

  await openLink(env, request);
  await logIn(env.page, 'carol');
  await env.page.check(`#installation-${home.id}`);
  await answer(env, 'approve');

  // The customer ends on the partner's own page, which learns the outcome.
  await env.page.waitForSelector('#partner-landing');
  const landed = new URL(env.page.url());
  assert.equal(landed.origin, env.partner.origin);
  assert.equal(landed.pathname, '/welcome');
  const landings = env.partner.hits.filter((h) => h.path === '/welcome');
  assert.deepEqual(landings.map((h) => h.query), [{
    from: 'zaptec', status: 'granted', requestId: request.id, installationId: home.id,
  }]);
  // Our redirect says Referrer-Policy: no-referrer, so the browser tells the
  // partner's page nothing of where the customer came from.
  assert.equal(landings[0].referer, null);
  await env.screenshot('return-to');

  await assertGranted(env, request, home, 'go');
});
