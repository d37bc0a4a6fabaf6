// Annotation in the shipped build, headless Chromium: `node bench/annotate.mjs <app url>`,
// prints one JSON line for `cargo xtask bench` (`--keypress-only`: the first part alone).
//
// - keypress → next answer rendered, on a 100,000-answer queue (the 37,940 bundled answers
//   plus an imported file of generated ones), once all answer text has loaded; 200 labels,
//   after 20 warm-up ones. From the Enter keydown (the label is written to IndexedDB,
//   committed, the next answer shown) to two moments:
//   - laid out: the page's own work is over — the next answer is in the DOM, the task that
//     put it there has ended, and its layout is computed (a forced layout in the next task);
//   - on screen: the first animation frame with the next answer, which adds the wait for
//     the display's next frame (up to one frame interval, whatever the page does).
//   For that wait alone, the same clock on a key whose change costs nothing (an attribute set
//   in the keydown itself): the frame floor.
// - 1,000 labels written with reloads at random moments between them: how many of those
//   the page showed as saved are missing from the export afterwards.
import { launch, openPage } from '../e2e/browser.mjs';
import { readFileSync } from 'node:fs';

const base = process.argv[2] ?? 'http://127.0.0.1:8080/';
const url = (p) => new URL(p, base).href;
const BUNDLED = 37940;
const QUEUE = 100_000;
// Between timed labels the page is left alone for a moment, as an annotator reading the next
// answer leaves it (0.3 s is faster than anyone reads one); the page's work deferred to after
// the frame (the URL, laying out the answer after next) is done by then. A second series
// labels back to back, as fast as the browser takes keys.
const GAP_MS = Number(process.env.GAP_MS ?? 300);

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
  // In the page: Enter's keydown starts the clock; a MutationObserver sees the next answer
  // arrive. Nothing polls meanwhile — no animation-frame loop, which would itself make
  // Chromium hold back the storage's reply until a frame is drawn — and the runner waits on
  // a promise the page resolves.
  await page.evaluate(() => {
    const seen = { frames: [], laidOut: [], floor: [] };
    window.__seen = seen;
    let waiters = [];
    const settle = () => {
      waiters = waiters.filter(([ready, resolve]) => (ready() ? (resolve(), false) : true));
    };
    const until = (ready) => new Promise((resolve) => { waiters.push([ready, resolve]); settle(); });
    window.__after = (k) => until(() => seen.frames.length > k && seen.laidOut.length > k);
    window.__floorAfter = (k) => until(() => seen.floor.length > k);
    const current = () => document.querySelector('[data-testid="current-answer"]');
    addEventListener('keydown', (e) => {
      if (e.key === 'F9') {
        // The frame floor: a change made at once, seen at the next animation frame.
        const t0 = performance.now();
        document.documentElement.dataset.benchFloor = String(t0);
        requestAnimationFrame(() => { seen.floor.push(performance.now() - t0); settle(); });
        return;
      }
      if (e.key !== 'Enter') return;
      const t0 = performance.now();
      const before = current()?.dataset.textHash;
      const observer = new MutationObserver(() => {
        const now = current()?.dataset.textHash;
        if (!now || now === before) return;
        observer.disconnect();
        // On screen: the first animation frame from here.
        requestAnimationFrame(() => { seen.frames.push(performance.now() - t0); settle(); });
        // Laid out: the next task (the app's task that showed the answer is over), then layout.
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          current().getBoundingClientRect();
          seen.laidOut.push(performance.now() - t0);
          settle();
        };
        channel.port2.postMessage(0);
      });
      observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-text-hash', 'data-testid'] });
    }, { capture: true });
  });
  // 20 warm-up labels, 200 timed at an annotator's pace, then 100 back to back.
  const WARM_UP = 20, PACED = 200, BACK_TO_BACK = 100;
  for (let i = 0; i < WARM_UP + PACED + BACK_TO_BACK; i++) {
    await page.keyboard.press(String(i % 10));
    await page.keyboard.press('Enter');
    await page.evaluate((k) => window.__after(k), i);
    await page.keyboard.press('F9');
    await page.evaluate((k) => window.__floorAfter(k), i);
    if (i < WARM_UP + PACED) await page.waitForTimeout(GAP_MS);
  }
  const { frames, laidOut, floor } = await page.evaluate(() => window.__seen);
  const quantiles = (all, from, to) => {
    const timed = all.slice(from, to).sort((a, b) => a - b);
    const q = (p) => timed[Math.min(timed.length - 1, Math.round((timed.length - 1) * p))];
    return { p50: q(0.5), p95: q(0.95), max: timed[timed.length - 1], n: timed.length };
  };
  const paced = (all) => quantiles(all, WARM_UP, WARM_UP + PACED);
  const [screen, own, wait] = [paced(frames), paced(laidOut), paced(floor)];
  const [fast, fastOwn] = [quantiles(frames, WARM_UP + PACED), quantiles(laidOut, WARM_UP + PACED)];
  await context.close();
  return {
    keypress_p50_ms: screen.p50, keypress_p95_ms: screen.p95, keypress_max_ms: screen.max, keypresses: screen.n, queue: QUEUE,
    laid_out_p50_ms: own.p50, laid_out_p95_ms: own.p95, laid_out_max_ms: own.max,
    frame_floor_p50_ms: wait.p50, frame_floor_p95_ms: wait.p95,
    gap_ms: GAP_MS, back_to_back_n: fast.n, back_to_back_p50_ms: fast.p50, back_to_back_p95_ms: fast.p95,
    back_to_back_laid_out_p50_ms: fastOwn.p50, back_to_back_laid_out_p95_ms: fastOwn.p95,
  };
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
  // `--keypress-only`: the first measurement alone (when working on it).
  const lost = process.argv.includes('--keypress-only') ? {} : await nothingLost(browser);
  console.log(JSON.stringify({ ...latency, ...lost }));
} finally {
  await browser.close();
}
