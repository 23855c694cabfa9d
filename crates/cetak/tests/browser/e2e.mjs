// End-to-end test of the cetak office server in a real headless Chromium, driven by
// crates/cetak/tests/browser.rs (which prepares the office, the IPP printer and the server).
//
// Environment:
//   CETAK_URL         base URL of the running `cetak serve`, e.g. http://127.0.0.1:41234
//   CETAK_ARTIFACTS   folder for the screenshots (PNG)
//   CETAK_DOBS        JSON file: { "<NIK>": { "dob": "YYYY-MM-DD", "ibu": "<mother's name>" }, ... }
//                     for every print-ready record
//   CETAK_PAIR        id of a duplicate pair awaiting a decision
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
const layout = []; // horizontal overflow: reported, not fatal
const notes = new Set(); // harmless, reported

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
    // The decision sent without a choice is refused on purpose (step 3).
    if (/\/decide$/.test(where) && /422/.test(m.text())) return notes.add('the refused decision logs its 422');
    problems.push(`${label}: console error: ${m.text()} (${where})`);
  });
  page.on('response', (r) => {
    // 4xx/5xx on sub-resources (style sheet, images) means a broken page.
    if (r.status() >= 400 && r.request().resourceType() !== 'document') {
      problems.push(`${label}: ${r.status()} for ${r.url()}`);
    }
  });
}

async function shot(page, name) {
  const file = join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const overflow = await page.evaluate(() => {
    const doc = document.documentElement;
    return doc.scrollWidth > doc.clientWidth + 1 ? `${doc.scrollWidth}px > ${doc.clientWidth}px` : null;
  });
  if (overflow) layout.push(`${name}: page wider than the window (${overflow})`);
  log(`screenshot ${file}`);
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
  for (const [name, url] of [
    ['dashboard', '/'], ['print', '/print'], ['review', '/review'], ['pair', `/review/${PAIR}`],
    ['stock', '/stock'], ['audit', '/audit'], ['audit-2', '/audit?page=2'], ['users', '/users'], ['account', '/account'],
  ]) {
    await visit(small, `${BASE}${url}`);
    const width = await small.evaluate(() => document.documentElement.scrollWidth);
    if (width > 390) wide.push(`${url}: ${width}px`);
    await small.screenshot({ path: join(OUT, `20-phone-${name}.png`), fullPage: true });
    log(`phone ${url}: ${width}px wide`);
  }
  check(wide.length === 0, `staff pages wider than a 390 px phone:\n  ${wide.join('\n  ')}`);
  // The audit page shows one page of entries, not the whole log.
  await visit(small, `${BASE}/audit`);
  const auditRows = await small.locator('#audit tr').count();
  check(auditRows <= 51, `the audit page shows at most 50 entries, got ${auditRows - 1}`);
  await phoneStaff.close();

  step = 'end';
  check(problems.length === 0, `no page errors or failed requests:\n  ${problems.join('\n  ')}`);
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
