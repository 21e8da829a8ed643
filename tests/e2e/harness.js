// The end-to-end harness: for each test, the Zaptec stand-in, the daemon with a
// configuration of its own, a small server standing in for the partner's own
// page (the returnTo target), and a headless Chromium with a fresh profile.
// Everything binds to 127.0.0.1 and everything is stopped when the test ends,
// passed or failed.

import { spawn, execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const screenshotDir = path.join(here, 'screenshots');

export const LOOKUP_KEY = 'BSJG';
export const PARTNER_NAME = 'Acme Energy';
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// The fixture's users and installations (tests/zaptec-standin/fixture.json).
export const fixture = JSON.parse(
  fs.readFileSync(path.join(repoRoot, 'tests/zaptec-standin/fixture.json'), 'utf8'));
export const groupName = fixture.userGroups.find((g) => g.lookupKey === LOOKUP_KEY).name;
export function user(name) {
  return fixture.users.find((u) => u.email.startsWith(name + '@'));
}
export function installation(userName, instName) {
  return user(userName).installations.find((i) => i.name === instName);
}

const START_DEADLINE_MS = 15000;
const STOP_DEADLINE_MS = 5000;

// Processes still running; killed outright if the test process exits early.
const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

// The daemon's log stays in tests/out/logs (or $ACCESSD_TEST_LOGS), where
// tests/scripts/90-logfmt.sh reads every line the suite's daemons wrote.
function keepLog(file) {
  if (!fs.existsSync(file)) return;
  const logs = process.env.ACCESSD_TEST_LOGS || path.join(here, '..', 'out', 'logs');
  fs.mkdirSync(logs, { recursive: true });
  fs.copyFileSync(file, path.join(logs, `e2e-${path.basename(path.dirname(file))}.log`));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls check() until it returns something truthy, or throws naming what was
// awaited once the deadline passes. An error check() throws is retried, unless
// it is fatal (a process that exited will not come back).
export async function waitFor(what, check, deadlineMs = START_DEADLINE_MS) {
  const until = Date.now() + deadlineMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      if (e.fatal) throw e;
      last = e;
    }
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}` + (last ? `: ${last.message}` : ''));
    }
    await sleep(50);
  }
}

// A TCP port free on 127.0.0.1 right now: the daemon's public_url must name
// its port before it binds, so the port is chosen here and released.
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Starts a child with its output appended to logFile; returns the child.
function startProcess(cmd, args, logFile) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  live.add(child);
  child.exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      child.exited = { code, signal };
      resolve(child.exited);
    });
  });
  return child;
}

// Asks a child to stop with SIGTERM and waits for it; SIGKILL after a deadline.
async function stopProcess(child) {
  if (!child || child.exited) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
  await child.exitPromise;
  clearTimeout(timer);
}

// The error for a child that exited while awaited, with its log's tail.
function exitedError(what, logFile) {
  const e = new Error(`${what} exited:\n${tail(logFile)}`);
  e.fatal = true;
  return e;
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// Runs the sqlite3 command line on the daemon's database (it is in WAL mode,
// so a second connection reads and writes beside the daemon). Returns the
// result rows as objects.
export function sqlite(dbFile, sql) {
  return new Promise((resolve, reject) => {
    execFile('sqlite3', ['-json', '-cmd', '.timeout 5000', dbFile, sql], (err, stdout, stderr) => {
      if (err) return reject(new Error(`sqlite3: ${stderr || err.message}`));
      resolve(stdout.trim() ? JSON.parse(stdout) : []);
    });
  });
}

// The partner's own page, the target of returnTo: answers a small HTML page and
// records the path, query and Referer of every request it gets.
function startPartnerSite() {
  const hits = [];
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    hits.push({ path: url.pathname, query: Object.fromEntries(url.searchParams),
                referer: req.headers.referer ?? null });
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner app</title></head>' +
            '<body><h1 id="partner-landing">Welcome back to the partner app</h1></body></html>\n');
  });
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve({ srv, hits, origin: `http://127.0.0.1:${srv.address().port}` }));
  });
}

// One test's world. start() brings everything up; stop() takes it down and
// accepts being called whatever state start() reached. With { verify: true }
// the daemon also logs in to the stand-in's API as the fixture's service
// account and verifies every grant there; without it verification is off.
// { phone: true } gives the browser a phone's screen (360 CSS pixels wide,
// touch); extraConfig adds configuration lines; publicPath puts a path prefix
// on public_url ("/zaptec"), as a partner behind a shared host would.
export class Env {
  constructor(name, { verify = false, phone = false, extraConfig = [], publicPath = '' } = {}) {
    this.name = name;
    this.verify = verify;
    this.phone = phone;
    this.extraConfig = extraConfig;
    this.publicPath = publicPath;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accessd-e2e-'));
    // The daemon wants an admin token of at least 32 characters.
    this.token = 'e2e-' + crypto.randomBytes(24).toString('hex');
    this.dbFile = path.join(this.dir, 'accessd.db');
    this.standinLog = path.join(this.dir, 'standin.log');
    this.daemonLog = path.join(this.dir, 'daemon.log');
  }

  async start() {
    await this.startServers();
    await this.startBrowser();
    return this;
  }

  // Everything but the browser: the API tests need no Chromium.
  async startServers() {
    await this.startStandin();
    this.partner = await startPartnerSite();
    await this.startDaemon();
    return this;
  }

  async startStandin() {
    const portFile = path.join(this.dir, 'standin.port');
    this.standin = startProcess('python3', [
      'tests/zaptec-standin/standin.py', '--listen', '127.0.0.1:0', '--port-file', portFile,
      '--fixture', 'tests/zaptec-standin/fixture.json', '--log', this.standinLog], this.standinLog);
    const port = await waitFor('the stand-in to write its port', () => {
      if (this.standin.exited) throw exitedError('the stand-in', this.standinLog);
      return fs.existsSync(portFile) && Number(fs.readFileSync(portFile, 'utf8').trim());
    });
    this.standinUrl = `http://127.0.0.1:${port}`;
  }

  // Starts the daemon on a public port chosen up front. Another process may
  // take that port between its release and the daemon's bind, so a start whose
  // daemon exits before it is ready is tried again on a new port.
  async startDaemon() {
    fs.writeFileSync(path.join(this.dir, 'api-token'), this.token + '\n', { mode: 0o600 });
    const verifyLines = this.verify ? this.verifyConfig() : [];
    for (let attempt = 1; ; attempt++) {
      this.publicPort = await freePort();
      this.publicUrl = `http://127.0.0.1:${this.publicPort}${this.publicPath}`;
      this.confFile = path.join(this.dir, 'accessd.conf');
      fs.writeFileSync(this.confFile, [
        `lookup_key = ${LOOKUP_KEY}`,
        `public_url = ${this.publicUrl}`,
        `partner_name = ${PARTNER_NAME}`,
        `portal_url = ${this.standinUrl}`,
        `listen = 127.0.0.1:${this.publicPort}`,
        'admin_listen = 127.0.0.1:0',
        `database = ${this.dbFile}`,
        `api_token_file = ${path.join(this.dir, 'api-token')}`,
        `redirect_allow = ${this.partner.origin}`,
        'log_level = debug',
        ...verifyLines,
        ...this.extraConfig,
        '',
      ].join('\n'));
      fs.writeFileSync(this.daemonLog, '');
      this.daemon = startProcess(path.join(repoRoot, 'zaptec-accessd'),
                                 ['-c', this.confFile, 'serve'], this.daemonLog);
      try {
        const adminPort = await waitFor('the daemon to log event=ready', () => {
          if (this.daemon.exited) throw exitedError('the daemon', this.daemonLog);
          const m = /event=ready public_port=(\d+) admin_port=(\d+)/.exec(fs.readFileSync(this.daemonLog, 'utf8'));
          return m && Number(m[2]);
        });
        this.adminUrl = `http://127.0.0.1:${adminPort}`;
        await waitFor('/readyz to answer 200', async () => {
          if (this.daemon.exited) throw exitedError('the daemon', this.daemonLog);
          return (await fetch(`${this.adminUrl}/readyz`)).status === 200;
        });
        return;
      } catch (e) {
        if (!this.daemon.exited || attempt >= 3) throw e;
      }
    }
  }

  // The configuration lines that turn verification on against the stand-in's
  // API, with the service account's password written to a file of its own.
  // Reconciliation stays off: these cases check one grant's verification.
  verifyConfig() {
    const group = fixture.userGroups.find((g) => g.lookupKey === LOOKUP_KEY);
    const passwordFile = path.join(this.dir, 'zaptec-password');
    fs.writeFileSync(passwordFile, group.serviceAccount.password + '\n', { mode: 0o600 });
    return [
      `zaptec_username = ${group.serviceAccount.username}`,
      `zaptec_password_file = ${passwordFile}`,
      `zaptec_api_url = ${this.standinUrl}`,
      'reconcile_interval = 0',
      'verify_window = 30s',
    ];
  }

  async startBrowser() {
    this.context = await chromium.launchPersistentContext(path.join(this.dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      ...(this.phone ? { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
                     : { viewport: { width: 800, height: 700 } }),
    });
    this.context.setDefaultTimeout(10000);
    this.page = this.context.pages()[0] || await this.context.newPage();
    this.responses = [];
    this.page.on('response', (r) => this.responses.push({ url: r.url(), status: r.status() }));
    // Our pages' Content-Security-Policy must not block their own inline style;
    // only a real browser tells.
    this.cspViolations = [];
    this.page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) this.cspViolations.push(m.text());
    });
  }

  // Calls the admin API with the bearer token; returns {status, headers, body}.
  async api(method, apiPath, body) {
    const res = await fetch(this.adminUrl + apiPath, {
      method,
      headers: { Authorization: `Bearer ${this.token}`,
                 ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON: the test sees text */ }
    return { status: res.status, headers: res.headers, body: json, text };
  }

  // Creates an access request as the partner's backend would; returns it
  // (with connectUrl), failing unless the daemon answered 201.
  async createRequest(fields) {
    const res = await this.api('POST', '/api/v1/access-requests', fields);
    if (res.status !== 201) throw new Error(`create request: ${res.status} ${res.text}`);
    return res.body;
  }

  async standinState() {
    return (await fetch(`${this.standinUrl}/_standin/state`)).json();
  }

  sql(query) {
    return sqlite(this.dbFile, query);
  }

  // The status of the last response the browser got for a URL starting with prefix.
  lastStatus(prefix) {
    const hit = this.responses.filter((r) => r.url.startsWith(prefix)).pop();
    return hit ? hit.status : null;
  }

  async screenshot(caseName) {
    fs.mkdirSync(screenshotDir, { recursive: true });
    await this.page.screenshot({ path: path.join(screenshotDir, `${caseName}.png`), fullPage: true });
  }

  // After a failure: the page's HTML and what it looked like, beside the
  // screenshots, and the tails of the logs on stderr.
  async saveFailure(caseName) {
    fs.mkdirSync(screenshotDir, { recursive: true });
    try {
      if (this.page) {
        fs.writeFileSync(path.join(screenshotDir, `${caseName}.html`),
                         `<!-- ${this.page.url()} -->\n` + await this.page.content());
        await this.screenshot(caseName);
      }
    } catch (e) {
      process.stderr.write(`could not save the page of ${caseName}: ${e.message}\n`);
    }
    process.stderr.write(`--- daemon log (${caseName})\n${tail(this.daemonLog)}\n` +
                         `--- stand-in log (${caseName})\n${tail(this.standinLog)}\n`);
  }

  async stop() {
    const errors = [];
    const attempt = async (fn) => { try { await fn(); } catch (e) { errors.push(e); } };
    if (this.context) await attempt(() => this.context.close());
    await attempt(() => stopProcess(this.daemon));
    await attempt(() => stopProcess(this.standin));
    if (this.partner) await attempt(() => new Promise((resolve) => this.partner.srv.close(resolve)));
    if (this.daemon?.exited && this.daemon.exited.code !== 0 && this.daemon.exited.signal !== 'SIGKILL') {
      errors.push(new Error(`daemon exited with ${JSON.stringify(this.daemon.exited)}:\n${tail(this.daemonLog)}`));
    }
    keepLog(this.daemonLog);
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (errors.length) throw errors[0];
  }
}

// Declares one end-to-end case: a fresh Env for it (options go to Env), the
// page saved on failure, and everything stopped afterwards. fn gets the Env and
// the node:test context.
export function e2e(caseName, fn, options = {}) {
  test(caseName, async (t) => {
    // What an earlier run left for this case would otherwise pass for this run's.
    for (const ext of ['png', 'html']) fs.rmSync(path.join(screenshotDir, `${caseName}.${ext}`), { force: true });
    const env = new Env(caseName, options);
    try {
      await env.start();
      await fn(env, t);
      assert.deepEqual(env.cspViolations, [], 'the browser blocked part of a page');
    } catch (e) {
      await env.saveFailure(caseName);
      await env.stop().catch(() => {});
      throw e;
    }
    await env.stop();
  });
}

// --- the customer's clicks at the stand-in's portal ---------------------------

// Logs in on the portal's login form as the fixture user named.
export async function logIn(page, userName) {
  const u = user(userName);
  await page.fill('input#email', u.email);
  await page.fill('input#password', u.password);
  await page.click('button#login');
  await page.waitForSelector('#consent-form');
}

// Opens the request's link as the customer would; returns the portal page's
// URL, failing unless the daemon sent the browser on to the stand-in's portal.
export async function openLink(env, request) {
  const res = await env.page.goto(request.connectUrl);
  const url = new URL(env.page.url());
  if (!url.href.startsWith(`${env.standinUrl}/access/request/${LOOKUP_KEY}?`) || res.status() !== 200) {
    throw new Error(`the link did not lead to the portal: ${res.status()} ${url.href}`);
  }
  return url;
}

// The installations the consent form offers, as {id, name, checked}.
export async function offered(page) {
  return page.$$eval('input[name=installationId]', (inputs) => inputs.map((i) => ({
    id: i.value, name: i.parentElement.textContent.trim(), checked: i.checked,
  })));
}

// Clicks a consent button (approve or deny) and waits until the browser has
// left the portal: on our result page or on the partner's own.
export async function answer(env, button) {
  await env.page.click(`button#${button}`);
  await env.page.waitForURL((url) => !url.href.startsWith(env.standinUrl));
}

// What our result page says: its language, heading and the whole visible text.
export async function resultPage(page) {
  return {
    lang: await page.getAttribute('html', 'lang'),
    heading: (await page.textContent('h1')).trim(),
    text: (await page.innerText('main')).replace(/\s+/g, ' ').trim(),
  };
}
