// Times the lab in the real app (headless Chromium, fresh context each run):
// - the default preset on the CPU: click → final chart, and cold page load → final chart;
// - the same preset with its WebGPU (SwiftShader) device: a few steps end to end;
// - the benchmark step (a full 16 × 64 batch, `toy::step_bench`) in the lab worker's wasm,
//   talking to the worker directly in its own protocol.
// Prints one JSON line.
import { launch } from '../e2e/browser.mjs';

const url = process.argv[2];
const runs = Number(process.argv[3] ?? 3);
const browser = await launch();

async function timeLab(query, timeout) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const loadStarted = Date.now();
  await page.goto(new URL(`lab${query}`, url).href);
  await page.getByTestId('lab-run').waitFor();
  const clicked = Date.now();
  await page.getByTestId('lab-run').click();
  await page.getByTestId('lab-done').waitFor({ timeout });
  const done = Date.now();
  const text = await page.getByTestId('lab-done').textContent();
  await context.close();
  return { click_ms: done - clicked, cold_ms: done - loadStarted, text };
}

const cpu = [];
for (let i = 0; i < runs; i++) cpu.push(await timeLab('', 120_000));
const webgpu = await timeLab('?preset=evil-numbers&steps=3&device=webgpu', 600_000);

// The benchmark step in the worker's wasm, through the protocol (JSON strings).
const context = await browser.newContext();
const page = await context.newPage();
await page.goto(url);
const benched = await page.evaluate(async () => {
  const { loader } = await (await fetch('lab-worker.json')).json();
  const worker = new Worker(loader);
  const next = (type) => new Promise((resolve, reject) => {
    worker.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === type) resolve(m);
      else if (m.type === 'failed' || m.type === 'rejected') reject(new Error(e.data));
    };
  });
  await next('ready');
  worker.postMessage(JSON.stringify({ type: 'load', backend: 'flex' }));
  await next('loaded');
  worker.postMessage(JSON.stringify({ type: 'bench_step', steps: 20 }));
  const m = await next('benched_step');
  worker.terminate();
  return m;
});
await context.close();
await browser.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(JSON.stringify({
  runs,
  cpu_click_ms: cpu.map((r) => r.click_ms),
  cpu_cold_ms: cpu.map((r) => r.cold_ms),
  cpu_click_median_ms: median(cpu.map((r) => r.click_ms)),
  cpu_cold_median_ms: median(cpu.map((r) => r.cold_ms)),
  cpu_done: cpu[0].text,
  webgpu_click_ms: webgpu.click_ms,
  webgpu_done: webgpu.text,
  wasm_step_ms: benched.step_millis,
  gflop_per_step: benched.gflop_per_step,
}));
