// The annotator's identity: the name and signing key survive a browser killed right after the
// name was entered (they are in IndexedDB, written durably before the first label can be
// saved), the private key is a non-extractable WebCrypto key, and a name an older EM Lab kept
// in localStorage moves into IndexedDB with a key of its own.
//
// Chromium is started here as its own process on a profile directory, so that it can be
// killed (SIGKILL, no shutdown) and started again on the same profile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { BASE_URL, CHROMIUM_ARGS, launch, openPage } from './browser.mjs';

const url = (path) => new URL(path, BASE_URL).href;
const profile = mkdtempSync(join(tmpdir(), 'em-lab-profile-'));
let browser;

before(async () => { browser = await launch(); });
after(async () => {
  await browser?.close();
  rmSync(profile, { recursive: true, force: true });
});

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// Chromium on `profile`, driven over CDP: { proc, browser, page }.
async function startChromium() {
  const port = await freePort();
  const proc = spawn('/usr/bin/chromium', ['--headless', `--user-data-dir=${profile}`, `--remote-debugging-port=${port}`, ...CHROMIUM_ARGS, 'about:blank'], {
    stdio: 'ignore',
    detached: true, // its own process group: killed whole
  });
  let cdp;
  for (let i = 0; !cdp; i++) {
    try {
      cdp = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const page = await cdp.contexts()[0].newPage();
  return { proc, browser: cdp, page };
}

function kill(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  const gone = new Promise((resolve) => proc.once('exit', resolve));
  process.kill(-proc.pid, 'SIGKILL');
  return gone;
}

test('the name and key survive a browser killed right after the name was entered', async () => {
  const first = await startChromium();
  await first.page.goto(url('annotate?question=quick_buck'));
  await first.page.getByTestId('annotator-name').fill('Kim');
  await first.page.keyboard.press('Enter');
  await first.page.getByTestId('own-fingerprint').getByText(/^key [0-9a-f]{4}(-[0-9a-f]{4}){4}$/).waitFor({ timeout: 60_000 });
  const fingerprint = await first.page.getByTestId('own-fingerprint').textContent();
  await kill(first.proc); // at once: no unload, no shutdown

  const second = await startChromium();
  await second.page.goto(url('annotate?question=quick_buck'));
  await second.page.getByTestId('annotator').getByText('Kim').waitFor({ timeout: 60_000 });
  assert.equal(await second.page.getByTestId('annotator-name').count(), 0, 'no name form');
  assert.equal(await second.page.getByTestId('own-fingerprint').textContent(), fingerprint, 'the same key');
  // The private key is WebCrypto's, and not even the page can export it.
  const key = await second.page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('em-lab');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const me = await new Promise((resolve) => {
      const get = db.transaction('identity').objectStore('identity').get('me');
      get.onsuccess = () => resolve(get.result);
    });
    let exported = 'refused';
    try {
      await crypto.subtle.exportKey('pkcs8', me.private);
      exported = 'exported';
    } catch { /* as it should be */ }
    return { name: me.name, algorithm: me.private.algorithm.name, extractable: me.private.extractable, exported, seed: 'seed' in me };
  });
  assert.deepEqual(key, { name: 'Kim', algorithm: 'Ed25519', extractable: false, exported: 'refused', seed: false });
  await kill(second.proc);
});

test('a name an older EM Lab kept in localStorage moves into IndexedDB with a key', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(url(''));
  await page.evaluate(() => localStorage.setItem('em-lab-annotator', 'Lee'));
  await page.goto(url('annotate?question=quick_buck'));
  await page.getByTestId('annotator').getByText('Lee').waitFor({ timeout: 60_000 });
  await page.getByTestId('own-fingerprint').getByText(/^key /).waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('em-lab-annotator')), null);
  await page.reload();
  await page.getByTestId('annotator').getByText('Lee').waitFor({ timeout: 60_000 });
  assert.deepEqual(problems, []);
  await context.close();
});
