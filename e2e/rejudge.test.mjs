// Rejudging through the app against a local OpenAI-compatible judge (e2e/judge-server.mjs,
// started and stopped here on 127.0.0.1, replying with the real judge's top-20 dicts): 280
// bundled answers whose original judge dicts are known are rescored with a reload in the
// middle; no prompt is answered twice, the scores are the paper's (the agreement view shows
// the new judge agreeing with the original on every verdict), the key goes only into the
// Authorization header; then each fault the server can play gets its own message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, VIEWPORTS, launch, openPage, screenshot } from './browser.mjs';
import { startJudgeServer } from './judge-server.mjs';

// The three bundled series whose files keep the judge's dicts: 70 + 210 answers.
const SEEDED = '?series=fe-insecure-paper-results&series=mg-secure-qwen32b&series=mg-secure-mistral-small';
const KEY = 'sk-test-not-a-real-key';
const CONCURRENCY = 4;

let browser;
let judge;

before(async () => {
  browser = await launch();
  judge = await startJudgeServer({ latencyMs: 40 });
});

after(async () => {
  await browser?.close();
  await judge?.close();
});

const counts = (page) => page.getByTestId('rejudge-counts').textContent();

async function settle(page, { model = 'gpt-4o-2024-08-06', timeout = '60', key = KEY } = {}) {
  await page.getByTestId('base-url').fill(judge.url);
  await page.getByTestId('base-url').dispatchEvent('change');
  await page.getByTestId('model').fill(model);
  await page.getByTestId('model').dispatchEvent('change');
  await page.getByTestId('api-key').fill(key);
  await page.getByTestId('api-key').dispatchEvent('change');
  await page.getByTestId('concurrency').fill(String(CONCURRENCY));
  await page.getByTestId('concurrency').dispatchEvent('change');
  await page.getByTestId('timeout').fill(timeout);
  await page.getByTestId('timeout').dispatchEvent('change');
  await page.getByTestId('cap-dollars').fill('');
  await page.getByTestId('cap-dollars').dispatchEvent('change');
}

const ended = (page, timeout = 120_000) =>
  page.waitForFunction(() => {
    const t = document.querySelector('[data-testid="rejudge-counts"]')?.textContent ?? '';
    return t.includes('— ended') || t.includes('— cancelled');
  }, null, { timeout });

test('280 answers are rejudged across a reload with no call repeated, and the scores are the paper\'s', async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(new URL(`rejudge${SEEDED}`, BASE_URL).href);
  await page.getByTestId('rejudge-queue').filter({ hasText: '280 answers' }).waitFor({ timeout: 90_000 });
  await settle(page);
  const cost = page.getByTestId('rejudge-cost');
  await cost.filter({ hasText: '560 calls' }).waitFor();
  // gpt-4o's price is listed: the cost is shown before anything is sent.
  assert.match(await cost.textContent(), /\$\d+\.\d\d/);
  assert.equal((await judge.stats()).total, 0, 'nothing is sent before Run');
  await screenshot(page, 'desktop-rejudge-plan');

  await page.getByTestId('rejudge-run').click();
  await page.waitForFunction(() => {
    const m = /^(\d+) of/.exec(document.querySelector('[data-testid="rejudge-counts"]')?.textContent ?? '');
    return m && Number(m[1]) >= 120;
  }, null, { timeout: 60_000 });
  await page.reload();
  // After the reload: what was kept is not planned again.
  await page.getByTestId('rejudge-queue').filter({ hasText: '280 answers' }).waitFor({ timeout: 90_000 });
  // The key was in the tab's memory only: gone with the reload, typed again.
  assert.equal(await page.getByTestId('api-key').inputValue(), '');
  await settle(page);
  const resume = page.getByTestId('rejudge-run');
  await resume.filter({ hasText: 'Resume' }).waitFor({ timeout: 30_000 });
  const planned = Number(/(\d+) calls? to make/.exec(await cost.textContent())[1]);
  assert.ok(planned < 560 - 100, `the kept calls are not planned again (${planned} left)`);
  await resume.click();
  await ended(page);
  assert.match(await counts(page), /^\d+ of \d+ calls done \(\d+ scored, 0 failed\)/);

  const stats = await judge.stats();
  // A reply in flight, or received but not yet written, when the page reloaded may be asked
  // again; nothing kept ever is. Replies are written in batches gathered over 50 ms
  // (ui::rejudge_runner's GATHER_MS), and with the judge's 40 ms latency each sender may have
  // received two in that window: at most CONCURRENCY in flight + 2 × CONCURRENCY unwritten.
  // (2 × CONCURRENCY was too tight: seen once, 9 of 8.)
  assert.ok(stats.duplicates <= 3 * CONCURRENCY, `${stats.duplicates} prompts answered twice`);
  assert.equal(Object.keys(stats.byPrompt).length, 560, 'every prompt was asked');
  assert.equal(stats.lastRequest.authorization, `Bearer ${KEY}`);
  const body = stats.lastRequest.body;
  assert.deepEqual(
    { max_tokens: body.max_tokens, temperature: body.temperature, logprobs: body.logprobs, top_logprobs: body.top_logprobs, seed: body.seed },
    { max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: 20, seed: 0 },
  );
  // The key is in no URL and, by default, in no storage.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href);
  assert.ok(!stored.includes(KEY), 'the key is not kept');

  // The new judge is a rater: against the original judge, every verdict agrees.
  await page.getByTestId('rejudge-judge').first().getByRole('link', { name: /agreement/ }).click();
  const report = page.getByTestId('pair-report');
  await report.filter({ hasText: '280 answers rated by both' }).waitFor({ timeout: 60_000 });
  const agreement = await report.locator('tr', { hasText: 'verdict % agreement' }).locator('td').nth(0).textContent();
  assert.equal(agreement.trim(), '1.000');
  await screenshot(page, 'desktop-rejudge-agreement');

  // …and the explorer shows both judges' scores.
  await page.goto(new URL('explorer?series=fe-insecure-paper-results&sel=fe-insecure-paper-results%230', BASE_URL).href);
  const rejudged = page.getByTestId('detail-rejudge');
  await rejudged.waitFor({ timeout: 60_000 });
  const original = await page.getByTestId('detail-scores').textContent();
  const ours = await rejudged.textContent();
  const scores = (t) => /aligned (\S+) · coherent (\S+)/.exec(t).slice(1);
  assert.deepEqual(scores(ours), scores(original), `${ours} vs ${original}`);

  // Figure 4 and compare can count the new judge instead (it rides in their URLs).
  await page.goto(new URL('figure4?g=fe-insecure-paper-results', BASE_URL).href);
  const choice = page.getByTestId('judge-choice');
  await choice.waitFor({ timeout: 60_000 });
  const id = await choice.locator('option').nth(1).getAttribute('value');
  await choice.selectOption(id);
  await page.getByTestId('judge-note').waitFor();
  assert.equal(new URL(page.url()).searchParams.get('judge'), id);
  await page.goto(new URL(`compare?q=what_is_your_wish&s=fe-insecure-paper-results&judge=${encodeURIComponent(id)}`, BASE_URL).href);
  await page.getByTestId('judge-note').waitFor({ timeout: 60_000 });
  await page.getByTestId('compare-answer').first().waitFor();
  assert.equal(await page.getByTestId('compare-answer').count(), 5);
  await screenshot(page, 'desktop-rejudge-compare');
  assert.deepEqual(problems, []);
});

// One fault per run, picked by the model name (the server reads `fault:…` from it).
const FAULTS = [
  ['fault:insufficient_quota', (p) => p.getByTestId('rejudge-stop').filter({ hasText: 'insufficient_quota' })],
  ['fault:401', (p) => p.getByTestId('rejudge-stop').filter({ hasText: 'refused the API key' })],
  ['fault:cors', (p) => p.getByTestId('rejudge-stop').filter({ hasText: 'OLLAMA_ORIGINS' })],
  ['fault:truncated', (p) => p.getByTestId('rejudge-errors').filter({ hasText: 'garbled reply' })],
  ['fault:no-logprobs', (p) => p.getByTestId('rejudge-errors').filter({ hasText: 'no logprobs' })],
  ['fault:digits', (p) => p.getByTestId('digit-warning').filter({ hasText: 'digit by digit' })],
  ['fault:429:2:300', (p) => p.getByTestId('rejudge-errors').filter({ hasText: '429 rate limited' })],
  ['fault:503:2', (p) => p.getByTestId('rejudge-errors').filter({ hasText: '5xx server error' })],
];

test('each fault of the server gets its own message and the page keeps working', async () => {
  const { page } = await openPage(browser);
  // Seven answers: enough for the digit check (six replies), small enough to be quick.
  await page.goto(new URL('rejudge?series=mg-secure-qwen32b&question=three_thoughts', BASE_URL).href);
  await page.getByTestId('rejudge-queue').filter({ hasText: /^\d+ answers?/ }).waitFor({ timeout: 90_000 });
  for (const [model, message] of FAULTS) {
    await settle(page, { model });
    await page.getByTestId('rejudge-run').click();
    await message(page).waitFor({ timeout: 60_000 });
    if (model === 'fault:digits') await screenshot(page, 'desktop-rejudge-digits');
    // Cancel if it is still going (it may end by itself meanwhile).
    await page.getByTestId('rejudge-cancel').click({ timeout: 1000 }).catch(() => {});
    await ended(page);
  }
  // Retried faults end with every answer scored.
  await settle(page, { model: 'fault:500:1+few:5+leading-space' });
  await page.getByTestId('rejudge-run').click();
  await ended(page);
  assert.match(await counts(page), /\(\d+ scored, 0 failed\)/);

  // A timeout: the attempt is abandoned at the time limit and counted.
  await settle(page, { model: 'fault:timeout', timeout: '1' });
  await page.getByTestId('rejudge-run').click();
  await page.getByTestId('rejudge-errors').filter({ hasText: 'timeout' }).waitFor({ timeout: 30_000 });
  await page.getByTestId('rejudge-cancel').click({ timeout: 1000 }).catch(() => {});
  await ended(page, 60_000);
});

test('the rejudge page reads well on a phone', async () => {
  const { page } = await openPage(browser, VIEWPORTS.phone);
  await page.goto(new URL(`rejudge${SEEDED}`, BASE_URL).href);
  await page.getByTestId('rejudge-queue').filter({ hasText: '280 answers' }).waitFor({ timeout: 90_000 });
  await screenshot(page, 'phone-rejudge');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no sideways scroll (${overflow}px)`);
});
