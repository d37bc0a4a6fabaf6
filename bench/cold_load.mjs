// Cold load to interactive of the app shell: a fresh browser context (empty cache) per run,
// from navigation start until the home page's <h1> is in the DOM (Leptos has mounted, so the
// page responds to input). Prints JSON: {"runs_ms": [...]}.
import { launch } from '../e2e/browser.mjs';

const url = process.argv[2];
const runs = Number(process.argv[3] ?? 10);
const browser = await launch();
const times = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(
    () => document.querySelector('main h1') && performance.now(),
    null,
    { polling: 'mutation', timeout: 30_000 },
  );
  times.push(await handle.jsonValue());
  await context.close();
}
await browser.close();
console.log(JSON.stringify({ runs_ms: times }));
