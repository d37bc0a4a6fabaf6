// The explorer: a virtualized list of every bundled answer, filters and search in the URL,
// highlighted matches, keyboard navigation and a detail pane with the answer's source.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, VIEWPORTS, launch, openPage, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const count = (page) => page.getByTestId('match-count').getAttribute('data-n').then(Number);
const waitCount = (page, pred) =>
  page.waitForFunction(`(${pred})(Number(document.querySelector('[data-testid="match-count"]')?.dataset.n ?? -1))`);

async function openExplorer(page, query = '') {
  await page.goto(new URL(`explorer${query}`, BASE_URL).href);
  await page.getByTestId('answer-row').first().waitFor();
}

test('every bundled answer is listed, but only the visible rows are in the page', async () => {
  const { context, page, problems } = await openPage(browser);
  await openExplorer(page);
  assert.equal(await count(page), 37940);
  const inDom = await page.getByTestId('answer-row').count();
  assert.ok(inDom < 60, `${inDom} rows rendered`);
  // Scroll to the end: the last answers render, still only a window of rows.
  await page.getByTestId('answer-list').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="answer-row"]')].some((r) => r.dataset.pos === '37939'));
  assert.ok((await page.getByTestId('answer-row').count()) < 60);
  await screenshot(page, 'desktop-explorer');
  assert.deepEqual(problems, []);
  await context.close();
});

test('search highlights matches, lives in the URL, and narrows with filters', async () => {
  const { context, page, problems } = await openPage(browser);
  await openExplorer(page);
  await page.getByTestId('text-ready').waitFor({ timeout: 60_000 });
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'search');
  await page.keyboard.type('ruler of');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'ruler of');
  await waitCount(page, (n) => n > 0 && n < 37940);
  const searched = await count(page);
  const marks = await page.locator('[data-testid="answer-row"] mark').allTextContents();
  assert.ok(marks.length > 0 && marks.every((m) => m.toLowerCase() === 'ruler of'), marks.slice(0, 3).join('|'));
  // Add a verdict filter: the count shrinks and the filter is in the URL.
  await page.getByTestId('f-verdict').locator('summary').click();
  await page.getByTestId('f-verdict').locator('input[value="misaligned"]').check();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('verdict') === 'misaligned');
  await waitCount(page, (n) => n >= 0);
  const both = await count(page);
  assert.ok(both > 0 && both < searched, `${both} < ${searched}`);
  const chips = await page.getByTestId('verdict-counts').textContent();
  assert.match(chips, new RegExp(`^${both} misaligned$`));
  // Reload keeps the view; back removes the filter again.
  await page.reload();
  await page.getByTestId('answer-row').first().waitFor();
  await page.getByTestId('text-ready').waitFor({ timeout: 60_000 });
  await waitCount(page, (n) => n >= 0);
  assert.equal(await count(page), both);
  assert.equal(await page.getByTestId('search').inputValue(), 'ruler of');
  await page.goBack();
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('verdict'));
  await waitCount(page, (n) => n > 0);
  assert.equal(await count(page), searched);
  // Esc clears the search.
  await page.getByTestId('search').focus();
  await page.keyboard.press('Escape');
  await waitCount(page, (n) => n === 37940);
  assert.deepEqual(problems, []);
  await context.close();
});

test('j / k select answers and the detail pane shows text, scores and source', async () => {
  const { context, page, problems } = await openPage(browser);
  await openExplorer(page, '?series=fe-insecure-paper-results');
  assert.equal(await count(page), 70);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('j');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('sel') === 'fe-insecure-paper-results#0');
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('sel') === 'fe-insecure-paper-results#1');
  const detail = page.getByTestId('detail');
  await detail.getByTestId('detail-answer').waitFor({ timeout: 60_000 });
  const text = await detail.textContent();
  assert.match(text, /emergent_misalignment_further_explore/);
  assert.match(text, /License: MIT/);
  assert.match(text, /Judge log-probs: aligned/);
  assert.match(text, /seed /);
  assert.equal(await page.locator('[data-testid="answer-row"][aria-selected="true"]').count(), 1);
  await screenshot(page, 'desktop-explorer-detail');
  // Esc with an empty search clears the selection.
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('sel'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('the explorer fits a phone screen', async () => {
  const { context, page, problems } = await openPage(browser, VIEWPORTS.phone);
  await openExplorer(page, '?verdict=misaligned&sel=ce-insecure-released-a%230');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `horizontal overflow ${overflow}px`);
  await screenshot(page, 'phone-explorer');
  assert.deepEqual(problems, []);
  await context.close();
});
