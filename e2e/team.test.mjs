// Team sync through a CouchDB-protocol server (npm's pouchdb-server, in memory, on
// 127.0.0.1, started and stopped here): two annotators in two browser profiles sync their
// labels and each sees the other's on /agreement; with the server stopped, labelling goes on,
// nothing is lost across a reload, and sync resumes when it continues; the server refuses a
// write of someone else's labels and the app says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_URL, launch, openPage, screenshot } from './browser.mjs';

const QUEUE = '?question=three_thoughts&amax=5&cmin=60'; // 9 answers
const ADMIN = 'Basic ' + Buffer.from('admin:admin-pw').toString('base64');
const DB = 'class-7b';

let browser;
let server;
let couch;

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function http(method, path, body, auth = ADMIN) {
  const res = await fetch(couch + path, {
    method,
    headers: { 'content-type': 'application/json', authorization: auth },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

before(async () => {
  browser = await launch();
  const port = await freePort();
  couch = `http://127.0.0.1:${port}`;
  // pouchdb-server writes its config and log to the working directory: a fresh one.
  server = spawn(join(process.cwd(), 'node_modules/.bin/pouchdb-server'), ['--in-memory', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: mkdtempSync(join(tmpdir(), 'em-lab-couch-')),
    stdio: 'ignore',
  });
  for (let i = 0; ; i++) {
    try { await fetch(couch); break; } catch (e) { if (i > 100) throw e; await new Promise((r) => setTimeout(r, 100)); }
  }
  // As the README sets up a real CouchDB: an admin, one user per annotator, a database with
  // a _security object and the app's validation function.
  await fetch(`${couch}/_config/admins/admin`, { method: 'PUT', body: JSON.stringify('admin-pw') });
  for (const name of ['ann', 'bob']) {
    await http('PUT', `/_users/org.couchdb.user:${name}`, { name, password: `${name}-pw`, roles: [], type: 'user' });
  }
  await http('PUT', `/${DB}`);
  await http('PUT', `/${DB}/_security`, { admins: { names: [], roles: [] }, members: { names: ['ann', 'bob'], roles: [] } });
  const design = await fetch(new URL('sync-design.json', BASE_URL)).then((r) => r.json());
  await http('PUT', `/${DB}/_design/em-lab`, design);
});

after(async () => {
  await browser?.close();
  server?.kill('SIGKILL');
});

const current = (page) => page.locator('[data-testid="current-answer"]');
const status = (page) => page.getByTestId('sync-status');
const waitState = (page, state, timeout = 30_000) =>
  page.waitForFunction((s) => document.querySelector('[data-testid="sync-status"]')?.dataset.state === s, state, { timeout });

async function annotator(name) {
  const session = await openPage(browser);
  const { page } = session;
  await page.goto(new URL(`annotate${QUEUE}`, BASE_URL).href);
  await page.getByTestId('annotator-name').fill(name);
  await page.keyboard.press('Enter');
  await page.locator('.team-sync summary').click();
  await page.getByTestId('sync-server').fill(couch);
  await page.getByTestId('sync-database').fill(DB);
  await page.getByTestId('sync-user').fill(name);
  await page.getByTestId('sync-password').fill(`${name}-pw`);
  await page.getByTestId('sync-connect').click();
  await waitState(page, 'synced');
  await page.evaluate(() => document.activeElement?.blur());
  return session;
}

// Wait until the server holds `n` label documents.
async function serverHas(n) {
  for (let i = 0; i < 300; i++) {
    const docs = await http('GET', `/${DB}/_all_docs`);
    if (docs.rows.filter((r) => r.id.startsWith('label:')).length === n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server never held ${n} labels`);
}

async function label(page, digits) {
  await page.waitForFunction(() => document.querySelector('[data-testid="current-answer"]')?.dataset.textHash?.length === 16, null, { timeout: 60_000 });
  const before = await page.getByTestId('progress').textContent();
  for (const d of digits) await page.keyboard.press(d);
  await page.keyboard.press('Enter');
  await page.waitForFunction((b) => document.querySelector('[data-testid="progress"]').textContent !== b, before);
}

test('two annotators sync through the server, survive its stop, and cannot overwrite each other', async () => {
  const ann = await annotator('ann');
  const bob = await annotator('bob');
  for (let i = 0; i < 9; i++) await label(bob.page, [String(i), 'Tab', '8']);
  for (let i = 0; i < 6; i++) await label(ann.page, [String(9 - i), 'Tab', '7']);
  await serverHas(15);

  // The server stops (SIGSTOP: it accepts nothing more, requests time out); ann goes on.
  server.kill('SIGSTOP');
  for (let i = 0; i < 3; i++) await label(ann.page, ['2', 'Tab', '9']);
  await waitState(ann.page, 'offline');
  assert.match(await status(ann.page).textContent(), /3 of your labels wait here/);
  await ann.page.reload(); // nothing is lost with the server away
  await current(ann.page).waitFor();
  assert.match(await ann.page.getByTestId('progress').textContent(), /done 9/);
  await screenshot(ann.page, 'desktop-team-offline');
  server.kill('SIGCONT');
  await waitState(ann.page, 'synced', 60_000);

  // The server has every label, and each annotator sees the other's on /agreement.
  await serverHas(18);
  for (const [me, other] of [[bob, 'ann'], [ann, 'bob']]) {
    await me.page.goto(new URL(`agreement?ra=human:ann&rb=human:bob`, BASE_URL).href);
    await me.page.getByTestId('pair-report').waitFor();
    // Until the other's labels are pulled, the page pairs the judge with me, which also
    // shares 9 answers: wait for the other annotator to be a rater, then for the pair.
    await me.page.waitForFunction((o) => (document.querySelector('[data-testid="rater-1"]')?.textContent ?? '').includes(o), other, { timeout: 60_000 });
    await me.page.waitForFunction(() => /^9 answers rated by both/.test(document.querySelector('[data-testid="pair-report"] h2')?.textContent ?? ''), null, { timeout: 30_000 });
    assert.ok((await me.page.getByTestId('rater-0').inputValue()) === 'human:ann');
    assert.ok((await me.page.getByTestId('rater-1').inputValue()) === 'human:bob');
  }
  await screenshot(bob.page, 'desktop-team-agreement');

  // Bob labels as "ann": the server refuses, and the page says why.
  await bob.page.goto(new URL(`annotate${QUEUE}`, BASE_URL).href);
  await bob.page.getByRole('button', { name: 'change' }).click();
  await bob.page.getByTestId('annotator-name').fill('ann');
  await bob.page.keyboard.press('Enter');
  await current(bob.page).waitFor();
  await bob.page.evaluate(() => document.activeElement?.blur());
  await label(bob.page, ['0', '1']);
  await waitState(bob.page, 'error');
  assert.match(await status(bob.page).textContent(), /the server refused 1 of your labels: only ann may write the labels of ann/);
  const doc = await http('GET', `/${DB}/_all_docs?include_docs=true`);
  assert.ok(doc.rows.every((r) => !r.doc.versions || r.doc.versions.every((v) => v.aligned !== 1)), 'the refused label is not on the server');

  assert.deepEqual(ann.problems.filter((p) => !p.includes(couch)), []);
  await ann.context.close();
  await bob.context.close();
});
