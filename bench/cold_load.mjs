// Cold load to interactive: a fresh browser context (empty cache) per run, from navigation
// start until `ready` (a CSS selector) is in the DOM — Leptos has mounted and, for a Replay
// page, the bundled data is fetched, decoded and drawn. Prints JSON: {"runs_ms": [...]}.
// Usage: node bench/cold_load.mjs URL [RUNS] [READY_SELECTOR]
import { launch } from '../e2e/browser.mjs';

const url = process.argv[2];
const runs = Number(process.argv[3] ?? 10);
const ready = process.argv[4] ?? 'main h1';
const browser = await launch();
const times = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(
    (selector) => document.querySelector(selector) && performance.now(),
    ready,
    { polling: 'raf', timeout: 30_000 },
  );
  times.push(await handle.jsonValue());
  await context.close();
}
await browser.close();
console.log(JSON.stringify({ runs_ms: times }));
