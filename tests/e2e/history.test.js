// After granting, the customer goes back, forward, reloads and clicks the link
// again: every visit shows the outcome, and nothing is recorded twice.

import assert from 'node:assert/strict';
import {
  e2e, logIn, openLink, offered, answer, resultPage, installation,
} from './harness.js';

e2e('back-and-reload', async (env) => {
  const home = installation('alice', 'Alice Home');
  const request = await env.createRequest({ reference: 'customer-9009' });

  await openLink(env, request);
  await logIn(env.page, 'alice');
  await env.page.check(`#installation-${home.id}`);
  await answer(env, 'approve');
  const resultUrl = env.page.url();
  assert.equal((await resultPage(env.page)).heading, 'Access granted');

  // Move the recorded times into the past, so a second recording of the grant
  // could not go unnoticed however fast the steps below run.
  await env.sql(`UPDATE installations SET granted_at = granted_at - 1000, updated_at = updated_at - 1000`);
  await env.sql(`UPDATE access_requests SET completed_at = completed_at - 1000 WHERE id = '${request.id}'`);
  const before = await env.sql(`SELECT granted_at, updated_at FROM installations WHERE installation_id = '${home.id}'`);
  const [{ completed_at: completedAt }] = await env.sql(
    `SELECT completed_at FROM access_requests WHERE id = '${request.id}'`);

  // Back to the portal's consent page: the installation is shared now, so
  // the portal no longer offers it.
  await env.page.goBack();
  assert.ok(env.page.url().startsWith(env.standinUrl), env.page.url());
  assert.deepEqual(await offered(env.page), []);
  await env.page.waitForSelector('#no-installations');

  // Forward and reload land on our page again, which says the same.
  await env.page.goForward();
  assert.equal(env.page.url(), resultUrl);
  assert.equal((await resultPage(env.page)).heading, 'Access granted');
  const reload = await env.page.reload();
  assert.equal(reload.status(), 200);
  const page = await resultPage(env.page);
  assert.equal(page.heading, 'Access granted');
  assert.match(page.text, new RegExp(`Installation ${home.id}`));
  await env.screenshot('back-and-reload');

  // The link itself now says the request is done, without going to the portal.
  const again = await env.page.goto(request.connectUrl);
  assert.equal(again.status(), 200);
  assert.equal(env.page.url(), request.connectUrl);
  assert.equal((await resultPage(env.page)).heading, 'Access already granted');

  // Every visit of our result page after the first was a repeat.
  const visits = env.responses.filter((r) => r.url === resultUrl);
  assert.ok(visits.length >= 2, JSON.stringify(env.responses));
  assert.ok(visits.every((v) => v.status === 200), JSON.stringify(visits));
  const events = await env.sql(`SELECT type FROM events WHERE request_id = '${request.id}' ORDER BY id`);
  const count = (type) => events.filter((e) => e.type === type).length;
  assert.equal(count('callback.granted'), 1);
  assert.equal(count('callback.repeated'), visits.length - 1);
  assert.equal(count('request.opened'), 1);

  // The grant and the request keep their first recording.
  assert.deepEqual(
    await env.sql(`SELECT granted_at, updated_at FROM installations WHERE installation_id = '${home.id}'`), before);
  assert.deepEqual(await env.sql(`SELECT count(*) AS n FROM installations`), [{ n: 1 }]);
  const r = await env.api('GET', `/api/v1/access-requests/${request.id}`);
  assert.equal(r.body.status, 'granted');
  const [{ completed_at: completedAfter }] = await env.sql(
    `SELECT completed_at FROM access_requests WHERE id = '${request.id}'`);
  assert.equal(completedAfter, completedAt);
  const i = await env.api('GET', `/api/v1/installations/${home.id}`);
  assert.equal(i.body.status, 'granted');
  assert.equal(i.body.reference, 'customer-9009');
});
