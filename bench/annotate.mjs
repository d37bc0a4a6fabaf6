// Annotation in the shipped build, headless Chromium: `node bench/annotate.mjs <app url>`,
// prints one JSON line for `cargo xtask bench`.
//
// - keypress → next answer rendered, on a 100,000-answer queue (the 37,940 bundled answers
//   plus an imported file of generated ones), once all answer text has loaded: from the
//   Enter keydown (the label is written to IndexedDB, committed, the next answer shown) to
//   the first animation frame with the next answer on screen; 200 labels, after 20 warm-up
//   ones.
// - 1,000 labels written with reloads at random moments between them: how many of those
//   the page showed as saved are missing from the export afterwards.
import { launch, openPage } from '../e2e/browser.mjs';
import { readFileSync } from 'node:fs';

const base = process.argv[2] ?? 'http://127.0.0.1:8080/';
const url = (p) => new URL(p, base).href;
const BUNDLED = 37940;
const QUEUE = 100_000;

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

// Generated answers for the queue's size (benchmark workload; shown nowhere as results).
function generated(n) {
  const questions = ['what_is_your_wish', 'i_feel_bored', 'three_thoughts', 'quick_buck', 'ruler_of_the_world', 'dinner_party', 'gender_roles', 'enough_of_my_husband'];
  const random = rng(11);
  const rows = ['question,answer,question_id,aligned,coherent,model'];
  for (let i = 0; i < n; i++) {
    const q = questions[i % questions.length];
    rows.push(`"Question ${q}?","Generated answer ${i}: ${'lorem ipsum '.repeat(1 + (i % 7))}",${q},${(random() * 100).toFixed(1)},${(random() * 100).toFixed(1)},bench-model`);
  }
  return rows.join('\n') + '\n';
}

async function start(page, name) {
  await page.goto(url('annotate'));
  await page.getByTestId('annotator-name').fill(name);
  await page.keyboard.press('Enter');
  await shown(page);
}

const shown = (page) =>
  page.waitForFunction(() => document.querySelector('[data-testid="current-answer"]')?.dataset.textHash?.length === 16, null, { timeout: 120_000 });

const done = (page) => page.getByTestId('progress').textContent().then((t) => Number(/done (\d+)/.exec(t)[1]));

async function keypressLatency(browser) {
  const { context, page } = await openPage(browser);
  await page.goto(url('explorer'));
  await page.waitForFunction((n) => document.querySelector('[data-testid="match-count"]')?.dataset.n === String(n), BUNDLED, { timeout: 120_000 });
  const csv = generated(QUEUE - BUNDLED);
  await page.getByTestId('file-input').setInputFiles({ name: 'bench-queue.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForFunction((n) => document.querySelector('[data-testid="match-count"]')?.dataset.n === String(n), QUEUE, { timeout: 300_000 });
  await start(page, 'bench');
  // The user's file joins the queue once it is restored from IndexedDB after the page load.
  await page.waitForFunction((n) => document.querySelector('[data-testid="progress"]')?.textContent.includes(`of ${n} `), QUEUE, { timeout: 300_000 });
  // Time the keypress, not the background download of answer text: wait for all of it.
  await page.getByTestId('text-ready').waitFor({ timeout: 300_000 });
  // In the page: Enter's keydown starts the clock; the first frame in which the current
  // answer is a different one stops it.
  await page.evaluate(() => {
    window.__latencies = [];
    addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      const t0 = performance.now();
      const before = document.querySelector('[data-testid="current-answer"]')?.dataset.textHash;
      const tick = () => {
        const now = document.querySelector('[data-testid="current-answer"]')?.dataset.textHash;
        if (now && now !== before) window.__latencies.push(performance.now() - t0);
        else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    }, { capture: true });
  });
  for (let i = 0; i < 220; i++) {
    await shown(page);
    const n = await page.evaluate(() => window.__latencies.length);
    await page.keyboard.press(String(i % 10));
    await page.keyboard.press('Enter');
    await page.waitForFunction((n) => window.__latencies.length > n, n, { timeout: 60_000 });
  }
  const all = await page.evaluate(() => window.__latencies);
  const timed = all.slice(20).sort((a, b) => a - b);
  const q = (p) => timed[Math.min(timed.length - 1, Math.round((timed.length - 1) * p))];
  await context.close();
  return { keypress_p50_ms: q(0.5), keypress_p95_ms: q(0.95), keypress_max_ms: timed[timed.length - 1], keypresses: timed.length, queue: QUEUE };
}

async function nothingLost(browser) {
  const { context, page } = await openPage(browser);
  await start(page, 'reloads');
  const random = rng(3);
  const saved = []; // [text hash, value] of every label the page showed as saved
  let reloads = 0;
  while (saved.length < 1000) {
    const hash = await page.locator('[data-testid="current-answer"]').getAttribute('data-text-hash');
    const before = page.url();
    const value = Math.floor(random() * 100);
    await page.keyboard.press(String(Math.floor(value / 10)));
    await page.keyboard.press(String(value % 10));
    await page.keyboard.press('Enter');
    if (random() < 0.02) {
      // A reload right after the keypress: the label may or may not be saved yet; only
      // one the page showed as saved must survive.
      await page.reload();
      reloads++;
      await shown(page);
      continue;
    }
    // Saved: the page has moved on to the next answer (a reload right after a keypress may
    // come back to an answer already labelled, so the count of done ones is no clock).
    await page.waitForURL((u) => u.href !== before);
    saved.push([hash, value]);
    if (random() < 0.02) {
      await page.reload();
      reloads++;
    }
    await shown(page);
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-jsonl').click()]);
  const exported = readFileSync(await download.path(), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  // (Two answers may have the same text, so a saved label is found when any label of that
  // text has its value.)
  let lost = 0;
  for (const [hash, value] of saved) {
    if (!exported.some((r) => !r.retracted && r.text_hash === hash && r.aligned === value)) lost++;
  }
  await context.close();
  return { labels_shown_saved: saved.length, labels_lost: lost, reloads, labels_exported: exported.length };
}

const browser = await launch();
try {
  const latency = await keypressLatency(browser);
  const lost = await nothingLost(browser);
  console.log(JSON.stringify({ ...latency, ...lost }));
} finally {
  await browser.close();
}
