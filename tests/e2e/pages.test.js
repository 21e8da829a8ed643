// The pages a customer can get stuck on, on a phone (360 CSS pixels wide):
// each names where to get help, in the customer's language, and its support
// links are visible without scrolling sideways. A granted page has no help
// line. And a public_url with a path prefix works through the whole flow.

import assert from 'node:assert/strict';
import {
  e2e, logIn, openLink, answer, resultPage, installation, PARTNER_NAME,
} from './harness.js';

const SUPPORT_URL = 'https://help.example-energy.no/ev-charging/zaptec-access?from=link';
const SUPPORT_EMAIL = 'kundeservice.ladeboks@example-energy.no';
const phone = { phone: true, extraConfig: [`support_url = ${SUPPORT_URL}`, `support_email = ${SUPPORT_EMAIL}`] };

// The page fits the phone's width, and both support links are on it, visible
// and inside the screen's width.
async function assertSupportFits(env) {
  const size = await env.page.evaluate(() => ({
    inner: window.innerWidth,
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  assert.equal(size.inner, 360);
  assert.ok(size.scroll <= size.client, `the page scrolls sideways: ${JSON.stringify(size)}`);
  for (const href of [SUPPORT_URL, `mailto:${SUPPORT_EMAIL}`]) {
    const link = env.page.locator(`a.support[href="${href}"]`);
    assert.equal(await link.count(), 1, `no support link to ${href}`);
    assert.ok(await link.isVisible(), `the support link to ${href} is hidden`);
    const box = await link.boundingBox();
    assert.ok(box && box.width > 0 && box.height > 0, `the support link to ${href} has no size`);
    assert.ok(box.x >= 0 && box.x + box.width <= 360, `the support link to ${href} leaves the screen: ${JSON.stringify(box)}`);
  }
  assert.equal(await env.page.textContent(`a.support[href="mailto:${SUPPORT_EMAIL}"]`), SUPPORT_EMAIL);
}

e2e('phone-cancelled-nb', async (env) => {
  const request = await env.createRequest({ reference: 'kunde-9101', lang: 'nb-NO' });
  await openLink(env, request);
  const cancelled = await env.api('POST', `/api/v1/access-requests/${request.id}/cancel`);
  assert.equal(cancelled.status, 200, cancelled.text);
  assert.equal(cancelled.body.status, 'cancelled');

  const res = await env.page.goto(request.connectUrl);
  assert.equal(res.status(), 410);
  const page = await resultPage(env.page);
  assert.equal(page.lang, 'nb');
  assert.equal(page.heading, 'Lenken er ikke lenger gyldig');
  assert.match(page.text, new RegExp(`Be ${PARTNER_NAME} om en ny\\.`));
  assert.match(page.text, new RegExp(`Trenger du hjelp\\? Kontakt ${PARTNER_NAME}:`));
  assert.doesNotMatch(page.text, /kunde-9101/);
  await assertSupportFits(env);
  await env.screenshot('phone-cancelled-nb');

  const [row] = await env.sql(`SELECT status FROM access_requests WHERE id = '${request.id}'`);
  assert.deepEqual(row, { status: 'cancelled' });
}, phone);

e2e('phone-invalid-de', async (env) => {
  const request = await env.createRequest({ lang: 'de' });
  const token = request.connectUrl.split('/').pop();
  const res = await env.page.goto(`${env.publicUrl}/access-result/${token}?success=vielleicht`);
  assert.equal(res.status(), 400);
  const page = await resultPage(env.page);
  assert.equal(page.lang, 'de');
  assert.equal(page.heading, 'Etwas ist schiefgelaufen');
  assert.match(page.text, new RegExp(`Brauchen Sie Hilfe\\? Wenden Sie sich an ${PARTNER_NAME}:`));
  await assertSupportFits(env);
  await env.screenshot('phone-invalid-de');
}, phone);

e2e('phone-expired-fr', async (env) => {
  const request = await env.createRequest({ lang: 'fr-CA' });
  await env.sql(`UPDATE access_requests SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) - 60
                 WHERE id = '${request.id}'`);
  const res = await env.page.goto(request.connectUrl);
  assert.equal(res.status(), 410);
  const page = await resultPage(env.page);
  assert.equal(page.lang, 'fr');
  assert.equal(page.heading, 'Lien expiré');
  assert.match(page.text, new RegExp(`Besoin d’aide\\s\\? Contactez ${PARTNER_NAME}\\s:`));
  await assertSupportFits(env);
  await env.screenshot('phone-expired-fr');
}, phone);

// A link nobody issued, in the browser's own language (Finnish).
e2e('phone-unknown-fi', async (env) => {
  await env.page.setExtraHTTPHeaders({ 'Accept-Language': 'fi-FI,fi;q=0.9,en;q=0.5' });
  const res = await env.page.goto(`${env.publicUrl}/connect/AAAAAAAAAAAAAAAAAAAAAA`);
  assert.equal(res.status(), 404);
  const page = await resultPage(env.page);
  assert.equal(page.lang, 'fi');
  assert.equal(page.heading, 'Virheellinen linkki');
  assert.match(page.text, new RegExp(`Tarvitsetko apua\\? Ota yhteyttä yritykseen ${PARTNER_NAME}:`));
  await assertSupportFits(env);
  await env.screenshot('phone-unknown-fi');
}, phone);

// A success needs no help line; the page still fits the phone.
e2e('phone-granted', async (env) => {
  const home = installation('alice', 'Alice Home');
  const request = await env.createRequest({ reference: 'customer-9102' });
  await openLink(env, request);
  await logIn(env.page, 'alice');
  await env.page.check(`#installation-${home.id}`);
  await answer(env, 'approve');
  const page = await resultPage(env.page);
  assert.equal(page.heading, 'Access granted');
  assert.equal(await env.page.locator('a.support').count(), 0);
  assert.doesNotMatch(page.text, /Need help|customer-9102/);
  const size = await env.page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(size[0] <= size[1], `the page scrolls sideways: ${size}`);
  await env.screenshot('phone-granted');
}, phone);

// public_url = http://127.0.0.1:<port>/zaptec: the link, the portal's returnUrl
// and the page all keep the prefix; the link without it still answers.
e2e('prefix-grant', async (env) => {
  const home = installation('carol', 'Carol Home');
  const request = await env.createRequest({ reference: 'customer-9103' });
  assert.match(request.connectUrl, new RegExp(`^http://127\\.0\\.0\\.1:${env.publicPort}/zaptec/connect/[A-Za-z0-9_-]{22}$`));

  const portal = await openLink(env, request);
  assert.equal(portal.searchParams.get('returnUrl').replace(/[^/]*$/, ''),
               `http://127.0.0.1:${env.publicPort}/zaptec/access-result/`);
  await logIn(env.page, 'carol');
  await env.page.check(`#installation-${home.id}`);
  await answer(env, 'approve');
  assert.match(env.page.url(), new RegExp(`^http://127\\.0\\.0\\.1:${env.publicPort}/zaptec/access-result/`));
  assert.equal(env.lastStatus(`${env.publicUrl}/access-result/`), 200);
  assert.equal((await resultPage(env.page)).heading, 'Access granted');
  await env.screenshot('prefix-grant');

  // A proxy that strips the prefix reaches the same link.
  const stripped = request.connectUrl.replace('/zaptec/', '/');
  const res = await env.page.goto(stripped);
  assert.equal(res.status(), 200);
  assert.equal((await resultPage(env.page)).heading, 'Access already granted');
  const r = await env.api('GET', `/api/v1/access-requests/${request.id}`);
  assert.equal(r.body.status, 'granted');
}, { publicPath: '/zaptec' });
