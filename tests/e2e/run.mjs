#!/usr/bin/env node
// Browser end-to-end tests: playwright-core drives Debian's /usr/bin/chromium (no browser download).
//   node tests/e2e/run.mjs --bin build-test/defter [--screens DIR]
// Creates a demo data directory, serves it on a free 127.0.0.1 port, runs every test in a fresh browser
// context, prints "PASS name" / "FAIL name: reason" and ends with exactly one "N passed, N failed" line.
// The server and the browser are always stopped; the data directory is removed.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const CHROMIUM = '/usr/bin/chromium';
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const RUN_BUDGET_MS = 180_000;  // the whole run, browser start included
const TEST_BUDGET_MS = 20_000;  // one test
const ACTION_TIMEOUT_MS = 8_000;

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const o = { bin: null, screens: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--bin') o.bin = argv[++i];
    else if (a === '--screens') o.screens = argv[++i];
    else if (a === '-h' || a === '--help') {
      console.log('usage: node tests/e2e/run.mjs --bin PATH [--screens DIR]');
      process.exit(0);
    } else {
      console.error(`e2e: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!o.bin) { console.error('e2e: --bin PATH is required'); process.exit(2); }
  o.bin = path.resolve(o.bin);
  if (o.screens) o.screens = path.resolve(o.screens);
  return o;
}

// ---------------------------------------------------------------- server

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function initData(bin, dir) {
  const r = spawnSync(bin, ['init', '--data', dir, '--preset', 'eyupsultan', '--demo'],
    { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`defter init failed (${r.status}): ${r.stderr || r.stdout}`);
  const logins = {};
  for (const line of fs.readFileSync(path.join(dir, 'demo-logins.txt'), 'utf8').split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [username, password, role] = t.split(/\s+/);
    logins[username] = { username, password, role };
  }
  for (const u of ['admin', 'personel', 'denetci', 'kayit'])
    if (!logins[u]) throw new Error(`demo-logins.txt has no ${u}`);
  return logins;
}

// Starts `defter serve`; resolves once it prints its ready line.
function startServer(bin, dir, port) {
  const child = spawn(bin, ['serve', '--data', dir, '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  const keep = (chunk) => { log.push(chunk.toString()); if (log.length > 200) log.shift(); };
  child.stderr.on('data', keep);
  const ready = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server not ready in 10 s: ${log.join('')}`)), 10_000);
    child.stdout.on('data', (chunk) => {
      keep(chunk);
      out += chunk.toString();
      if (/ready: http:\/\//.test(out)) { clearTimeout(timer); resolve(); }
    });
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (${code ?? sig}): ${log.join('')}`));
    });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
  return { child, ready, log };
}

function stopServer(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, 3000);
    child.once('exit', () => { clearTimeout(kill); resolve(); });
    try { child.kill('SIGTERM'); } catch { clearTimeout(kill); resolve(); }
  });
}

// A real SMTP server for the mails defter sends: Debian's python3-aiosmtpd with its Maildir handler.
async function startSmtp(dir) {
  const port = await freePort();
  const maildir = path.join(dir, 'maildir');
  const child = spawn('/usr/bin/python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c',
    'aiosmtpd.handlers.Mailbox', maildir], { stdio: ['ignore', 'ignore', 'pipe'] });
  for (let i = 0; i < 100; i++) {
    const open = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (open) return { child, port, maildir };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopServer(child);
  throw new Error('aiosmtpd did not start');
}

// A real OpenLDAP server for directory sign-in: tests/api/ldappeers.py run as a program starts Debian's
// slapd with the tests' people and groups and prints the DEFTER_LDAP_* settings for defter.
async function startSlapd(dir) {
  const child = spawn('/usr/bin/python3', [path.join(REPO, 'tests', 'api', 'ldappeers.py'), path.join(dir, 'ldap')],
    { stdio: ['pipe', 'pipe', 'pipe'], cwd: path.join(REPO, 'tests', 'api') });
  const env = await new Promise((resolve, reject) => {
    let out = '', err = '';
    const timer = setTimeout(() => reject(new Error(`slapd not ready in 20 s: ${err}`)), 20_000);
    child.stderr.on('data', (c) => { err += c.toString(); });
    child.stdout.on('data', (c) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) { clearTimeout(timer); resolve(JSON.parse(out.slice(0, nl))); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`ldappeers exited ${code}: ${err}`)); });
  });
  return { child, env };
}

// The decoded text of every mail in the Maildir (quoted-printable bodies and RFC 2047 subjects undone).
function readMails(maildir) {
  const out = [];
  for (const sub of ['new', 'cur']) {
    const d = path.join(maildir, sub);
    if (!fs.existsSync(d)) continue;
    for (const f of fs.readdirSync(d)) {
      const raw = fs.readFileSync(path.join(d, f), 'latin1');
      const sep = raw.search(/\r?\n\r?\n/);
      const head = raw.slice(0, sep).replace(/\r?\n[ \t]+/g, ' ');
      const qp = raw.slice(sep).replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
      const to = (head.match(/^To:\s*(.*)$/mi) ?? [])[1] ?? '';
      const subject = ((head.match(/^Subject:\s*(.*)$/mi) ?? [])[1] ?? '').replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi,
        (_, enc, t) => (enc.toLowerCase() === 'b' ? Buffer.from(t, 'base64').toString('latin1')
          : t.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/g, (__, h) => String.fromCharCode(parseInt(h, 16)))));
      out.push({ to, subject: Buffer.from(subject, 'latin1').toString('utf8'), body: Buffer.from(qp, 'latin1').toString('utf8') });
    }
  }
  return out;
}

async function waitForMail(maildir, pred, what, ms = 12_000) {
  const until = Date.now() + ms;
  for (;;) {
    const m = readMails(maildir).find(pred);
    if (m) return m;
    if (Date.now() > until) throw new Failure(`no mail: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---------------------------------------------------------------- helpers

class Failure extends Error {}
function check(cond, msg) { if (!cond) throw new Failure(msg); }
function eq(got, want, what) {
  if (got !== want) throw new Failure(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}

const pathOf = (page) => new URL(page.url()).pathname;
const htmlLang = (page) => page.evaluate(() => document.documentElement.lang);
const h1 = async (page) => (await page.locator('main h1').first().textContent() ?? '').trim();
const navLabels = (page) => page.locator('nav.side a').allTextContents().then((a) => a.map((s) => s.trim()));

async function login(page, user) {
  await page.goto('/login');
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login', { timeout: ACTION_TIMEOUT_MS }),
    page.click('#login-submit'),
  ]);
  await page.waitForLoadState('load');
}

async function logout(page) {
  await page.click('#usermenu');
  await page.locator('#logout').waitFor({ state: 'visible' });
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('#logout')]);
}

// Submits a form by clicking `selector` and waits for the page it leads to (a 303 back to the same URL
// included, which waitForURL cannot tell apart).
async function submitAndLoad(page, selector) {
  await Promise.all([page.waitForEvent('load'), page.click(selector)]);
}

// Today + days in Europe/Istanbul (UTC+3 all year) as YYYY-MM-DD.
const istanbulDate = (days = 0) => new Date(Date.now() + 3 * 3600_000 + days * 86400_000).toISOString().slice(0, 10);

// The live figures of capability "task" in one duty row of /org/coverage.
async function taskFigures(row) {
  // The coverage page marks every value: <span data-capability data-figure>.
  const out = {};
  for (const k of ['tasks', 'completed', 'open', 'overdue']) {
    const cell = row.locator(`td.figures [data-capability="task"][data-figure="${k}"]`);
    check(await cell.count() === 1, `task figure ${k} missing in the duty row`);
    out[k] = Number(((await cell.textContent()) ?? '').trim());
    check(Number.isInteger(out[k]), `task figure ${k} is not a number`);
  }
  return out;
}

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => { t = setTimeout(() => reject(new Failure(`${what} took over ${ms / 1000} s`)), ms); }),
  ]).finally(() => clearTimeout(t));
}

// ---------------------------------------------------------------- tests

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test('unauthenticated / redirects to /login', async ({ page }) => {
  const resp = await page.goto('/');
  eq(pathOf(page), '/login', 'path after visiting /');
  eq(new URL(page.url()).searchParams.get('next'), '/', 'next parameter');
  check(resp && resp.status() === 200, `login page status ${resp && resp.status()}`);
  check(await page.locator('#username').isVisible(), '#username not visible');
  check(await page.locator('#password').isVisible(), '#password not visible');
});

test('wrong password shows a Turkish error and stays on /login', async ({ page, users }) => {
  await page.goto('/login');
  await page.fill('#username', users.admin.username);
  await page.fill('#password', users.admin.password + 'x');
  await Promise.all([page.waitForEvent('load'), page.click('#login-submit')]);
  eq(pathOf(page), '/login', 'path after a failed login');
  const err = page.locator('#login-error');
  await err.waitFor({ state: 'visible' });
  eq((await err.textContent()).trim(), 'Kullanıcı adı veya parola yanlış.', '#login-error text');
  eq(await err.getAttribute('role'), 'alert', '#login-error role');
  eq(await htmlLang(page), 'tr', 'html lang');
  eq(await page.inputValue('#username'), users.admin.username, 'username kept in the form');
  eq(await page.inputValue('#password'), '', 'password field is emptied');
  const me = await page.request.get('/api/v1/auth/me');
  eq(me.status(), 401, 'GET /api/v1/auth/me after a failed login');
});

test('admin login lands on the dashboard', async ({ page, users }) => {
  await login(page, users.admin);
  eq(pathOf(page), '/', 'path after login');
  eq(await h1(page), 'Pano', 'dashboard heading');
  eq(await htmlLang(page), 'tr', 'html lang');
  const me = await page.request.get('/api/v1/auth/me');
  eq(me.status(), 200, 'GET /api/v1/auth/me');
  const body = await me.json();  // the User object itself (docs/openapi.yaml), plus csrf_token
  eq(body.username, users.admin.username, 'auth/me username');
  const name = body.display_name || body.username;
  check(name, 'auth/me has no display_name/username');
  eq((await page.locator('#usermenu').textContent()).trim(), name, '#usermenu text');
  const nav = await navLabels(page);
  for (const want of ['Pano', 'Kullanıcılar', 'Denetim izi', 'Teşkilat'])
    check(nav.includes(want), `admin nav lacks "${want}": ${JSON.stringify(nav)}`);
  eq(await page.locator('nav.side a[aria-current="page"]').textContent(), 'Pano', 'current nav item');
  check((await page.locator('#my-roles li').count()) >= 1, '#my-roles lists no role');
  check(/Pano/.test(await page.title()), `title "${await page.title()}" lacks "Pano"`);
});

test('language switch to English persists and switches back', async ({ page, users }) => {
  await login(page, users.admin);
  eq(await htmlLang(page), 'tr', 'html lang before the switch');
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.click('#lang-en')]);
  await page.waitForLoadState('load');
  eq(pathOf(page), '/', 'path after /lang/en (next=/)');
  eq(await htmlLang(page), 'en', 'html lang after #lang-en');
  eq(await h1(page), 'Dashboard', 'heading after #lang-en');
  let nav = await navLabels(page);
  check(nav.includes('Users'), `English nav lacks "Users": ${JSON.stringify(nav)}`);
  check(!nav.includes('Kullanıcılar'), `English nav still has "Kullanıcılar": ${JSON.stringify(nav)}`);
  eq(await page.locator('#lang-en').count(), 0, '#lang-en links while English is current');
  // Persists across navigation (a nav click and a fresh load).
  await Promise.all([page.waitForURL((u) => u.pathname === '/org'), page.click('nav.side a[href="/org"]')]);
  eq(await htmlLang(page), 'en', 'html lang on /org');
  nav = await navLabels(page);
  check(nav.includes('Users') && nav.includes('Dashboard'), `English nav on /org: ${JSON.stringify(nav)}`);
  await page.goto('/audit');
  eq(await htmlLang(page), 'en', 'html lang on /audit');
  eq(await h1(page), 'Audit trail', 'heading on /audit');
  // Back to Turkish, staying on the same page.
  await Promise.all([page.waitForURL((u) => u.pathname === '/audit'), page.click('#lang-tr')]);
  await page.waitForLoadState('load');
  eq(pathOf(page), '/audit', 'path after /lang/tr (next=/audit)');
  eq(await htmlLang(page), 'tr', 'html lang after #lang-tr');
  eq(await h1(page), 'Denetim izi', 'heading after #lang-tr');
  await page.goto('/');
  eq(await h1(page), 'Pano', 'dashboard heading after switching back');
  nav = await navLabels(page);
  check(nav.includes('Kullanıcılar'), `Turkish nav lacks "Kullanıcılar": ${JSON.stringify(nav)}`);
});

test('logout via the user menu ends the session', async ({ page, users }) => {
  await login(page, users.admin);
  const logout = page.locator('#logout');
  check(!(await logout.isVisible()), '#logout visible before the user menu is opened');
  await page.click('#usermenu');
  await logout.waitFor({ state: 'visible' });
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), logout.click()]);
  eq(pathOf(page), '/login', 'path after logout');
  await page.goto('/');
  eq(pathOf(page), '/login', 'path of / after logout');
  const me = await page.request.get('/api/v1/auth/me');
  eq(me.status(), 401, 'GET /api/v1/auth/me after logout');
});

test('personel sees no admin navigation and gets 403 on /users', async ({ page, users }) => {
  await login(page, users.personel);
  eq(pathOf(page), '/', 'path after login');
  const nav = await navLabels(page);
  check(nav.includes('Pano'), `personel nav lacks "Pano": ${JSON.stringify(nav)}`);
  for (const no of ['Kullanıcılar', 'Denetim izi'])
    check(!nav.includes(no), `personel nav shows "${no}": ${JSON.stringify(nav)}`);
  eq(await page.locator('nav.side a[href="/users"], nav.side a[href="/audit"]').count(), 0,
    'links to /users or /audit in the personel nav');
  const resp = await page.goto('/users');
  eq(resp.status(), 403, 'status of /users for personel');
  eq(await h1(page), 'Erişim engellendi', '403 page heading');
  eq(await htmlLang(page), 'tr', 'html lang on the 403 page');
  check(await page.locator('#usermenu').isVisible(), '403 page lost the user menu');
  const audit = await page.goto('/audit');
  eq(audit.status(), 403, 'status of /audit for personel');
});

test('keyboard: Tab from the top reaches the skip link, then the login fields in order', async ({ page }) => {
  await page.goto('/login');
  // Put the sequential focus navigation point at the top of the document (as when focus enters the page
  // from the browser's own UI); the login page autofocuses #username otherwise.
  await page.evaluate(() => {
    const b = document.body; b.tabIndex = -1; b.focus(); b.removeAttribute('tabindex');
  });
  const active = () => page.evaluate(() => {
    const a = document.activeElement;
    if (!a || a === document.body) return 'body';
    return a.id ? `#${a.id}` : `${a.tagName.toLowerCase()}.${a.className}`;
  });
  const order = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    const a = await active();
    order.push(a);
    if (a === '#login-submit' || a === 'body') break;
  }
  eq(order[0], 'a.skip', `first Tab stop (order ${order.join(' → ')})`);
  const fields = order.filter((x) => ['#username', '#password', '#login-submit'].includes(x));
  eq(fields.join(' → '), '#username → #password → #login-submit', `form fields in Tab order (${order.join(' → ')})`);
  // The skip link is visible while focused and moves focus to the main content.
  await page.evaluate(() => { const b = document.body; b.tabIndex = -1; b.focus(); b.removeAttribute('tabindex'); });
  await page.keyboard.press('Tab');
  const box = await page.locator('a.skip').boundingBox();
  check(box && box.x >= 0 && box.y >= 0 && box.width > 0, `focused skip link is off screen: ${JSON.stringify(box)}`);
  eq((await page.locator('a.skip').textContent()).trim(), 'İçeriğe geç', 'skip link text');
  await page.keyboard.press('Enter');
  eq(await page.evaluate(() => document.activeElement && document.activeElement.id), 'main',
    'focus after activating the skip link');
  // Every field has a label.
  for (const id of ['username', 'password'])
    eq(await page.locator(`label[for="${id}"]`).count(), 1, `label for #${id}`);
});

test('login page and dashboard: no console errors, no foreign resources', async ({ page, users, origin }) => {
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const u = r.url();
    if (u.startsWith('data:')) return;
    if (new URL(u).origin !== origin) problems.push(`foreign request: ${u}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  const seen = new Set();
  page.on('request', (r) => seen.add(new URL(r.url()).pathname));
  await page.goto('/login');
  await page.waitForLoadState('networkidle');
  await login(page, users.admin);
  await page.waitForLoadState('networkidle');
  eq(pathOf(page), '/', 'path after login');
  for (const p of ['/static/app.css', '/static/app.js'])
    check(seen.has(p), `${p} was never requested (saw ${[...seen].join(', ')})`);
  // The stylesheet really applied (a CSP or MIME problem would leave the page unstyled).
  const bg = await page.evaluate(() => getComputedStyle(document.querySelector('header.top')).backgroundColor);
  eq(bg, 'rgb(31, 95, 139)', 'header background (app.css applied)');
  check(problems.length === 0, problems.join('; '));
});

test('audit page as denetci shows the chain intact', async ({ page, users }) => {
  await login(page, users.denetci);
  const resp = await page.goto('/audit');
  eq(resp.status(), 200, 'status of /audit for denetci');
  const st = page.locator('#chain-status');
  await st.waitFor({ state: 'visible' });
  const text = (await st.textContent()).trim();
  check(/^Denetim zinciri sağlam\. \(\d+\)$/.test(text), `#chain-status text: ${JSON.stringify(text)}`);
  const n = Number(text.match(/\((\d+)\)/)[1]);
  check(n > 0, `chain row count ${n}`);
  check(await st.evaluate((e) => e.classList.contains('notice')), '#chain-status lacks class notice');
  const v = await page.request.get('/api/v1/audit/verify');
  eq(v.status(), 200, 'GET /api/v1/audit/verify');
  eq((await v.json()).ok, true, 'audit/verify ok');
  check((await page.locator('main table tbody tr').count()) > 0, 'audit page lists no rows');
});

test('narrow viewport (375x700) dashboard has no horizontal scroll', async ({ browser, baseURL, users }) => {
  const ctx = await browser.newContext({ baseURL, locale: 'tr-TR', viewport: { width: 375, height: 700 } });
  try {
    ctx.setDefaultTimeout(ACTION_TIMEOUT_MS);
    const page = await ctx.newPage();
    await login(page, users.admin);
    eq(pathOf(page), '/', 'path after login');
    const m = await page.evaluate(() => ({
      scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth,
      wide: [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? `#${e.id}` : e.className ? `.${e.className}` : '')),
    }));
    check(m.scroll <= m.inner, `scrollWidth ${m.scroll} > innerWidth ${m.inner} (wide: ${m.wide.join(', ')})`);
    check(await page.locator('#usermenu').isVisible(), '#usermenu not visible at 375 px');
    check(await page.locator('nav.side a[href="/org"]').isVisible(), 'nav not visible at 375 px');
  } finally {
    await ctx.close();
  }
});

// A wide table must scroll inside its own box, not widen the whole page: when the page widens, the header's
// language switch and user menu move off screen (seen on /org and /audit at 375 px, /org even at 1024 px).
test('wide content never makes a page scroll sideways (375x700 and 1024x768)', async ({ browser, baseURL, users }) => {
  const bad = [];
  for (const [viewport, paths] of [
    [{ width: 375, height: 700 }, ['/login', '/', '/org', '/audit', '/users', '/account']],
    [{ width: 1024, height: 768 }, ['/', '/org', '/audit', '/users']],
  ]) {
    const ctx = await browser.newContext({ baseURL, locale: 'tr-TR', viewport });
    try {
      ctx.setDefaultTimeout(ACTION_TIMEOUT_MS);
      const page = await ctx.newPage();
      for (const p of paths) {
        if (p === '/') await login(page, users.admin);  // '/login' is measured signed out, the rest signed in
        const resp = await page.goto(p);
        eq(resp.status(), 200, `status of ${p}`);
        eq(pathOf(page), p, `path of ${p}`);
        const m = await page.evaluate(() => {
          const um = document.querySelector('#usermenu');
          return { scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth,
            menuRight: um ? Math.round(um.getBoundingClientRect().right) : 0 };
        });
        if (m.scroll > m.inner || m.menuRight > m.inner)
          bad.push(`${p} at ${viewport.width}px: scrollWidth ${m.scroll}, #usermenu right edge ${m.menuRight}`);
      }
    } finally {
      await ctx.close();
    }
  }
  check(bad.length === 0, bad.join('; '));
});

// The coverage report is where a manager turns a regulation duty into work: "Görev ver" on a duty row opens the
// new-task form for that duty; once the assignee completes the task, the row's live figures count it.
test('coverage: a manager assigns a task from a duty, the assignee completes it, the duty figures count it',
  async ({ page, users }) => {
    for (const u of ['mudur', 'teknik']) check(users[u], `demo-logins.txt has no ${u}`);
    // 1. mudur picks the first YBY duty with a "Görev ver" link (every duty in force has task figures).
    await login(page, users.mudur);
    let resp = await page.goto('/org/coverage');
    eq(resp.status(), 200, 'status of /org/coverage');
    const rowId = await page.locator('#unit-YBY tbody tr[id^="duty-"]').evaluateAll((rows) => {
      const r = rows.find((x) => x.querySelector('a.assign')
        && x.querySelector('td.figures [data-capability="task"][data-figure="tasks"]'));
      return r ? r.id : null;
    });
    check(rowId, 'no YBY duty row with task figures and a "Görev ver" link on /org/coverage');
    const dutyId = rowId.slice('duty-'.length);
    const row = page.locator(`#${rowId}`);
    const ref = await row.getAttribute('data-ref');
    const before = await taskFigures(row);
    const assign = row.locator('a.assign');
    eq((await assign.textContent()).trim(), 'Görev ver', 'assign link text');
    eq(await assign.getAttribute('href'), `/tasks/new?duty=${dutyId}`, 'assign link target');
    // 2. The new-task form comes prefilled with the duty and its unit.
    await Promise.all([page.waitForURL((u) => u.pathname === '/tasks/new'), assign.click()]);
    eq(new URL(page.url()).searchParams.get('duty'), dutyId, 'duty in the new-task URL');
    eq(await page.inputValue('#t-duty'), dutyId, 'duty preselected');
    eq(await page.inputValue('#t-unit'), 'YBY', 'unit preselected from the duty');
    const title = `E2E kapsama görevi ${Date.now()}`;
    await page.fill('#t-title', title);
    const teknikId = await page.locator('#t-user option').evaluateAll((os) =>
      (os.find((o) => /\(teknik, YBY\)$/.test(o.textContent.trim())) ?? {}).value ?? null);
    check(teknikId, 'no option "(teknik, YBY)" in #t-user');
    await page.selectOption('#t-user', teknikId);
    const deadline = istanbulDate(7);
    await page.fill('#t-deadline', deadline);
    await Promise.all([page.waitForURL((u) => /^\/tasks\/\d+$/.test(u.pathname)), page.click('#new-task-submit')]);
    const taskPath = pathOf(page);
    const taskId = taskPath.split('/').pop();
    eq(await h1(page), title, 'task page heading');
    eq(await page.getAttribute('#task-status .status', 'data-status'), 'atandi', 'status of the new task');
    eq(await page.getAttribute('#task-deadline time', 'datetime'), deadline, 'deadline of the new task');
    check(((await page.textContent('#task-duty')) ?? '').includes(ref), `#task-duty lacks ${ref}`);
    check(((await page.textContent('#task-unit')) ?? '').includes('YBY'), '#task-unit lacks YBY');
    await logout(page);

    // 3. teknik finds it under "Görevlerim" and works it through to tamamlandı with the page's buttons.
    await login(page, users.teknik);
    resp = await page.goto('/tasks');
    eq(resp.status(), 200, 'status of /tasks for teknik');
    const mine = page.locator('#tab-mine');
    eq(await mine.getAttribute('aria-current'), 'page', 'the default tab of /tasks');
    eq((await mine.textContent()).trim(), 'Görevlerim', '#tab-mine text');
    const link = page.locator(`#tasks #task-${taskId} a[href="${taskPath}"]`);
    eq((await link.textContent()).trim(), title, 'the task in Görevlerim');
    await Promise.all([page.waitForURL((u) => u.pathname === taskPath), link.click()]);
    for (const [to, label] of [['suruyor', 'sürüyor'], ['tamamlandi', 'tamamlandı']]) {
      const status = await page.getAttribute('#task-status .status', 'data-status');
      check(await page.locator(`#status-actions #to-${to}`).isVisible(), `no #to-${to} button (status ${status})`);
      await submitAndLoad(page, `#status-actions #to-${to}`);
      eq(pathOf(page), taskPath, `path after moving to ${to}`);
      eq(await page.getAttribute('#task-status .status', 'data-status'), to, `status after #to-${to}`);
      eq(((await page.textContent('#task-status')) ?? '').trim(), label, `status label after #to-${to}`);
    }
    eq(await page.locator('#status-actions').count(), 0, 'status buttons left for teknik on a completed task');
    await logout(page);

    // 4. Back on the coverage report, the duty counts one more task, completed, and no more open ones.
    await login(page, users.mudur);
    await page.goto('/org/coverage');
    const after = await taskFigures(page.locator(`#${rowId}`));
    eq(after.tasks, before.tasks + 1, `tasks of ${ref}`);
    eq(after.completed, before.completed + 1, `completed of ${ref}`);
    eq(after.open, before.open, `open of ${ref}`);
  });

test('desk: an employee reports a fault, the chief assigns it, the technician resolves it, the employee gets the mail and rates it',
  async ({ browser, baseURL, users, mail }) => {
    const as = async (who) => {
      const ctx = await browser.newContext({ baseURL, locale: 'tr-TR' });
      ctx.setDefaultTimeout(ACTION_TIMEOUT_MS);
      const p = await ctx.newPage();
      await login(p, users[who]);
      return { ctx, p };
    };
    // 1. personel reports through the self-service form.
    const emp = await as('personel');
    await emp.p.goto('/desk/my');
    await Promise.all([emp.p.waitForURL((u) => u.pathname === '/desk/new'), emp.p.click('#report-fault')]);
    const subject = `E2E yazıcı arızası ${Date.now()}`;
    await emp.p.fill('#n-subject', subject);
    await emp.p.fill('#n-body', 'Yazıcı kağıt sıkıştırıyor, <b>acil</b>.');
    const cat = await emp.p.locator('#n-category option').evaluateAll((os) =>
      (os.find((o) => o.textContent.includes('Uygulama hatası')) ?? {}).value ?? null);
    check(cat, 'category "Uygulama hatası" offered');
    await emp.p.selectOption('#n-category', cat);
    await emp.p.selectOption('#n-urgency', 'yuksek');
    await Promise.all([emp.p.waitForURL((u) => u.pathname.startsWith('/desk/tickets/BT-')), emp.p.click('#new-ticket-submit')]);
    const number = ((await emp.p.textContent('#ticket-number')) ?? '').trim();
    check(/^BT-\d{6,}$/.test(number), `ticket number ${number}`);
    check(await emp.p.locator('#created-notice').isVisible(), 'the number is announced');
    check(((await emp.p.textContent('.comment')) ?? '').includes('<b>acil</b>'), 'markup shown as text');
    const receipt = await waitForMail(mail.maildir,
      (m) => m.subject.includes(number) && m.to.trim() === users.personel.email, 'receipt to the requester');
    check(receipt.body.includes(`/desk/tickets/${number}`), 'the receipt links to the ticket');
    // 2. sef assigns it to teknik from the queue.
    const sef = await as('sef');
    await sef.p.goto('/desk?status=yeni');
    await Promise.all([sef.p.waitForURL((u) => u.pathname === `/desk/tickets/${number}`),
      sef.p.click(`#tickets a[href="/desk/tickets/${number}"]`)]);
    const teknikOpt = await sef.p.locator('#a-assignee option').evaluateAll((os) =>
      (os.find((o) => o.textContent.trim().length && o.value && !o.textContent.includes('(')) ? os : null) &&
      os.filter((o) => o.value).map((o) => [o.value, o.textContent.trim()]));
    check(teknikOpt && teknikOpt.length, 'people to assign to');
    const teknikName = users.teknik.display_name;
    const pick = teknikOpt.find(([, t]) => t === teknikName) ?? null;
    check(pick, `teknik (${teknikName}) offered: ${JSON.stringify(teknikOpt)}`);
    await sef.p.selectOption('#a-assignee', pick[0]);
    await submitAndLoad(sef.p, '#assign-submit');
    check(((await sef.p.textContent('#ticket-status')) ?? '').includes('Atandı'), 'status Atandı');
    await sef.ctx.close();
    // 3. teknik resolves it.
    const tek = await as('teknik');
    await tek.p.goto(`/desk/tickets/${number}`);
    await tek.p.fill('#tr-note', 'Kağıt yolu temizlendi, test sayfası basıldı.');
    await submitAndLoad(tek.p, '#to-cozuldu');
    check(((await tek.p.textContent('#ticket-status')) ?? '').includes('Çözüldü'), 'status Çözüldü');
    await tek.ctx.close();
    // 4. The employee gets the resolution mail and rates through its link.
    const done = await waitForMail(mail.maildir, (m) => m.subject.includes(number) && m.body.includes('/desk/rate/'),
      'resolution mail with the rating link');
    eq(done.to.trim(), users.personel.email, 'the rating link goes to the requester');
    const link = done.body.match(/https?:\/\/[^\s]+\/desk\/rate\/[A-Za-z0-9_-]+/);
    check(link, 'rating link in the mail');
    const url = new URL(link[0]);
    eq(url.origin, baseURL, 'the link points at this server');
    await emp.p.goto(url.pathname);
    await emp.p.check('#rate-5');
    await submitAndLoad(emp.p, '#rate-submit');
    check(((await emp.p.textContent('#rate-message')) ?? '').toLocaleLowerCase('tr').includes('teşekkür'), 'thanked');
    await emp.p.goto(`/desk/tickets/${number}`);
    check(((await emp.p.textContent('#ticket-status')) ?? '').includes('Kapandı'), 'rated ticket is closed');
    check(((await emp.p.textContent('aside')) ?? '').includes('5 / 5'), 'rating shown');
    await emp.ctx.close();
  });

test('access: a manager requests access, the IT manager approves, the technician provisions', async ({ browser, baseURL, users }) => {
  const as = async (who) => {
    const ctx = await browser.newContext({ baseURL, locale: 'tr-TR' });
    ctx.setDefaultTimeout(ACTION_TIMEOUT_MS);
    const p = await ctx.newPage();
    await login(p, users[who]);
    return { ctx, p };
  };
  // 1. sef (chief of YBY) requests Active Directory for a colleague of the unit.
  const sef = await as('sef');
  await sef.p.goto('/access');
  await Promise.all([sef.p.waitForURL((u) => u.pathname === '/access/requests/new'), sef.p.click('#new-request')]);
  const people = await sef.p.locator('#q-person option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
  const person = people.find(([, t]) => t.includes('Yazılım') && !t.includes(users.sef.display_name));
  check(person, `a YBY colleague offered: ${JSON.stringify(people.slice(0, 5))}`);
  await sef.p.selectOption('#q-person', person[0]);
  const roles = await sef.p.locator('#q-role option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
  const role = roles.find(([, t]) => t.includes('Active Directory') && t.includes('Etki alanı kullanıcısı'));
  check(role, 'Active Directory / Etki alanı kullanıcısı offered');
  await sef.p.selectOption('#q-role', role[0]);
  await sef.p.fill('#q-reason', 'E2E: yeni personel, bilgisayar oturumu');
  await sef.p.fill('#q-expires', istanbulDate(30));
  await Promise.all([sef.p.waitForURL((u) => /^\/access\/requests\/\d+$/.test(u.pathname)), sef.p.click('#request-submit')]);
  const reqPath = pathOf(sef.p);
  check(((await sef.p.textContent('#request-status')) ?? '').includes('birim onaylandı'), 'unit-approved at once');
  eq(await sef.p.locator('#approve-submit').count(), 0, 'sef cannot approve the IT step');
  await sef.ctx.close();
  // 2. mudur (IT manager) finds it waiting and approves.
  const mudur = await as('mudur');
  await mudur.p.goto('/access');
  await Promise.all([mudur.p.waitForURL((u) => u.pathname === reqPath), mudur.p.click(`#todo a[href="${reqPath}"]`)]);
  eq(await mudur.p.locator('#provision-submit').count(), 0, 'the IT manager does not provision');
  await mudur.p.fill('#approve-note', 'Uygundur.');
  await submitAndLoad(mudur.p, '#approve-submit');
  check(((await mudur.p.textContent('#request-status')) ?? '').includes('BT / sistem sahibi onayladı'), 'IT-approved');
  await mudur.ctx.close();
  // 3. teknik provisions with a note; the person's page shows the grant.
  const tek = await as('teknik');
  await tek.p.goto('/access');
  check(await tek.p.locator(`#todo a[href="${reqPath}"]`).count() === 1, 'waiting in the technician\'s list');
  await tek.p.goto(reqPath);
  await tek.p.fill('#provision-note', 'AD hesabı açıldı, Personel grubuna eklendi.');
  await submitAndLoad(tek.p, '#provision-submit');
  check(((await tek.p.textContent('#request-status')) ?? '').includes('sağlandı'), 'provisioned');
  check(((await tek.p.textContent('#request-provisioned')) ?? '').includes('Personel grubuna eklendi'), 'note recorded');
  const history = ((await tek.p.textContent('#history')) ?? '');
  check(history.includes('sef') && history.includes('mudur') && history.includes('teknik'), 'history names the chain');
  await tek.ctx.close();
  const m2 = await as('mudur');
  await m2.p.goto(reqPath);
  await Promise.all([m2.p.waitForURL((u) => u.pathname.startsWith('/access/people/')), m2.p.click('#request-person a')]);
  const grants = (await m2.p.textContent('#grants')) ?? '';
  check(grants.includes('Active Directory') && grants.includes('etkin') && grants.includes(istanbulDate(30)), `grant listed: ${grants.slice(0, 200)}`);
  await m2.ctx.close();
});
test('assets: register, issue to a person with a Teslim Belgesi (PDF link), then record the return',
  async ({ page, users }) => {
    await login(page, users.mudur);
    await page.goto('/assets');
    const serial = `E2E-${Date.now()}`;
    await page.selectOption('#type', 'dizustu');
    await page.fill('#name', 'Dizüstü bilgisayar (e2e)');
    await page.fill('#code', '255.01.02');
    await page.fill('#serial', serial);
    await page.fill('#brand', 'Lenovo');
    await Promise.all([page.waitForURL((u) => /^\/assets\/\d+$/.test(u.pathname)), page.click('#new-asset-submit')]);
    const title = ((await page.textContent('#asset-title')) ?? '').trim();
    check(/^255\.01\.02-\d{2}-\d+ /.test(title), `sicil no in the title: ${title}`);
    const sicil = title.split(' ')[0];
    // Issue to the first person offered.
    const opts = await page.locator('#custody-person option').evaluateAll((os) =>
      os.filter((o) => o.value).map((o) => [o.value, o.textContent.trim()]));
    check(opts.length > 0, 'people to issue to');
    const [pid, pname] = opts[0];
    await page.selectOption('#custody-person', pid);
    await page.fill('#custody-note', 'Göreve başlama');
    await submitAndLoad(page, '#custody-submit');
    check(((await page.textContent('#custody-holder')) ?? '').includes(pname), `holder ${pname}`);
    const href = await page.getAttribute('#custody-pdf', 'href');
    check(href && /^\/api\/v1\/custody\/\d+\/document\.pdf$/.test(href), `belge link ${href}`);
    const pdf = await page.request.get(href);
    eq(pdf.status(), 200, 'the Teslim Belgesi opens');
    check((pdf.headers()['content-type'] ?? '').startsWith('application/pdf'), 'a PDF');
    const body = await pdf.body();
    check(body.subarray(0, 5).toString() === '%PDF-' && body.length > 2000, `PDF bytes ${body.length}`);
    // Return ("geri alındı").
    await page.fill('#return-note', 'İade edildi');
    await submitAndLoad(page, '#return-submit');
    check(await page.locator('#custody-pdf').count() === 0, 'no open custody after the return');
    check(await page.locator('#custody-form').count() === 1, 'it can be issued again');
    check(((await page.textContent('#history')) ?? '').includes('İade edildi'), 'the return is in the history');
    await page.goto(`/assets?q=${encodeURIComponent(serial)}`);
    check(((await page.textContent('#assets')) ?? '').includes(sicil), 'found by its serial');
  });

test('assets counts: the scan page on a phone (390x844) counts two typed sicil numbers',
  async ({ page, users }) => {
    await login(page, users.mudur);
    await page.setViewportSize({ width: 390, height: 844 });
    const bina = `E2E Sayım ${Date.now()}`;
    const sicils = [];
    for (const n of [1, 2]) {
      await page.goto('/assets');
      await page.fill('#name', `Sayım bilgisayarı ${n}`);
      await page.fill('#code', '255.01.02');
      await page.fill('#building', bina);
      await Promise.all([page.waitForURL((u) => /^\/assets\/\d+$/.test(u.pathname)), page.click('#new-asset-submit')]);
      sicils.push(((await page.textContent('#asset-title')) ?? '').trim().split(' ')[0]);
    }
    await page.goto('/assets/counts');
    const people = await page.locator('#kurul option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    check(people.length >= 3, `three people for the kurul: ${people.length}`);
    await page.fill('#building', bina);
    await page.selectOption('#kurul', people.slice(0, 3));
    await page.selectOption('#kayit_yetkilisi', people[1]);
    await Promise.all([page.waitForURL((u) => /^\/assets\/counts\/\d+$/.test(u.pathname)), page.click('#new-count-submit')]);
    await Promise.all([page.waitForURL((u) => /\/scan$/.test(u.pathname)), page.click('#count-scan-link')]);
    eq(await page.evaluate(() => document.activeElement && document.activeElement.id), 'scan-code', 'the field has the focus');
    eq(((await page.textContent('#count-expected')) ?? '').trim(), '2', 'two expected');
    eq(((await page.textContent('#count-found')) ?? '').trim(), '0', 'none found yet');
    for (const [i, sicil] of sicils.entries()) {
      await page.fill('#scan-code', sicil);
      await Promise.all([page.waitForEvent('load'), page.press('#scan-code', 'Enter')]);
      eq(await page.getAttribute('#scan-result', 'data-result'), 'found', `scan ${sicil}`);
      eq(((await page.textContent('#count-found')) ?? '').trim(), String(i + 1), `found after ${i + 1}`);
    }
    await page.fill('#scan-code', sicils[0]);
    await Promise.all([page.waitForEvent('load'), page.click('#scan-submit')]);
    eq(await page.getAttribute('#scan-result', 'data-result'), 'duplicate', 'scanned twice');
    eq(((await page.textContent('#count-found')) ?? '').trim(), '2', 'not counted twice');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    check(overflow <= 390, `fits the phone width: ${overflow}`);
  });

test('licences: record a volume licence through the form and see its line in the compliance table',
  async ({ page, users }) => {
    await login(page, users.mudur);
    await page.goto('/assets/licences');
    const product = `E2E Ofis ${Date.now()}`;
    await page.fill('#lic-product_name', product);
    await page.fill('#lic-publisher', 'Microsoft');
    await page.selectOption('#lic-type', 'hacimli');
    await page.fill('#lic-seats', '25');
    await page.fill('#lic-supplier', 'Bilgi Ltd.');
    await page.fill('#lic-key_ref', 'Kasa: Lisanslar / Ofis');
    await Promise.all([page.waitForURL((u) => /^\/assets\/licences\/\d+$/.test(u.pathname)),
      page.click('#new-licence-submit')]);
    check(((await page.textContent('#licence-title')) ?? '').includes(product), 'the licence page');
    await page.goto('/assets/licences/compliance');
    const row = page.locator('#compliance tbody tr', { hasText: product });
    eq(await row.count(), 1, `${product} in the compliance table`);
    const cells = await row.first().locator('td').allTextContents();
    eq(cells.slice(1, 4).map((c) => c.trim()).join(' '), '0 25 +25', 'installed, owned, difference');
    check((await page.getAttribute('#compliance-xlsx', 'href'))?.startsWith('/api/v1/licences/compliance.xlsx'),
      'XLSX link');
  });

test('ldap: directory users sign in on the login page and get the roles their groups map to',
  async ({ page }) => {
    // ayse is in cn=bt-admins (→ admin), mehmet in destek (→ teknik@SNB): tests/api/ldappeers.py
    await login(page, { username: 'ayse', password: 'Ayse-Parola-1' });
    check(((await page.textContent('#usermenu')) ?? '').includes('Ayşe Dizinci'), 'the directory name in the menu');
    const users = await page.goto('/users');
    check(users.status() === 200, `bt-admins → admin reaches /users: ${users.status()}`);
    await logout(page);
    await login(page, { username: 'mehmet', password: 'Mehmet-Parola-2' });
    check((await page.goto('/users')).status() === 403, 'destek → teknik may not manage users');
    check((await page.goto('/desk')).status() === 200, 'destek → teknik works the desk queue');
    await logout(page);
    // a wrong directory password: the Turkish error, still on /login
    await page.goto('/login');
    await page.fill('#username', 'ayse');
    await page.fill('#password', 'yanlis-parola');
    await Promise.all([page.waitForLoadState('load'), page.click('#login-submit')]);
    check(pathOf(page) === '/login', 'stays on /login');
  });

test('netlog: the access-log officer registers a static address and the archive answers with it; admin may not ask',
  async ({ page, users }) => {
    await login(page, users.kayit);
    await page.goto('/netlog/static');
    const ip = `10.77.${Math.floor(Math.random() * 200) + 1}.9`;
    await page.fill('#st-ip', ip);
    await page.fill('#st-mac', '52-54-00-E2-E2-09');
    await page.fill('#st-holder', 'Kamera, Zabıta girişi');
    await page.fill('#st-valid_from', '2026-01-01T08:00');
    await Promise.all([page.waitForURL((u) => u.pathname === '/netlog/static'), page.click('#netlog-static-new button[type=submit]')]);
    const row = page.locator('#netlog-static tbody tr', { hasText: ip });
    check((await row.textContent()).includes('52:54:00:e2:e2:09'), 'the MAC normalised in the list');
    await page.goto('/netlog/query');
    await page.fill('#q-ip', ip);
    await page.fill('#q-at', '2026-03-15T10:30:00');
    await page.fill('#q-reason', 'E2E: Savcılık yazısı 2026/77');
    await Promise.all([page.waitForLoadState('load'), page.click('#netlog-query-submit')]);
    const answer = (await page.textContent('#netlog-answer')) ?? '';
    check(answer.includes('Kamera, Zabıta girişi') && answer.includes('52:54:00:e2:e2:09'), `answer: ${answer.slice(0, 300)}`);
    check(await page.locator('#netlog-export').count() === 1, 'the evidence package button');
    // a bad address: a Turkish message, the form kept
    await page.fill('#q-ip', '10.77.300.1');
    await Promise.all([page.waitForLoadState('load'), page.click('#netlog-query-submit')]);
    check(((await page.textContent('#form-error')) ?? '').includes('IPv4 ya da IPv6'), 'Turkish field error');
    await logout(page);
    await login(page, users.admin);
    const r = await page.goto('/netlog/query');
    check(r.status() === 403, `admin on the query page: ${r.status()}`);
    await page.goto('/netlog');
    check(((await page.textContent('h1')) ?? '').includes('Erişim kaydı arşivi'), 'status page for admin');
  });


test('handover: a leaver\'s checklist blocks completion until every line is closed', async ({ page, users }) => {
  await login(page, users.mudur);
  // a YBY person without an account who is responsible for a vault entry, and the chief as successor
  const people = (await (await page.request.get('/api/v1/org/people?unit=YBY&active=1&limit=100')).json()).items;
  const leaver = people.find((p) => !p.user_id);
  const succ = people.find((p) => p.user_id && p.name.startsWith('Mehmet Demir'));
  check(leaver && succ, `YBY people: ${JSON.stringify(people.map((p) => p.name))}`);
  await page.goto('/handover');
  check(['Devir-teslim', 'Handover'].includes(await h1(page)), 'handover heading');
  const csrf = await page.locator('#handover-open input[name="_csrf"]').inputValue();
  const sys = `srv-e2e-${Date.now()}`;
  const r = await page.request.post('/api/v1/vault/entries', { headers: { 'X-CSRF-Token': csrf },
    data: { system: sys, account: 'root', kind: 'sunucu', owner: leaver.id, secret: 'E2e-Gizli-123' } });
  eq(r.status(), 201, 'vault entry for the leaver');
  // open the case in the browser
  await page.fill('#f-person', String(leaver.id));
  await page.selectOption('#f-kind', 'ayrilis');
  await page.fill('#f-successor', String(succ.id));
  await page.fill('#f-effective_date', istanbulDate(0));
  await page.fill('#f-note', 'E2E: ayrılış');
  await Promise.all([page.waitForURL((u) => /^\/handover\/cases\/\d+$/.test(u.pathname)),
    page.click('#handover-open button[type="submit"]')]);
  const line = page.locator('#checklist tbody tr', { hasText: sys });
  eq(await line.count(), 1, 'the vault entry is on the checklist');
  // completing is refused while the line is open
  await submitAndLoad(page, '#btn-complete');
  const alert = (await page.locator('#form-error').textContent()) ?? '';
  check(alert.includes('açık satır') || alert.includes('still open'), `blocked message: ${alert}`);
  check(await line.evaluate((tr) => tr.classList.contains('line-open')), 'the line is still open');
  // close the line by transferring the entry to the successor, then complete
  await line.locator('select[name="action"]').selectOption('transferred');
  await submitAndLoad(page, `#checklist tbody tr:has-text("${sys}") button[type="submit"]`);
  const closed = page.locator('#checklist tbody tr', { hasText: sys });
  check(await closed.evaluate((tr) => tr.classList.contains('line-closed')), 'the line is closed');
  check(((await closed.textContent()) ?? '').includes('Mehmet Demir'), 'the successor is named on the line');
  for (let i = 0; i < 20 && await page.locator('#checklist tbody tr.line-open').count(); i++) {
    const tr = page.locator('#checklist tbody tr.line-open').first();
    await tr.locator('select[name="action"]').selectOption('not_needed');
    await tr.locator('input[name="note"]').fill('E2E: gerek yok');
    await submitAndLoad(page, '#checklist tbody tr.line-open >> nth=0 >> button[type="submit"]');
  }
  await submitAndLoad(page, '#btn-complete');
  const summary = (await page.locator('#case-summary').textContent()) ?? '';
  check(summary.includes('tamamlandı') || summary.includes('completed'), `completed: ${summary}`);
  eq(await page.locator('#btn-complete').count(), 0, 'no complete button on a completed case');
});

// A self-signed certificate made by openssl for `cn`, valid `days` days: { pem, der } buffers.
function makeCert(cn, days) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'defter-e2e-cert-'));
  try {
    const run = (args) => {
      const r = spawnSync('/usr/bin/openssl', args, { encoding: 'utf8', timeout: 20_000 });
      if (r.status !== 0) throw new Failure(`openssl ${args[0]}: ${r.stderr}`);
    };
    run(['req', '-x509', '-utf8', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', String(days),
      '-subj', `/C=TR/O=Kamu SM Test/CN=${cn}`]);
    run(['x509', '-in', path.join(dir, 'cert.pem'), '-outform', 'DER', '-out', path.join(dir, 'cert.der')]);
    return { pem: fs.readFileSync(path.join(dir, 'cert.pem')), der: fs.readFileSync(path.join(dir, 'cert.der')) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('an uploaded e-signature certificate shows in "expires this quarter"', async ({ page, users }) => {
  const { der } = makeCert('Zeynep Kaya', 20);
  await login(page, users.mudur);
  await page.goto('/esign');
  eq(await h1(page), 'E-imzalar', 'e-signatures heading');
  const person = await page.locator('#e-person option').evaluateAll(
    (os) => (os.find((o) => o.textContent.startsWith('Zeynep Kaya')) ?? {}).value);
  check(person, 'Zeynep Kaya is not in the person list');
  await page.selectOption('#e-person', person);
  await page.selectOption('#e-kind', 'eimza');
  await page.selectOption('#e-provider', 'kamusm');
  await page.fill('#e-card', 'AKIS-4711');
  await page.setInputFiles('#e-cert', { name: 'zeynep.cer', mimeType: 'application/pkix-cert', buffer: der });
  await Promise.all([page.waitForURL(/\/esign\/\d+$/), page.click('#esign-new button[type="submit"]')]);
  check((await h1(page)).startsWith('Zeynep Kaya'), `signature page heading ${await h1(page)}`);
  check((await page.locator('dl.fields').textContent()).includes('CN=Zeynep Kaya'), 'subject read from the certificate');
  // the quarter the certificate ends in (Europe/Istanbul), today's one unless the quarter ends within 20 days
  const end = new Date(Date.now() + 3 * 3600_000 + 20 * 86400_000);
  const quarter = `${end.getUTCFullYear()}-Q${Math.floor(end.getUTCMonth() / 3) + 1}`;
  await page.goto(`/esign?quarter=${quarter}`);
  const rows = page.locator('#esign-quarter tbody tr', { hasText: 'Zeynep Kaya' });
  eq(await rows.count(), 1, `Zeynep Kaya in "expires this quarter" (${quarter})`);
  check((await rows.first().textContent()).includes('Kamu SM'), 'provider in the row');
  // a private key is refused with a Turkish reason, and nothing is added
  await page.goto('/esign');
  await page.selectOption('#e-person', person);
  await page.setInputFiles('#e-cert', { name: 'key.pem', mimeType: 'application/x-pem-file',
    buffer: Buffer.from('-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n') });
  await submitAndLoad(page, '#esign-new button[type="submit"]');
  check((await page.locator('#form-error').textContent()).includes('özel anahtar'), 'private key refused in Turkish');
  eq(await page.locator('#esign-list tbody tr', { hasText: 'Zeynep Kaya' }).count(), 1, 'still one signature');
});

test('stock: add an item and a depot, receive five, issue two to a unit and see the stock on hand drop',
  async ({ page, users }) => {
    await login(page, users.mudur);
    await page.goto('/stock');
    const name = `Toner e2e ${Date.now()}`, depot = `Ambar e2e ${Date.now()}`;
    await page.fill('#depot-name', depot);
    await page.selectOption('#depot-unit', 'YBY');
    await Promise.all([page.waitForURL((u) => u.pathname === '/stock'), page.click('#depot-submit')]);
    await page.fill('#item-name', name);
    await page.fill('#item-category', 'toner');
    await page.selectOption('#item-uom', 'adet');
    await page.fill('#item-code', '150.01.02');
    await Promise.all([page.waitForURL((u) => /^\/stock\/items\/\d+$/.test(u.pathname)), page.click('#item-submit')]);
    eq(((await page.textContent('#item-title')) ?? '').trim(), name, 'the item page');
    const depotId = await page.locator('#giris-depot option').evaluateAll(
      (os, d) => (os.find((o) => o.textContent.trim() === d) ?? {}).value, depot);
    check(depotId, `the new depot is offered: ${depot}`);
    await page.selectOption('#giris-depot', depotId);
    await page.fill('#giris-quantity', '5');
    await page.fill('#giris-price', '1250,50');
    await page.fill('#giris-supplier', 'Ofis Malzemeleri A.Ş.');
    await submitAndLoad(page, '#giris-submit');
    const cell = page.locator(`#on-hand td[data-depot="${depotId}"]`);
    eq(((await cell.textContent()) ?? '').trim(), '5', 'five on hand after the receipt');
    await page.selectOption('#cikis-depot', depotId);
    await page.fill('#cikis-quantity', '2');
    await page.selectOption('#cikis-unit', 'ASD');
    await page.fill('#cikis-note', 'Muhasebe yazıcısı');
    await submitAndLoad(page, '#cikis-submit');
    eq(((await cell.textContent()) ?? '').trim(), '3', 'three on hand after the issue');
    eq(((await page.textContent('#item-total')) ?? '').trim(), '3', 'the total drops too');
    check(((await page.textContent('#movements')) ?? '').includes('Muhasebe yazıcısı'), 'the exit in the movements');
    // more than is on hand: refused with the Turkish message, nothing moves
    await page.selectOption('#cikis-depot', depotId);
    await page.fill('#cikis-quantity', '9');
    await page.selectOption('#cikis-unit', 'ASD');
    await submitAndLoad(page, '#cikis-submit');
    check(((await page.textContent('#form-error')) ?? '').includes('3'), 'the refusal names what is on hand');
    eq(((await cell.textContent()) ?? '').trim(), '3', 'still three');
  });

// Only with --screens: a PNG of each main page at 1280x800 (and the dashboard at 375x700).
async function screens(dir, { browser, baseURL, users }) {
  fs.mkdirSync(dir, { recursive: true });
  const shots = async (viewport, lang, list) => {
    const ctx = await browser.newContext({ baseURL, locale: 'tr-TR', viewport });
    ctx.setDefaultTimeout(ACTION_TIMEOUT_MS);
    try {
      const page = await ctx.newPage();
      for (const [file, fn] of list) {
        await fn(page, lang);
        await page.screenshot({ path: path.join(dir, file) });
      }
    } finally { await ctx.close(); }
  };
  const go = (p, status = 200) => async (page) => {
    const r = await page.goto(p);
    eq(r.status(), status, `status of ${p}`);
  };
  const big = { width: 1280, height: 800 };
  await shots(big, 'tr', [
    ['login.png', go('/login')],
    ['login-error.png', async (page) => {
      await page.fill('#username', 'nobody'); await page.fill('#password', 'wrong');
      await Promise.all([page.waitForEvent('load'), page.click('#login-submit')]);
      await page.waitForLoadState('load');
    }],
    ['dashboard-tr.png', async (page) => { await login(page, users.admin); }],
    ['usermenu-open.png', async (page) => { await page.click('#usermenu'); }],
    ['org.png', go('/org')],
    ['audit.png', go('/audit')],
    ['users.png', go('/users')],
    ['account.png', go('/account')],
    ['dashboard-en.png', async (page) => { await page.goto('/lang/en?next=/'); eq(await htmlLang(page), 'en', 'lang'); }],
    ['org-en.png', go('/org')],
    ['audit-en.png', go('/audit')],
  ]);
  await shots(big, 'tr', [
    ['forbidden-personel.png', async (page) => { await login(page, users.personel); await go('/users', 403)(page); }],
  ]);
  await shots({ width: 375, height: 700 }, 'tr', [
    ['login-narrow.png', go('/login')],
    ['dashboard-narrow.png', async (page) => { await login(page, users.admin); }],
    ['org-narrow.png', go('/org')],
    ['audit-narrow.png', go('/audit')],
  ]);
}

// ---------------------------------------------------------------- main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  let dataDir = null, server = null, browser = null, mail = null, slapd = null, passed = 0, failed = 0, finished = false;

  const cleanup = async () => {
    if (browser) { const b = browser; browser = null; await withTimeout(b.close(), 5000, 'browser close').catch(() => {}); }
    if (server) { const s = server; server = null; await stopServer(s.child); }
    if (mail) { const m = mail; mail = null; await stopServer(m.child); }
    if (slapd) {
      const l = slapd; slapd = null;
      await new Promise((resolve) => { l.child.once('exit', resolve); l.child.stdin.end(); setTimeout(resolve, 10_000); });
    }
    if (dataDir) {
      const d = dataDir; dataDir = null;
      try { fs.rmSync(d, { recursive: true, force: true }); } catch (e) { console.log(`e2e: could not remove ${d}: ${e.message}`); }
    }
  };
  const finish = async (code) => {
    if (finished) return;
    finished = true;
    await cleanup();
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { failed++; console.log(`FAIL run: ${sig}`); finish(1); });
  const watchdog = setTimeout(() => {
    failed++;
    console.log(`FAIL run: over the ${RUN_BUDGET_MS / 1000} s budget`);
    finish(1);
  }, RUN_BUDGET_MS);

  let ctxBase, chromium;
  try {
    check(fs.existsSync(opts.bin), `no binary at ${opts.bin}`);
    try {
      ({ chromium } = await import('playwright-core'));
    } catch (e) {
      throw new Failure(`playwright-core is not installed (cd tests/e2e && npm install): ${e.message.split('\n')[0]}`);
    }
    check(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM} (scripts/deps.sh --test installs it)`);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'defter-e2e-'));
    const users = initData(opts.bin, path.join(dataDir, 'data'));
    mail = await startSmtp(dataDir);
    slapd = await startSlapd(dataDir);
    Object.assign(process.env, slapd.env);
    const db = path.join(dataDir, 'data', 'defter.db');
    for (const u of Object.values(users)) {
      u.email = `${u.username}@eyupsultan.bel.tr`;
      const r = spawnSync('/usr/bin/sqlite3', [db, `UPDATE users SET email = '${u.email}' WHERE username = '${u.username}'`]);
      if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
      const q = spawnSync('/usr/bin/sqlite3', [db, `SELECT display_name FROM users WHERE username = '${u.username}'`], { encoding: 'utf8' });
      u.display_name = q.stdout.trim();
    }
    for (let attempt = 1; ; attempt++) {  // a port taken between probing and binding: try another
      const port = await freePort();
      // defter.conf settings through their environment overrides (defter.conf(5)).
      process.env.DEFTER_MAIL_SMTP_URL = `smtp://127.0.0.1:${mail.port}`;
      process.env.DEFTER_MAIL_FROM = 'bilgiislem@eyupsultan.bel.tr';
      process.env.DEFTER_MAIL_BASE_URL = `http://127.0.0.1:${port}`;
      server = startServer(opts.bin, path.join(dataDir, 'data'), port);
      try { await server.ready; ctxBase = { users, mail, baseURL: `http://127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` }; break; }
      catch (e) { await stopServer(server.child); server = null; if (attempt >= 3) throw e; }
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 20_000 });
  } catch (e) {
    failed++;
    console.log(`FAIL setup: ${e.message.split('\n')[0]}`);
    clearTimeout(watchdog);
    return finish(1);
  }

  const all = [...tests];
  if (opts.screens) all.push({ name: `screenshots into ${opts.screens}`, fn: (c) => screens(opts.screens, c) });
  for (const t of all) {
    if (finished) return;
    const t0 = Date.now();
    let context = null;
    try {
      context = await browser.newContext({ baseURL: ctxBase.baseURL, locale: 'tr-TR', viewport: { width: 1280, height: 800 } });
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
      const page = await context.newPage();
      await withTimeout(t.fn({ ...ctxBase, browser, context, page }), TEST_BUDGET_MS, t.name);
      passed++;
      console.log(`PASS ${t.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      const msg = e instanceof Failure ? e.message : `${e.name}: ${e.message.split('\n')[0]}`;
      console.log(`FAIL ${t.name}: ${msg}`);
    } finally {
      if (context) await context.close().catch(() => {});
    }
  }
  clearTimeout(watchdog);
  if (failed && server) {
    const tail = server.log.join('').split('\n').filter((l) => /level=(warn|error)/.test(l)).slice(-10);
    for (const l of tail) console.log(`  server: ${l}`);
  }
  console.log(`e2e: ${all.length} tests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return finish(failed ? 1 : 0);
}

main().catch((e) => { console.log(`FAIL run: ${e.stack || e}`); console.log('0 passed, 1 failed'); process.exit(1); });
