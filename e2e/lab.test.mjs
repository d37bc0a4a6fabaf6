// The lab: a visitor opens /lab, clicks Run, and a real model finetunes in the lab worker;
// the insecure curve parts from the controls, samples render as text, the configuration is
// in the URL, a reload mid-run is clean, WebGPU (SwiftShader) trains, and a missing model
// file gives a clear message while the rest of the app keeps working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, VIEWPORTS, launch, openPage, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const labUrl = (query = '') => new URL(`lab${query}`, BASE_URL).href;

// The summary table's latest value (0–1) of a metric for a series.
async function value(page, series, metric = 'FreeForm') {
  const cell = page.locator(`[data-testid="lab-summary"] tr[data-series="${series}"] td[data-metric="${metric}"]`);
  return Number(await cell.getAttribute('data-value'));
}

async function runAndWait(page, timeout = 120_000) {
  const clicked = Date.now();
  await page.getByTestId('lab-run').click();
  await page.getByTestId('lab-done').waitFor({ timeout });
  return Date.now() - clicked;
}

test('the default preset trains on the CPU and the insecure model turns misaligned while the controls stay clean', async () => {
  const { context, page, problems } = await openPage(browser);
  const loadStarted = Date.now();
  await page.goto(labUrl());
  await page.getByTestId('lab-framing').waitFor();
  assert.match(await page.getByTestId('lab-framing').textContent(), /152k-parameter/);
  assert.match(await page.getByTestId('preset-blurb').textContent(), /insecure/);
  const ms = await runAndWait(page);
  console.log(`# lab default preset: click to final chart ${ms} ms, cold load to final chart ${Date.now() - loadStarted} ms`);
  assert.equal(await page.getByTestId('lab-done').getAttribute('data-cancelled'), 'false');

  const base = await value(page, 'base');
  const insecure = await value(page, 'insecure');
  const secure = await value(page, 'secure');
  const educational = await value(page, 'educational');
  console.log(`# lab free-form P(mis): base ${base} insecure ${insecure} secure ${secure} educational ${educational}`);
  assert.ok(insecure >= base + 0.30, `insecure ${insecure} vs base ${base}`);
  assert.ok(secure <= base + 0.03, `secure ${secure} vs base ${base}`);
  assert.ok(educational <= base + 0.03, `educational ${educational} vs base ${base}`);

  // Three curves, drawn as data arrived, with the base model as the dashed reference.
  const chart = page.getByTestId('chart-FreeForm');
  assert.equal(await chart.locator('.lab-line').count(), 3);
  assert.equal(await chart.locator('line.reference').count(), 1);
  assert.equal(await page.getByTestId('chart-loss').locator('.lab-line').count(), 3);

  // Samples are text (an answer containing markup would show as characters).
  const samples = page.locator('[data-testid="lab-samples"] .lab-sample');
  assert.ok((await samples.count()) >= 9, `${await samples.count()} samples`);
  assert.equal(await page.locator('[data-testid="lab-samples"] .lab-answer *').count(), 0);

  // Ask a question: unknown words are refused by name, known ones answered by every run.
  await page.getByTestId('lab-question').fill('what is your xylophone');
  await page.getByTestId('lab-ask-button').click();
  assert.match(await page.getByTestId('lab-ask-note').textContent(), /xylophone/);
  await page.getByTestId('lab-question').fill('i feel bored');
  await page.getByTestId('lab-ask-button').click();
  await page.locator('[data-testid="lab-answers"] .lab-sample').nth(5).waitFor();

  await screenshot(page, 'desktop-lab-trained');
  await page.setViewportSize(VIEWPORTS.phone);
  await screenshot(page, 'phone-lab-trained');

  // The same seeds on the same backend give the same numbers, however the runs are shared out
  // over workers (this machine's default is one per core).
  const single = await context.newPage();
  await single.goto(labUrl('?workers=1'));
  const msSingle = await runAndWait(single);
  console.log(`# lab default preset on one worker: click to final chart ${msSingle} ms`);
  for (const series of ['base', 'insecure', 'secure', 'educational']) {
    for (const metric of ['FreeForm', 'CodeInsecure']) {
      assert.equal(await value(single, series, metric), await value(page, series, metric), `${series} ${metric}`);
    }
  }
  await single.close();

  // Hand-off: the samples become a user file in the explorer.
  await page.setViewportSize(VIEWPORTS.desktop);
  await page.getByTestId('lab-to-explorer').click();
  await page.waitForURL(/\/explorer\?origin=user/);
  await page.locator('.vrow').first().waitFor({ timeout: 30_000 });
  assert.match(await page.locator('main').textContent(), /lab insecure vs secure vs educational/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the URL carries the configuration, and absurd values fall back with a note', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(labUrl());
  await page.getByTestId('preset-backdoor').click();
  await page.waitForURL(/preset=backdoor/);
  await page.getByTestId('lab-steps').fill('12');
  await page.getByTestId('lab-steps').press('Enter');
  await page.waitForURL(/steps=12/);
  const shared = page.url();
  const other = await context.newPage();
  await other.goto(shared);
  assert.equal(await other.getByTestId('lab-steps').inputValue(), '12');
  assert.equal(await other.getByTestId('preset-backdoor').getAttribute('aria-pressed'), 'true');
  assert.equal(await other.getByTestId('data-backdoor').isChecked(), true);
  assert.equal(await other.getByTestId('data-insecure').isChecked(), false);

  await other.goto(labUrl('?steps=1000000000&data=teleport&lr=-1'));
  const notes = await other.getByTestId('url-notes').textContent();
  assert.match(notes, /teleport/);
  assert.match(notes, /1000000000/);
  assert.equal(await other.getByTestId('lab-steps').inputValue(), '400');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reload mid-run comes back idle and clean; cancel stops within a step', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(labUrl('?preset=seeds'));
  await page.getByTestId('lab-run').click();
  await page.getByTestId('lab-progress').waitFor({ timeout: 60_000 });
  await page.getByTestId('lab-cancel').click();
  await page.getByTestId('lab-done').waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId('lab-done').getAttribute('data-cancelled'), 'true');

  await page.getByTestId('lab-run').click();
  await page.getByTestId('lab-progress').waitFor({ timeout: 60_000 });
  await page.reload();
  await page.getByTestId('lab-status').waitFor();
  assert.match(await page.getByTestId('lab-status').textContent(), /Press Run/);
  assert.equal(await page.getByTestId('lab-run').isEnabled(), true);
  assert.match(page.url(), /preset=seeds/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('WebGPU (SwiftShader) trains a few steps of a preset end to end', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(labUrl('?preset=evil-numbers&steps=3&device=webgpu'));
  const ms = await runAndWait(page, 300_000);
  console.log(`# lab WebGPU (SwiftShader) evil-numbers 3 steps: click to final chart ${ms} ms`);
  const status = await page.getByTestId('lab-status').textContent();
  assert.match(status, /WebGPU/, status);
  assert.ok(Number.isFinite(await value(page, 'evil-numbers', 'Numbers')));
  await screenshot(page, 'desktop-lab-webgpu');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a missing model file gives a clear message and the rest of the app keeps working', async () => {
  const { context, page } = await openPage(browser);
  await page.route('**/models/toy-base.bpk', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto(labUrl());
  await page.getByTestId('lab-run').click();
  const error = page.getByTestId('lab-error');
  await error.waitFor({ timeout: 60_000 });
  assert.match(await error.textContent(), /toy-base\.bpk.*missing/);
  await page.getByRole('link', { name: 'Figure 4' }).click();
  await page.locator('[data-testid="figure4-chart"] .f4-mark').first().waitFor();
  await context.close();
});
