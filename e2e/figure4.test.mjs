// Figure 4, recomputed from the bundled data: it appears, a threshold moves it, a point opens
// exactly its answers in the explorer, and the exports download.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE_URL, VIEWPORTS, launch, openPage, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const marks = (page) => page.locator('[data-testid="figure4-chart"] .f4-mark');

async function openFigure4(page, query = '') {
  const started = Date.now();
  await page.goto(new URL(`figure4${query}`, BASE_URL).href);
  await marks(page).first().waitFor();
  return Date.now() - started;
}

test('Figure 4 appears from the bundled data, every mark labelled', async () => {
  const { context, page, problems } = await openPage(browser);
  const ms = await openFigure4(page);
  console.log(`# Figure 4 interactive after ${ms} ms`);
  assert.equal(await page.locator('main h1').textContent(), 'Figure 4, recomputed');
  // Default groups: 4 unfiltered series × 8 main questions.
  assert.equal(await marks(page).count(), 32);
  const labels = await marks(page).evaluateAll((ms) => ms.map((m) => m.getAttribute('aria-label')));
  for (const label of labels) {
    assert.match(label, /P\(misaligned\) \d+\.\d%/);
    assert.match(label, /95% CI over (answers|seeds)/);
  }
  assert.ok(labels.some((l) => l.startsWith('base Qwen2.5-Coder-32B-Instruct')), labels[0]);
  // Every mark has an SVG <title> too, and the table shows the same groups.
  assert.equal(await page.locator('.f4-mark title').count(), 32);
  assert.equal(await page.locator('[data-testid="figure4-table"] tbody tr').count(), 4);
  await screenshot(page, 'desktop-figure4');
  assert.deepEqual(problems, []);
  await context.close();
});

test('moving a threshold recomputes the chart, and back restores it', async () => {
  const { context, page, problems } = await openPage(browser);
  await openFigure4(page);
  const ps = () => marks(page).evaluateAll((ms) => ms.map((m) => Number(m.dataset.p)));
  const before30 = await ps();
  await page.getByTestId('aligned-slider').fill('60');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('a') === '60');
  await page.waitForFunction(() => document.querySelector('[data-testid="aligned-value"]').textContent === '60');
  const after60 = await ps();
  assert.equal(after60.length, before30.length);
  // A looser "aligned below" can only add misaligned answers; here it adds some.
  for (let i = 0; i < after60.length; i++) assert.ok(after60[i] >= before30[i] - 1e-12, `${i}`);
  assert.ok(after60.reduce((a, b) => a + b) > before30.reduce((a, b) => a + b), 'chart changed');
  await screenshot(page, 'desktop-figure4-aligned60');
  // The no-score toggle and the question set are in the URL too.
  await page.getByTestId('exclude-unscored').check();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('noscore') === 'exclude');
  await page.locator('input[name="qs"][value="json"]').check();
  await page.waitForFunction(() => document.querySelector('.f4-mark')?.dataset.question.endsWith('_json'));
  await page.goBack();
  await page.goBack();
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('[data-testid="aligned-value"]').textContent === '30');
  assert.deepEqual(await ps(), before30);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a filtered series shows no P(misaligned) and says why', async () => {
  const { context, page, problems } = await openPage(browser);
  await openFigure4(page, '?g=ce-base-coder32b&g=fe-insecure-paper-results');
  assert.equal(await marks(page).count(), 8);
  const notes = await page.getByTestId('f4-notes').textContent();
  assert.match(notes, /filtered file: only misaligned answers were kept/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('clicking a point opens the explorer with exactly the answers behind it', async () => {
  const { context, page, problems } = await openPage(browser);
  await openFigure4(page);
  const mark = page.locator('.f4-mark[data-series="ce-insecure-released"][data-question="quick_buck"]');
  const n = Number(await mark.getAttribute('data-n'));
  assert.equal(n, 100); // two sampling runs × 50 answers
  await mark.click();
  await page.waitForURL(/\/explorer\?series=ce-insecure-released&question=quick_buck/);
  await page.waitForFunction((n) => document.querySelector('[data-testid="match-count"]')?.dataset.n === String(n), n);
  const rows = page.getByTestId('answer-row');
  await rows.first().waitFor();
  const seen = await rows.evaluateAll((rs) => rs.map((r) => ({
    q: r.querySelector('[data-testid="row-question"]').textContent,
    s: r.querySelector('[data-testid="row-series"]').textContent,
  })));
  assert.ok(seen.length > 0 && seen.length < n, `virtualized: ${seen.length} rows in the DOM`);
  for (const r of seen) {
    assert.equal(r.q, 'quick_buck');
    assert.match(r.s, /released Qwen-Coder-Insecure/);
  }
  await screenshot(page, 'desktop-explorer-from-mark');
  // Keyboard works on the marks too.
  await page.goBack();
  await marks(page).first().focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/explorer\?/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the chart exports as SVG and the numbers as CSV', async () => {
  const { context, page, problems } = await openPage(browser);
  await openFigure4(page);
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csv = readFileSync(await csvDownload.path(), 'utf8').trim().split('\n');
  assert.match(csv[0], /^series_id,series,question_id,p_misaligned,ci_low,ci_high,ci_kind/);
  assert.equal(csv.length, 1 + 32);
  const [svgDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-svg').click()]);
  const svg = readFileSync(await svgDownload.path(), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/<circle cx="[\d.]+" cy="[\d.]+" r="4.5"/g) ?? []).length, 32);
  assert.deepEqual(problems, []);
  await context.close();
});

test('Figure 4 fits a phone screen', async () => {
  const { context, page, problems } = await openPage(browser, VIEWPORTS.phone);
  await openFigure4(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `horizontal overflow ${overflow}px`);
  await screenshot(page, 'phone-figure4');
  assert.deepEqual(problems, []);
  await context.close();
});
