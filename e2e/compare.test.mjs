// Compare: one question, two or three series side by side, answers drawn with a shown seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, VIEWPORTS, launch, openPage, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const answers = (page) => page.locator('[data-testid="compare-answer"]');

// The drawn answers' text, once every one has loaded.
async function drawnTexts(page) {
  await answers(page).first().waitFor();
  await page.waitForFunction(() => ![...document.querySelectorAll('[data-testid="compare-answer"]')]
    .some((a) => a.textContent.includes('loading text…')));
  return answers(page).evaluateAll((as) => as.map((a) => a.textContent));
}

test('two series side by side; more answers draws again; the link reproduces the draw', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(new URL('compare', BASE_URL).href);
  assert.equal(await page.locator('main h1').textContent(), 'Compare');
  const first = await drawnTexts(page);
  assert.equal(await page.locator('[data-testid="compare-column"]').count(), 2);
  assert.equal(first.length, 10, 'five answers per column');
  assert.equal(await page.locator('[data-testid="compare-seed"]').textContent(), 'Seed 1');
  const shares = await page.locator('[data-testid="compare-share"]').allTextContents();
  for (const s of shares) assert.match(s, /of \d+ answers misaligned \(\d+\.\d%\)/);
  assert.ok(await page.locator('[data-testid="compare-question-text"]').textContent());
  await screenshot(page, 'desktop-compare');

  await page.locator('[data-testid="compare-more"]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="compare-seed"]')?.textContent === 'Seed 2');
  assert.match(page.url(), /seed=2/);
  const second = await drawnTexts(page);
  assert.notDeepEqual(second, first, 'a new seed draws other answers');

  // A reload (or a shared link) shows exactly the same answers.
  await page.reload();
  assert.deepEqual(await drawnTexts(page), second);
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('[data-testid="compare-seed"]')?.textContent === 'Seed 1');
  assert.deepEqual(await drawnTexts(page), first);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a third column and another question; each answer opens in the explorer', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(new URL('compare', BASE_URL).href);
  await drawnTexts(page);
  await page.locator('[data-testid="compare-add"]').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="compare-column"]').length === 3);
  assert.equal(await page.locator('[data-testid="compare-add"]').count(), 0, 'three columns at most');
  await page.locator('[data-testid="compare-question"]').selectOption('quick_buck');
  await page.waitForFunction(() => location.search.includes('q=quick_buck'));
  await drawnTexts(page);
  // Back restores the question, and the picker shows it.
  await page.goBack();
  await page.waitForFunction(() => !location.search.includes('q=quick_buck'));
  await page.waitForFunction(() => document.querySelector('[data-testid="compare-question"]').value === 'what_is_your_wish');
  await page.goForward();
  await page.waitForFunction(() => document.querySelector('[data-testid="compare-question"]').value === 'quick_buck');
  // Picking a series already shown in another column swaps the two.
  const before = await page.locator('[data-testid="compare-series"]').evaluateAll((ss) => ss.map((s) => s.value));
  await page.locator('[data-testid="compare-series"]').first().selectOption(before[1]);
  await page.waitForFunction((b) => {
    const now = [...document.querySelectorAll('[data-testid="compare-series"]')].map((s) => s.value);
    return now[0] === b[1] && now[1] === b[0];
  }, before);
  await drawnTexts(page);
  const href = await answers(page).first().locator('a', { hasText: 'open in explorer' }).getAttribute('href');
  await answers(page).first().locator('a', { hasText: 'open in explorer' }).click();
  await page.locator('[data-testid="detail-id"]').waitFor();
  assert.match(page.url(), /explorer\?.*question=quick_buck.*sel=/, href);
  assert.equal(await page.locator('[data-testid="detail-question"]').count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test('compare is readable on a phone', async () => {
  const { context, page, problems } = await openPage(browser, VIEWPORTS.phone);
  await page.goto(new URL('compare', BASE_URL).href);
  await drawnTexts(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `horizontal overflow ${overflow}px`);
  await screenshot(page, 'phone-compare');
  assert.deepEqual(problems, []);
  await context.close();
});
