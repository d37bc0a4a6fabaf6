// Times the lab worker's tiny burn training in the real app (About → "Check this browser"):
// Flex CPU and WebGPU (SwiftShader here). Prints JSON lines: {"label", "ok", "millis"}.
import { launch } from '../e2e/browser.mjs';

const url = process.argv[2];
const browser = await launch();
const page = await (await browser.newContext()).newPage();
await page.goto(new URL('about', url).href);
await page.getByTestId('browser-check').click();
await page.locator('[data-testid="check-results"] li').nth(1).waitFor({ timeout: 300_000 });
const lines = await page
  .locator('[data-testid="check-results"] li')
  .evaluateAll((lis) => lis.map((li) => ({ label: li.dataset.label, ok: li.dataset.ok === 'true', millis: Number(li.dataset.millis) })));
await browser.close();
console.log(JSON.stringify({ results: lines }));
