// End-to-end test of the cetak office server in a real headless Chromium, driven by
// crates/cetak/tests/browser.rs (which prepares the office, the IPP printer and the server).
//
// Environment:
//   CETAK_URL         base URL of the running `cetak serve`, e.g. http://127.0.0.1:41234
//   CETAK_ARTIFACTS   folder for the screenshots (PNG)
//   CETAK_DOBS        JSON file: { "<NIK>": { "dob": "YYYY-MM-DD", "ibu": "<mother's name>" }, ... }
//                     for every print-ready record
//   CETAK_PAIR        id of a duplicate pair awaiting a decision
//   CETAK_TO_CORRECT  recording_id of a recording waiting in perlu_perbaikan (its name has a digit)
//   CETAK_NEW_PHOTO   a JPEG file the correction page attaches to it as its new photo
//   CETAK_SUPERVISOR, CETAK_ADMIN, CETAK_PASSWORD   the accounts (one password for both)
//   CETAK_CHROMIUM    browser binary (default /usr/bin/chromium)
//
// Exit 0 when every step passed; otherwise prints the failing step and exits 1.

import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`environment variable ${k} is not set`);
  return v;
};
const BASE = env('CETAK_URL').replace(/\/$/, '');
const OUT = env('CETAK_ARTIFACTS');
const DOBS = JSON.parse(readFileSync(env('CETAK_DOBS'), 'utf8'));
const PAIR = env('CETAK_PAIR');
const TO_CORRECT = env('CETAK_TO_CORRECT');
const NEW_PHOTO = env('CETAK_NEW_PHOTO');
const SUPERVISOR = env('CETAK_SUPERVISOR');
const ADMIN = env('CETAK_ADMIN');
const PASSWORD = env('CETAK_PASSWORD');
const CHROMIUM = process.env.CETAK_CHROMIUM || '/usr/bin/chromium';
mkdirSync(OUT, { recursive: true });

const started = Date.now();
let step = 'start';
const log = (msg) => console.log(`[e2e +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
function check(cond, msg) {
  if (!cond) throw new Error(`check failed: ${msg}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const problems = []; // page errors, failed requests: fail the test at the end
const layout = []; // horizontal overflow of any page screenshot: fails the test at the end
const notes = new Set(); // harmless, reported
const refusedOnPurpose = new Set(['/login', '/users', '/handover', `/review/${PAIR}/decide`, '/nothing-here']);

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ],
  timeout: 30_000,
});

function watch(page, label) {
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => problems.push(`${label}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const where = m.location().url || '';
    // Chromium asks every site for /favicon.ico by itself; the pages declare none.
    if (where.endsWith('/favicon.ico')) return notes.add('no favicon: Chromium gets 404 for /favicon.ico');
    // Forms refused on purpose (a decision or a hand-over without a choice, a weak password,
    // a disabled account's login) log their 4xx answer.
    if (where && refusedOnPurpose.has(new URL(where).pathname) && /status of 4\d\d/.test(m.text())) return notes.add(`a form refused on purpose logs its 4xx (${new URL(where).pathname})`);
    problems.push(`${label}: console error: ${m.text()} (${where})`);
  });
  page.on('response', (r) => {
    // 4xx/5xx on sub-resources (style sheet, images) means a broken page.
    if (r.status() >= 400 && r.request().resourceType() !== 'document') {
      problems.push(`${label}: ${r.status()} for ${r.url()}`);
    }
  });
}

// A full-page screenshot; a page wider than its window (it scrolls sideways) is a failure.
async function shot(page, name) {
  const file = join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const overflow = await overflowOf(page);
  if (overflow) layout.push(`${name} (${page.url()}): page wider than the window (${overflow})`);
  log(`screenshot ${file}${overflow ? ` OVERFLOW ${overflow}` : ''}`);
}

// Whether the page scrolls sideways: the document, or the body, is wider than the viewport.
async function overflowOf(page) {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const width = Math.max(doc.scrollWidth, document.body.scrollWidth);
    return width > window.innerWidth ? `${width}px > ${window.innerWidth}px` : null;
  });
}

const path = (page) => new URL(page.url()).pathname;

// Navigate and insist on a 2xx answer (a template error is a 500 with a bare body).
async function visit(page, url) {
  const res = await page.goto(url);
  check(res && res.ok(), `GET ${url} answered ${res && res.status()}: ${res && (await res.text()).slice(0, 200)}`);
  return res;
}

// Click a form's submit button and insist the POST was accepted (2xx or a redirect).
async function submit(page, selector, postPath) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === postPath),
    page.click(selector),
  ]);
  check(res.status() < 400, `POST ${postPath} answered ${res.status()}: ${(await res.text().catch(() => '')).slice(0, 200)}`);
  await page.waitForLoadState('load');
  return res;
}

async function login(page, name) {
  await page.fill('#name', name);
  await page.fill('#password', PASSWORD);
  await submit(page, '#login', '/login');
  check(path(page) !== '/login', `login as ${name} refused: ${await page.textContent('main')}`);
}

let failed = null;
let page = null;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'id-ID' });
  page = await context.newPage();
  watch(page, 'desktop');

  // 1. The dashboard asks for a login first.
  step = '1 login';
  await visit(page, `${BASE}/`);
  check(path(page) === '/login', `/ should redirect to /login, landed on ${page.url()}`);
  check((await page.textContent('h1')).includes('Masuk'), 'login page is in Indonesian by default');
  await shot(page, '01-login');
  await login(page, SUPERVISOR);
  check(path(page) === '/', `after login expected the dashboard, got ${page.url()}`);

  // 2. Dashboard: the backlog is shown as a number.
  step = '2 dashboard';
  const backlog = (await page.textContent('#backlog')).trim();
  // Indonesian separators: 14.798, not 14798 or 14,798.
  check(/^\d{1,3}(\.\d{3})*$/.test(backlog) && Number(backlog.replace(/\./g, '')) > 0, `#backlog shows a positive number, got ${JSON.stringify(backlog)}`);
  check((await page.textContent('.who')).includes(SUPERVISOR), 'the signed-in user is named in the header');
  log(`backlog ${backlog}`);
  await shot(page, '02-dashboard');

  // 3. Duplicate review: open the pair, decide "different people" with a reason.
  step = '3 review';
  await page.click('nav a[href="/review"]');
  check(path(page) === '/review', `nav link to /review, got ${page.url()}`);
  const link = page.locator(`#pairs a[href="/review/${PAIR}"]`);
  check((await link.count()) === 1, `pair ${PAIR} is listed on /review`);
  await shot(page, '03-review-list');
  await Promise.all([page.waitForURL(`**/review/${PAIR}`), link.click()]);
  const side = await page.textContent('table.side');
  check(side.includes('SRI WAHYUNI') && side.includes('SRI WAHYUNINGSIH'), `both recordings side by side: ${side}`);
  check((await page.locator('table.side tr.differs').count()) > 0, 'differing fields are marked');
  await shot(page, '04-review-pair');
  // Both recordings' photos and signatures, each from the audited media route, really loaded.
  step = '3 review photos';
  const imgs = page.locator('#media-pair img');
  check((await imgs.count()) === 4, `two photos and two signatures on the pair page, found ${await imgs.count()}`);
  const loaded = await imgs.evaluateAll((els) => Promise.all(els.map((el) => (el.complete
    ? Promise.resolve()
    : new Promise((ok) => { el.addEventListener('load', ok); el.addEventListener('error', ok); }))
    .then(() => ({ src: el.getAttribute('src'), w: el.naturalWidth })))));
  for (const i of loaded) check(i.w > 0, `image ${i.src} did not load`);
  const photoSrcs = loaded.map((i) => i.src).filter((s) => s.includes('/foto?'));
  check(photoSrcs.some((s) => s.includes('/TEST00000003/')) && photoSrcs.some((s) => s.includes('/TEST00000004/')), `the photos are the two recordings': ${photoSrcs}`);
  await page.locator('#media-pair').scrollIntoViewIfNeeded();
  await shot(page, 'review-photos');
  // On a phone the two sides stack: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'review-photos-phone');
  await page.setViewportSize({ width: 1280, height: 800 });
  // The browser insists on a choice: with none, clicking "Putuskan" sends nothing.
  await page.fill('#reason', 'lupa memilih');
  let posted = 0;
  const count = (r) => { if (r.method() === 'POST') posted += 1; };
  page.on('request', count);
  await page.click('#decide');
  await sleep(300);
  page.off('request', count);
  check(posted === 0, `a decision without a choice was sent (${posted} POST)`);
  check(await page.$eval('#same', (e) => e.validity.valueMissing), 'the choice is marked missing');
  // The server insists too (an old browser, a crafted form): a page in the layout, not serde's text.
  await page.evaluate(() => document.querySelectorAll('[required]').forEach((e) => e.removeAttribute('required')));
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/review/${PAIR}/decide`),
    page.click('#decide'),
  ]);
  await page.waitForLoadState('load');
  check(refused.status() === 422, `a decision without a choice answered ${refused.status()}`);
  const refusal = await page.textContent('#message');
  check(/Pilih keputusan/.test(refusal), `the refusal says to choose: ${refusal}`);
  check(!/deserialize|missing field/i.test(await page.textContent('body')), 'no raw serde error');
  check((await page.locator('header nav a[href="/review"]').count()) === 1, 'the refusal is a page in the layout');
  await shot(page, '05a-review-no-choice');
  await visit(page, `${BASE}/review/${PAIR}`);
  await page.check('#different');
  await page.fill('#reason', 'Ibu kandung berbeda, tanggal lahir berbeda: dua orang (uji peramban)');
  await submit(page, '#decide', `/review/${PAIR}/decide`);
  check(/diputuskan: orang berbeda/.test(await page.textContent('#flash')), 'the decision is confirmed');
  await shot(page, '05-review-decided');
  // The decided pair stays viewable (dedup ran again and dropped it from the open pairs).
  await visit(page, `${BASE}/review/${PAIR}`);
  const decided = await page.textContent('#decided');
  check(/orang berbeda/.test(decided) && decided.includes(SUPERVISOR) && /WIB/.test(decided), `the pair is marked decided, by whom and when: ${decided}`);
  await shot(page, '05b-review-decided-pair');
  await visit(page, `${BASE}/review`);
  check((await page.locator(`a[href="/review/${PAIR}"]`).count()) === 0, `pair ${PAIR} no longer listed after the decision`);

  // 3b. The correction page shows the recording's photo and signature, and a new photo is
  // attached through the upload form (multipart, with the form's CSRF token).
  step = '3b new photo';
  await visit(page, `${BASE}/correct/${TO_CORRECT}`);
  const naturalWidths = () => page.locator('#media img').evaluateAll((els) => Promise.all(els.map((el) => (el.complete
    ? Promise.resolve()
    : new Promise((ok) => { el.addEventListener('load', ok); el.addEventListener('error', ok); }))
    .then(() => el.naturalWidth))));
  const before = await naturalWidths();
  check(before.length === 2 && before.every((w) => w > 0), `the photo and signature load on the correction page: ${before}`);
  await page.selectOption('#media-slot', 'foto');
  await page.setInputFiles('#media-file', NEW_PHOTO);
  await page.fill('#media-reason', 'foto diambil ulang di loket (uji peramban)');
  await submit(page, '#media-attach', `/correct/${TO_CORRECT}/media`);
  check(path(page) === `/correct/${TO_CORRECT}`, `the upload returns to the correction page, got ${page.url()}`);
  const attached = await page.textContent('#flash');
  check(/Foto .* dilampirkan/.test(attached), `the new photo is confirmed: ${attached}`);
  const after = await naturalWidths();
  check(after.length === 2 && after.every((w) => w > 0), `the new photo loads: ${after}`);
  await shot(page, 'correct-photo');

  // 4. Printing: start the spool, reload until a card appears in "recently printed".
  step = '4 print';
  await visit(page, `${BASE}/print`);
  const queue = Number((await page.textContent('#queue')).trim().replace(/\./g, ''));
  check(queue > 0, `print queue is not empty (got ${queue})`);
  check((await page.locator('#printed tr').count()) === 1, 'nothing printed yet');
  await submit(page, '#start', '/print/start');
  let rows = 0;
  for (const deadline = Date.now() + 40_000; Date.now() < deadline; ) {
    rows = (await page.locator('#printed tr').count()) - 1;
    if (rows > 0 && (await page.locator('#printing').count()) === 0) break;
    await sleep(500);
    const again = await page.reload();
    check(again && again.ok(), `reloading /print answered ${again && again.status()}`);
  }
  check(rows > 0, 'a card appeared in the recently printed table within 40 s');
  check((await page.locator('#printing').count()) === 0, 'the print run finished within 40 s');
  const lastRun = (await page.textContent('#last-run')).trim();
  check(!/^(error|gagal)/i.test(lastRun), `the print run did not fail: ${lastRun}`);
  log(`printed ${rows} card(s); last run: ${lastRun}`);
  await shot(page, '06-print-done');
  const cells = await page.locator('#printed tr').nth(1).locator('td').allTextContents();
  const nik = cells[1].trim();
  check(/^\d{16}$/.test(nik), `a 16-digit NIK in the printed table, got ${JSON.stringify(cells)}`);
  const printedName = cells[2].trim();
  const dob = DOBS[nik] && DOBS[nik].dob;
  const ibu = DOBS[nik] && DOBS[nik].ibu;
  check(dob && ibu, `the harness knows the birth date and mother's name of ${nik}`);
  log(`printed NIK ${nik} (${cells[2].trim()}), born ${dob}`);

  // 5. Resident page, signed out: the right birth date says "ready", a wrong one "not found".
  step = '5 resident';
  await submit(page, '#logout', '/logout');
  check(path(page) === '/login', `logout lands on the login page, got ${page.url()}`);
  await visit(page, `${BASE}/`);
  check(path(page) === '/login', 'the session ended at logout');
  await visit(page, `${BASE}/cek`);
  await page.fill('#nik', nik);
  await page.fill('#dob', dob);
  await page.fill('#ibu', ibu.toLowerCase());
  await submit(page, '#check', '/cek');
  const answer = await page.textContent('#answer');
  check(/siap diambil/i.test(answer), `the answer says the card is ready: ${answer}`);
  check(/Ambil di/.test(answer), `the answer says where to collect it: ${answer}`);
  await shot(page, '07-resident-ready');
  const wrong = new Date(`${dob}T00:00:00Z`);
  wrong.setUTCDate(wrong.getUTCDate() + 1);
  await page.fill('#nik', nik);
  await page.fill('#dob', wrong.toISOString().slice(0, 10));
  await page.fill('#ibu', ibu);
  await submit(page, '#check', '/cek');
  const notFound = await page.textContent('#answer');
  check(/tidak ditemukan/i.test(notFound), `a wrong birth date gets "tidak ditemukan": ${notFound}`);
  check(!notFound.includes(nik) && !/siap/i.test(notFound), 'a wrong birth date learns nothing');
  await shot(page, '08-resident-not-found');

  // The resident page on a phone, in English.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
  const mobile = await phone.newPage();
  watch(mobile, 'phone');
  await visit(mobile, `${BASE}/cek?lang=en`);
  await mobile.fill('#nik', nik);
  await mobile.fill('#dob', dob);
  await mobile.fill('#ibu', ibu);
  await submit(mobile, '#check', '/cek');
  const en = await mobile.textContent('#answer');
  check(/ready for collection/i.test(en), `English answer says ready for collection: ${en}`);
  await shot(mobile, '09-resident-phone-en');
  await phone.close();

  // 6. Admin pages, then the print page in English.
  step = '6 admin';
  await visit(page, `${BASE}/login`);
  await login(page, ADMIN);
  await visit(page, `${BASE}/stock`);
  check((await page.textContent('#balanced')).includes('SEIMBANG'), 'blank stock balanced');
  await shot(page, '10-stock');
  await visit(page, `${BASE}/audit`);
  check(await page.locator('#verdict.ok').count() === 1, `audit chain intact: ${await page.textContent('#verdict')}`);
  await shot(page, '11-audit');
  await page.screenshot({ path: join(OUT, '11-audit-top.png') }); // the full page is very tall
  log(`audit page is ${await page.evaluate(() => document.documentElement.scrollHeight)} px tall`);
  await visit(page, `${BASE}/users`);
  const users = await page.textContent('main table');
  check(users.includes(SUPERVISOR) && users.includes(ADMIN), 'both accounts listed');
  await shot(page, '12-users');

  // 6a. An account's whole life on the pages: the admin creates it, its user logs in (in a
  // browser of their own) and changes their own password; the admin disables it (its session
  // ends, its login is refused in Indonesian), enables it, changes its role, resets its
  // password (its session ends again) and ends all its sessions.
  step = '6a accounts';
  const CLERK = 'kasir-e2e';
  const CLERK_PW1 = 'sungai musi 2026 lebar';
  const CLERK_PW2 = 'jembatan ampera merah 7';
  // A weak password is refused on the users page with the name and role kept.
  await page.fill('#new-name', CLERK);
  await page.selectOption('#new-role', 'operator');
  await page.fill('#new-password', 'bismillah123');
  const [weak] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/users'),
    page.click('#add-user'),
  ]);
  await page.waitForLoadState('load');
  check(weak.status() === 422, `a common password answered ${weak.status()}`);
  check((await page.inputValue('#new-name')) === CLERK, 'the refused form keeps the name');
  check((await page.inputValue('#new-role')) === 'operator', 'the refused form keeps the role');
  check((await page.inputValue('#new-password')) === '', 'the refused form never echoes a password');
  await shot(page, '12a-users-refused-kept');
  await page.fill('#new-password', CLERK_PW1);
  await submit(page, '#add-user', '/users');
  check((await page.textContent('#message')).includes(`Pengguna ${CLERK} dibuat`), `the account is created: ${await page.textContent('main')}`);
  const clerkCtx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'id-ID' });
  const clerk = await clerkCtx.newPage();
  watch(clerk, 'clerk');
  const clerkLogin = async (password) => {
    await visit(clerk, `${BASE}/login`);
    await clerk.fill('#name', CLERK);
    await clerk.fill('#password', password);
    const [res] = await Promise.all([
      clerk.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
      clerk.click('#login'),
    ]);
    await clerk.waitForLoadState('load');
    return res.status();
  };
  // Whether the clerk's browser is still signed in.
  const clerkSignedIn = async () => {
    await clerk.goto(`${BASE}/account`);
    return path(clerk) === '/account';
  };
  check((await clerkLogin(CLERK_PW1)) === 303 && path(clerk) === '/', `the new account logs in, got ${clerk.url()}`);
  await visit(clerk, `${BASE}/account`);
  await clerk.fill('#current', CLERK_PW1);
  await clerk.fill('#new-password', CLERK_PW2);
  await clerk.fill('#new-password2', CLERK_PW2);
  await submit(clerk, '#change-password', '/account/password');
  check(/Kata sandi Anda diganti/.test(await clerk.textContent('#message')), 'the own password change is confirmed');
  check(await clerkSignedIn(), 'the session that changed the password stays signed in');
  const row = (cls) => `tr[id="user-${CLERK}"] ${cls}`;
  await visit(page, `${BASE}/users`);
  await submit(page, row('button.disable'), `/users/${CLERK}/disable`);
  check((await page.textContent('#message')).includes('dinonaktifkan'), 'disabling is confirmed');
  check(!(await clerkSignedIn()), 'a disabled account is signed out at once');
  check((await clerkLogin(CLERK_PW2)) === 401, 'a disabled account cannot log in');
  const refusedLogin = await clerk.textContent('[role=alert]');
  check(/Nama atau kata sandi salah/.test(refusedLogin) && !/Wrong/.test(refusedLogin), `the refused login speaks Indonesian: ${refusedLogin}`);
  check((await clerk.inputValue('#name')) === CLERK && (await clerk.inputValue('#password')) === '', 'the refused login keeps the name, not the password');
  await shot(clerk, '12b-disabled-login-refused');
  await visit(page, `${BASE}/users`);
  await submit(page, row('button.enable'), `/users/${CLERK}/enable`);
  check((await page.textContent('#message')).includes('diaktifkan kembali'), 'enabling is confirmed');
  check((await clerkLogin(CLERK_PW2)) === 303, 'an enabled account logs in again');
  await visit(page, `${BASE}/users`);
  await page.selectOption(row('select[name=role]'), 'supervisor');
  await submit(page, row('button.set-role'), `/users/${CLERK}/role`);
  check((await page.textContent('#message')).includes('penyelia'), `the new role is confirmed in Indonesian: ${await page.textContent('#message')}`);
  await visit(clerk, `${BASE}/`);
  check((await clerk.textContent('.who')).includes('penyelia'), 'the clerk now works as a supervisor');
  await visit(page, `${BASE}/users`);
  await submit(page, row('button.reset-password'), `/users/${CLERK}/password`);
  const fresh = (await page.textContent('#secret')).trim();
  check(fresh.length >= 10, `a new random password is shown once: ${fresh}`);
  check(!(await clerkSignedIn()), 'a reset password ends the account\'s sessions');
  check((await clerkLogin(CLERK_PW2)) === 401, 'the old password no longer works');
  check((await clerkLogin(fresh)) === 303, 'the reset password works');
  await visit(page, `${BASE}/users`);
  await submit(page, row('button.sessions-end'), `/users/${CLERK}/sessions-end`);
  check(/1 sesi pengguna/.test(await page.textContent('#message')), `one session ended: ${await page.textContent('#message')}`);
  check(!(await clerkSignedIn()), 'ending all sessions signs the clerk out in their own browser');
  await clerkCtx.close();
  await visit(page, `${BASE}/print?lang=en`);
  check((await page.textContent('#start')).includes('Start printing'), 'English print page');
  await shot(page, '13-print-en');
  await visit(page, `${BASE}/`);
  check((await page.textContent('h1')).includes('Dashboard'), 'the language choice is kept (cookie)');
  await shot(page, '14-dashboard-en');
  await context.close();

  // 7. Every staff page on a phone (390 px): nothing wider than the screen; tables scroll in
  // their own box.
  step = '7 phone';
  const phoneStaff = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'id-ID' });
  const small = await phoneStaff.newPage();
  watch(small, 'phone staff');
  page = small;
  await visit(small, `${BASE}/login`);
  await login(small, ADMIN);
  const wide = [];
  const measure = async (name) => {
    const overflow = await overflowOf(small);
    if (overflow) wide.push(`${name} (${path(small)}): ${overflow}`);
    await small.screenshot({ path: join(OUT, `20-phone-${name}.png`), fullPage: true });
    log(`phone ${name} ${path(small)}: ${overflow || 'fits'}`);
  };
  for (const [name, url] of [
    ['dashboard', '/'], ['print', '/print'], ['review', '/review'], ['pair', `/review/${PAIR}`],
    ['groups', '/review/groups'], ['correct', '/correct'], ['stock', '/stock'], ['audit', '/audit'], ['audit-2', '/audit?page=2'],
    ['users', '/users'], ['account', '/account'], ['not-found', '/nothing-here'],
  ]) {
    const res = await small.goto(`${BASE}${url}`);
    check(res && (res.ok() || url === '/nothing-here'), `GET ${url} answered ${res && res.status()}`);
    await measure(name);
  }

  // 7b. Hand-over in two steps, on the phone: find the card by NIK, see whose it is (name,
  // photo box, NIK), choose how identity was checked (no default: the browser and the server
  // both refuse a confirmation without it, keeping what was typed), confirm.
  step = '7b hand-over';
  // The admin (IT) does not hand cards over — it is an identity check against a photo the
  // admin may not see: no hand-over form on its print page. The supervisor does it.
  await visit(small, `${BASE}/print`);
  check(await small.locator('#form-handover').count() === 0, 'the admin is offered no hand-over');
  await submit(small, '#logout', '/logout');
  await login(small, SUPERVISOR);
  await visit(small, `${BASE}/print`);
  await small.fill('#handover-nik', nik);
  await submit(small, '#handover-find', '/handover');
  check((await small.textContent('#confirm-nik')).trim() === nik, 'the confirmation shows the NIK');
  check((await small.textContent('#confirm-name')).trim() === printedName, `the confirmation shows the owner's name ${printedName}`);
  check(await small.isVisible('#confirm-photo'), 'the confirmation shows the photo box');
  check((await small.inputValue('#id-check')) === '', 'the identity check has no default');
  await measure('handover-confirm');
  await small.fill('#handover-to', 'SITI (uji peramban)');
  let handoverPosts = 0;
  const countHandover = (r) => { if (r.method() === 'POST') handoverPosts += 1; };
  small.on('request', countHandover);
  await small.click('#handover-confirm-yes');
  await sleep(300);
  small.off('request', countHandover);
  check(handoverPosts === 0, `a hand-over without an identity check was sent (${handoverPosts} POST)`);
  check(await small.$eval('#id-check', (e) => e.validity.valueMissing), 'the identity check is marked missing');
  await small.evaluate(() => document.querySelectorAll('[required]').forEach((e) => e.removeAttribute('required')));
  const [noCheck] = await Promise.all([
    small.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/handover'),
    small.click('#handover-confirm-yes'),
  ]);
  await small.waitForLoadState('load');
  check(noCheck.status() === 422, `a hand-over without an identity check answered ${noCheck.status()}`);
  check(/Pilih cara pemeriksaan identitas/.test(await small.textContent('#message')), 'the server says to choose');
  check((await small.inputValue('#handover-to')) === 'SITI (uji peramban)', 'the refused confirmation keeps who received it');
  check((await small.textContent('#confirm-nik')).trim() === nik, 'the refusal is the confirmation step again');
  await measure('handover-refused');
  await small.selectOption('#id-check', 'kk_wajah');
  await submit(small, '#handover-confirm-yes', '/handover');
  check(path(small) === '/print', `the hand-over returns to the print page, got ${small.url()}`);
  const handed = await small.textContent('#flash');
  check(handed.includes(nik) && /diserahkan/.test(handed) && /Kartu Keluarga dan wajah cocok/.test(handed), `the hand-over is confirmed: ${handed}`);
  await measure('handover-done');
  // The card is handed over: a second hand-over of the same NIK finds nothing, NIK kept.
  await small.fill('#handover-nik', nik);
  const [again] = await Promise.all([
    small.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/handover'),
    small.click('#handover-find'),
  ]);
  await small.waitForLoadState('load');
  check(again.status() === 422 && (await small.inputValue('#handover-nik')) === nik, 'a handed-over card is not found again; the NIK typed stays');
  await measure('handover-not-found');
  check(wide.length === 0, `staff pages wider than a 390 px phone:\n  ${wide.join('\n  ')}`);
  // The audit page shows one page of entries, not the whole log.
  await visit(small, `${BASE}/audit`);
  const auditRows = await small.locator('#audit tr').count();
  check(auditRows <= 51, `the audit page shows at most 50 entries, got ${auditRows - 1}`);
  await phoneStaff.close();

  // 7c. On a 390 px phone: a recording that needs correction (a digit typed for a letter in the
  // name): its problems, the name corrected with a reason, the confirmation; then (7d) a group
  // decision — every control reachable and clickable at that width.
  step = '7c correction';
  const deskContext = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'id-ID' });
  const desk = await deskContext.newPage();
  watch(desk, 'desk');
  page = desk;
  await visit(desk, `${BASE}/login`);
  await login(desk, ADMIN);
  await visit(desk, `${BASE}/correct`);
  check((await desk.textContent('body')).includes(TO_CORRECT), `the correction list names ${TO_CORRECT}`);
  await visit(desk, `${BASE}/correct/${TO_CORRECT}`);
  check((await desk.textContent('body')).includes('DEW1 LESTARI'), 'the correction page shows the name as recorded');
  await desk.selectOption('#field', 'nama');
  await desk.fill('#value', 'DEWI LESTARI');
  await desk.fill('#reason', 'dicek di KK (uji peramban)');
  await submit(desk, '#save', `/correct/${TO_CORRECT}`);
  const corrected = await desk.textContent('#flash');
  check(/Perbaikan .* dicatat/.test(corrected), `the correction is confirmed: ${corrected}`);
  // 7d. The review queue by evidence pattern: look at the first group's sample, decide the
  // whole group at once.
  step = '7d review group';
  await visit(desk, `${BASE}/review/groups`);
  const inGroup = Number(await desk.inputValue('#form-group-1 input[name=expect_pairs]'));
  check(inGroup >= 1, `the first group holds pairs, got ${inGroup}`);
  check(await desk.locator('#group-1 table.sample tr').count() >= 2, 'the group shows a sample of its pairs');
  await desk.check('#form-group-1 input[value=different]');
  await desk.fill('#form-group-1 input[name=reason]', 'orang berbeda, dicek di KK (uji peramban)');
  await submit(desk, '#form-group-1 button[type=submit]', '/review/groups/decide');
  check(path(desk) === '/review/groups', `the group decision returns to the groups page, got ${desk.url()}`);
  const grouped = await desk.textContent('#flash');
  check(/pasangan diputuskan sekaligus: orang berbeda/.test(grouped), `the group decision is confirmed: ${grouped}`);
  await deskContext.close();

  step = 'end';
  check(problems.length === 0, `no page errors or failed requests:\n  ${problems.join('\n  ')}`);
  check(layout.length === 0, `pages wider than their window:\n  ${layout.join('\n  ')}`);
} catch (e) {
  failed = e;
  if (page && !page.isClosed()) {
    await page.screenshot({ path: join(OUT, 'failure.png'), fullPage: true }).catch(() => {});
    console.error(`[e2e] failure screenshot ${join(OUT, 'failure.png')} of ${page.url()}`);
  }
} finally {
  await browser.close().catch(() => {});
}

for (const l of layout) console.log(`[e2e] layout: ${l}`);
for (const n of notes) console.log(`[e2e] note: ${n}`);
if (failed) {
  console.error(`[e2e] FAILED at step ${step}: ${failed.stack || failed}`);
  process.exit(1);
}
log('all steps passed');
