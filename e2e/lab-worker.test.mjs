// The lab worker (its own wasm, with burn) starts from the app and trains a tiny model on
// the CPU and on WebGPU inside the browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, openPage, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the browser check trains on CPU and WebGPU in the lab worker', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(new URL('about', BASE_URL).href);
  await page.getByTestId('browser-check').click();
  const results = page.locator('[data-testid="check-results"] li');
  await results.nth(1).waitFor({ timeout: 240_000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid="browser-check"]').disabled, null, { timeout: 60_000 });
  const lines = await results.evaluateAll((lis) => lis.map((li) => ({ ok: li.dataset.ok, text: li.textContent })));
  await screenshot(page, 'desktop-browser-check');
  assert.equal(lines.length, 2, JSON.stringify(lines));
  for (const line of lines) assert.equal(line.ok, 'true', line.text);
  assert.match(lines[0].text, /CPU/);
  assert.match(lines[1].text, /WebGPU/);
  assert.deepEqual(problems, []);
  await context.close();
});
