// Team sync through a CouchDB-protocol server (npm's pouchdb-server, in memory, on
// 127.0.0.1, started and stopped here): two annotators in two browser profiles sync their
// labels and each sees the other's on /agreement; with the server stopped, labelling goes on,
// nothing is lost across a reload, and sync resumes when it continues; the server refuses a
// write of someone else's labels and the app says so. A member who rewrites the server's
// security and design documents and forges another annotator's labels changes nothing in
// either browser (the labels are signed), and the page says what was kept aside. After the
// server restarts, a page with the password in memory signs in again by itself; a reloaded
// one asks for the password, with its field focused and the waiting labels counted.
//
// The browsers reach the server through a small TCP relay on a fixed port, so that a
// "restart" is a new server, set up before the relay points at it (pouchdb-server keeps no
// data across a restart and picks a new session secret, as the issue saw).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_URL, launch, openPage, screenshot } from './browser.mjs';

const QUEUE = '?question=three_thoughts&amax=5&cmin=60'; // 9 answers
const ADMIN = 'Basic ' + Buffer.from('admin:admin-pw').toString('base64');
const DB = 'class-7b';

let browser;
let server; // the pouchdb-server process behind the relay
let upstream; // its port
let relay;
let couch; // what the browsers are given: the relay

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

// A pouchdb-server on a fresh port, set up as the README sets up a real CouchDB: an admin,
// one user per annotator, a database with a _security object and the app's validation.
async function startServer() {
  const port = await freePort();
  const proc = spawn(join(process.cwd(), 'node_modules/.bin/pouchdb-server'), ['--in-memory', '--host', '127.0.0.1', '--port', String(port)], {
    // pouchdb-server writes its config and log to the working directory: a fresh one.
    cwd: mkdtempSync(join(tmpdir(), 'em-lab-couch-')),
    stdio: 'ignore',
  });
  const direct = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { await fetch(direct); break; } catch (e) { if (i > 100) throw e; await new Promise((r) => setTimeout(r, 100)); }
  }
  const call = async (method, path, body) => {
    const res = await fetch(direct + path, { method, headers: { 'content-type': 'application/json', authorization: ADMIN }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  };
  await fetch(`${direct}/_config/admins/admin`, { method: 'PUT', body: JSON.stringify('admin-pw') });
  for (const name of ['ann', 'bob']) {
    await call('PUT', `/_users/org.couchdb.user:${name}`, { name, password: `${name}-pw`, roles: [], type: 'user' });
  }
  await call('PUT', `/${DB}`);
  await call('PUT', `/${DB}/_security`, { admins: { names: [], roles: [] }, members: { names: ['ann', 'bob'], roles: [] } });
  const design = await fetch(new URL('sync-design.json', BASE_URL)).then((r) => r.json());
  await call('PUT', `/${DB}/_design/em-lab`, design);
  return { proc, port };
}

// The relay: every connection to `couch` goes on to the current server.
const sockets = new Set();
function startRelay(port) {
  relay = createServer((client) => {
    const up = connect(upstream, '127.0.0.1');
    sockets.add(client).add(up);
    const drop = () => { sockets.delete(client); sockets.delete(up); client.destroy(); up.destroy(); };
    client.on('error', drop).on('close', drop);
    up.on('error', drop).on('close', drop);
    client.pipe(up).pipe(client);
  });
  return new Promise((resolve) => relay.listen(port, '127.0.0.1', resolve));
}

// The server "restarts": a new one (empty, new session secret) takes over the address.
async function restartServer() {
  const next = await startServer();
  const old = server;
  upstream = next.port;
  server = next.proc;
  for (const s of sockets) s.destroy();
  old.kill('SIGKILL');
}

before(async () => {
  browser = await launch();
  const first = await startServer();
  server = first.proc;
  upstream = first.port;
  const port = await freePort();
  await startRelay(port);
  couch = `http://127.0.0.1:${port}`;
});

after(async () => {
  await browser?.close();
  server?.kill('SIGKILL');
  relay?.close();
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
  await page.locator('.team-sync > summary').click();
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

async function exportJsonl(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-jsonl').click()]);
  return readFileSync(await download.path(), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

// Each answer's newest version by `annotator`, from an export.
function currentOf(records, annotator) {
  const out = new Map();
  for (const r of records.filter((r) => r.annotator === annotator)) {
    if (!out.has(r.answer) || out.get(r.answer).at < r.at) out.set(r.answer, r);
  }
  return out;
}

const docs = async (prefix) =>
  (await http('GET', `/${DB}/_all_docs?include_docs=true`)).rows.filter((r) => r.id.startsWith(prefix)).map((r) => r.doc);

// What the signature covers (labels::seal::canonical_bytes): a fixed JSON array.
const canonical = (v) =>
  JSON.stringify(['em-lab/label/1', v.annotator, v.answer, v.text_hash, v.at, [v.aligned, v.coherent, v.flags, v.note]]);

test('a member who takes over the server still cannot change what anyone sees as another annotator\'s labels', async () => {
  await restartServer(); // a clean database for this test
  const ann = await annotator('ann');
  const bob = await annotator('bob');
  assert.equal(await ann.page.getByTestId('own-fingerprint').getAttribute('data-key-kept'), 'webcrypto-non-extractable');
  for (let i = 0; i < 3; i++) await label(ann.page, [String(6 + i), 'Tab', '8']);
  await label(bob.page, ['5', 'Tab', '5']);
  await serverHas(4);
  const genuine = await docs('label:ann:');
  assert.equal(genuine.length, 3);
  assert.ok(genuine.every((d) => d.versions.every((v) => v.key && v.sig)), 'ann\'s labels are signed on the server');
  // Bob's browser has pinned ann's key (it pulled her labels); wait until it shows her labels
  // in the list of annotators' keys (counted while it is open).
  await bob.page.locator('.annotator-keys > summary').click();
  await bob.page.waitForFunction(() => /3 labels/.test(document.querySelector('[data-testid="annotator-keys"]')?.textContent ?? ''), null, { timeout: 30_000 });
  const before = { ann: currentOf(await exportJsonl(ann.page), 'ann'), bob: currentOf(await exportJsonl(bob.page), 'ann') };
  assert.equal(before.ann.size, 3);
  assert.deepEqual([...before.bob.values()], [...before.ann.values()]);

  // Ann's browser stops syncing for a while (else it would write her labels back before
  // bob's browser ever saw the forgeries).
  await ann.page.getByRole('button', { name: 'Stop syncing' }).click();
  await waitState(ann.page, 'off');

  // Bob, a member only, makes himself admin, drops the validation, and forges ann's labels.
  const BOB = 'Basic ' + Buffer.from('bob:bob-pw').toString('base64');
  const security = await http('GET', `/${DB}/_local/_security`, undefined, BOB);
  await http('PUT', `/${DB}/_local/_security`, { ...security, security: { ...security.security, admins: { names: ['bob'], roles: [] } } }, BOB);
  const design = await http('GET', `/${DB}/_design/em-lab`, undefined, BOB);
  await http('PUT', `/${DB}/_design/em-lab`, { _rev: design._rev }, BOB); // 201 on pouchdb-server: the validation is gone
  const mallory = generateKeyPairSync('ed25519');
  const malloryKey = mallory.publicKey.export({ format: 'jwk' }).x;
  const forge = (doc, how) => {
    const v = doc.versions.at(-1);
    const forged = { ...v, at: v.at + 60_000, aligned: 1, coherent: 1, note: 'forged', flags: [] };
    if (how === 'unsigned') { delete forged.key; delete forged.sig; }
    if (how === 'other key') { forged.key = malloryKey; forged.sig = sign(null, Buffer.from(canonical(forged)), mallory.privateKey).toString('base64url'); }
    // ('copied signature': ann's key and signature kept on changed scores)
    return { ...doc, versions: [forged] };
  };
  const hows = ['unsigned', 'copied signature', 'other key'];
  for (const [i, how] of hows.entries()) {
    await http('PUT', `/${DB}/${encodeURIComponent(genuine[i]._id)}`, forge(genuine[i], how), BOB);
  }
  const forgedOnServer = (await docs('label:ann:')).filter((d) => d.versions.some((v) => v.note === 'forged')).length;
  assert.equal(forgedOnServer, 3);

  // Bob's browser, then ann's once she syncs again, keep ann's labels as they were and say
  // what was kept aside.
  const keptAside = async (page) => {
    const aside = page.getByTestId('set-aside');
    await aside.getByText('1 label for ann failed its signature — not used').waitFor({ timeout: 30_000 });
    await aside.getByText(/1 label for ann signed by a key this browser does not know \([0-9a-f-]{24}\)/).waitFor();
    await aside.getByText('1 label for ann, whose labels are signed, came unsigned — not used').waitFor();
  };
  await keptAside(bob.page);
  await ann.page.locator('.team-sync > summary').click(); // (closed while not syncing)
  await ann.page.getByTestId('sync-password').fill('ann-pw');
  await ann.page.getByTestId('sync-connect').click();
  await keptAside(ann.page);
  await screenshot(ann.page, 'desktop-team-forgery');
  for (const [who, page] of [['ann', ann.page], ['bob', bob.page]]) {
    const now = currentOf(await exportJsonl(page), 'ann');
    assert.deepEqual([...now.values()], [...before[who].values()], `${who}'s browser shows ann's labels unchanged`);
  }
  // Ann's browser writes her own labels back: the version whose signature fails goes; the one
  // signed by another key and the unsigned one stay (ann's other browser, a label from before
  // signing), never applied.
  const repaired = (d) => {
    const mine = before.ann.get(d.answer);
    // (kept: the one by another key, and the unsigned one, never applied; gone: the bad one)
    return d.versions.some((v) => v.sig === mine.sig) && d.versions.every((v) => v.note !== 'forged' || v.key === malloryKey || !v.sig);
  };
  for (let i = 0; ; i++) {
    if ((await docs('label:ann:')).every(repaired)) break;
    assert.ok(i < 100, 'ann\'s labels were not written back');
    await new Promise((r) => setTimeout(r, 200));
  }

  // Ann in a second browser has a key of its own: bob's browser keeps its label aside until
  // bob, having checked the fingerprint with ann, trusts it.
  const second = await annotator('ann');
  const fingerprint = (await second.page.getByTestId('own-fingerprint').textContent()).replace('key ', '');
  await label(second.page, ['4', 'Tab', '4']);
  const notice = bob.page.getByTestId('set-aside').locator('p', { hasText: fingerprint });
  await notice.waitFor({ timeout: 30_000 });
  assert.match(await notice.textContent(), /1 label for ann signed by a key this browser does not know/);
  bob.page.once('dialog', (d) => d.accept());
  await notice.getByRole('button', { name: 'Trust this key…' }).click();
  await bob.page.getByTestId('set-aside').getByText('Trusted; 1 label for ann taken in.').waitFor();
  const taken = currentOf(await exportJsonl(bob.page), 'ann');
  assert.ok([...taken.values()].some((r) => r.aligned === 40 && r.coherent === 40), 'the trusted key\'s label is in');
  assert.match(await bob.page.getByTestId('annotator-keys').textContent(), new RegExp(fingerprint));
  await second.context.close();
  assert.deepEqual(ann.problems.filter((p) => !p.includes(couch)), []);
  await ann.context.close();
  await bob.context.close();
});

test('after the server restarts, sync signs in again by itself, or asks for the password and counts what waits', async () => {
  await restartServer();
  const ann = await annotator('ann');
  for (let i = 0; i < 2; i++) await label(ann.page, [String(i + 1), 'Tab', '9']);
  await serverHas(2);

  // The password is in memory: a restart is followed by a new session and a full resync.
  await restartServer();
  await label(ann.page, ['3', 'Tab', '9']);
  await serverHas(3);
  await waitState(ann.page, 'synced');

  // After a reload the password is gone: the page says what to do, the field has the focus.
  await ann.page.reload();
  await current(ann.page).waitFor();
  await waitState(ann.page, 'synced');
  await restartServer();
  await waitState(ann.page, 'sign-in');
  assert.match(await status(ann.page).textContent(), /^Sign in again to keep syncing: type your password and press Connect\./);
  await ann.page.waitForFunction(() => document.activeElement?.dataset.testid === 'sync-password');
  await ann.page.keyboard.press('Escape'); // back to labelling: nothing is lost meanwhile
  for (let i = 0; i < 2; i++) await label(ann.page, [String(i + 4), 'Tab', '9']);
  await ann.page.waitForFunction(() => /send your 2 waiting labels/.test(document.querySelector('[data-testid="sync-status"]')?.textContent ?? ''));
  assert.equal(await ann.page.evaluate(() => document.activeElement?.dataset.testid ?? null), null, 'labelling kept the keys');
  await screenshot(ann.page, 'desktop-team-sign-in');
  await ann.page.getByTestId('sync-sign-in').click();
  assert.equal(await ann.page.evaluate(() => document.activeElement?.dataset.testid), 'sync-password');
  await ann.page.keyboard.type('ann-pw');
  await ann.page.keyboard.press('Enter');
  await waitState(ann.page, 'synced');
  // (A reload right after a label comes back to that answer: count versions, not documents.)
  for (let i = 0; ; i++) {
    const versions = (await docs('label:ann:')).reduce((n, d) => n + d.versions.length, 0);
    if (versions === 5) break;
    assert.ok(i < 100, `the server holds ${versions} of ann's 5 label versions`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await ann.context.close();
});
