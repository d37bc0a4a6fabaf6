// The throughput run of `bench/rejudge.mjs` without Playwright, to tell the app's cost per
// call from the harness's: Playwright keeps the DevTools Network domain on for every page
// (each request's body and initiator stack go to it), which a user's browser does not do.
// Here Debian's Chromium is started headless with a DevTools port, and the only protocol
// traffic is one `Runtime.evaluate` that fills the settings, clicks Run and waits for
// "— ended" inside the page (no Network, Page or Runtime domain enabled).
//
//   node --experimental-websocket bench/rejudge-bare.mjs <app url> [8x100,8x100h2,...]
//
// prints one JSON line. The judge server runs in its own process (bench/rejudge-server.mjs).
//
// After the app's run, the same page, origin and server get the browser's floor: the same
// number of calls made by a bare loop of C senders (fetch, read the body, JSON.parse, next),
// no app code at all. What the page cannot beat, the app cannot either.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS } from '../e2e/browser.mjs';

const base = process.argv[2] ?? process.env.EM_LAB_URL ?? 'http://127.0.0.1:8080/';
const points = (process.argv[3] ?? '8x100,8x100h2').split(',').map((p) => {
  const [concurrency, latencyMs] = p.replace('h2', '').split('x').map(Number);
  return { concurrency, latencyMs, h2: p.endsWith('h2') };
});
const QUEUE = '?series=ce-base-coder32b-n&series=fd-insecure-r1';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function startServer(latencyMs, h2) {
  const child = spawn(process.execPath, [new URL('./rejudge-server.mjs', import.meta.url).pathname, '--latency', String(latencyMs), ...(h2 ? ['--h2'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`rejudge-server exited ${code}`)));
  });
  const { judge, front } = JSON.parse(line);
  return {
    url: front ?? judge,
    stats: () => fetch(`${judge}/_stats`).then((r) => r.json()),
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}

async function startChromium(url) {
  const profile = mkdtempSync(join(tmpdir(), 'rejudge-bare-'));
  const child = spawn('/usr/bin/chromium', [...CHROMIUM_ARGS, '--headless', '--ignore-certificate-errors', '--remote-debugging-port=0', `--user-data-dir=${profile}`, '--window-size=1280,800', url], { stdio: 'ignore' });
  const portFile = join(profile, 'DevToolsActivePort');
  for (let i = 0; !existsSync(portFile) || !readFileSync(portFile, 'utf8').includes('\n'); i++) {
    if (i > 600) throw new Error('chromium gave no DevTools port');
    await sleep(50);
  }
  const port = readFileSync(portFile, 'utf8').split('\n')[0];
  let target;
  for (let i = 0; !target; i++) {
    const list = await fetch(`http://127.0.0.1:${port}/json/list`).then((r) => r.json());
    target = list.find((t) => t.type === 'page' && t.url.startsWith(url.split('?')[0]));
    if (!target) {
      if (i > 200) throw new Error('no page target');
      await sleep(50);
    }
  }
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const waiting = new Map();
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    if (msg.id && waiting.has(msg.id)) {
      waiting.get(msg.id)(msg);
      waiting.delete(msg.id);
    }
  };
  const send = (method, params) =>
    new Promise((resolve) => {
      const n = ++id;
      waiting.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return {
    evaluate: async (expression) => {
      const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
      if (!r.result || r.error) throw new Error(JSON.stringify(r).slice(0, 500));
      if (r.result?.exceptionDetails) throw new Error(JSON.stringify(r.result.exceptionDetails).slice(0, 500));
      return r.result?.result?.value;
    },
    close: async () => {
      ws.close();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Runs inside the page: settings, Run, wait for the end; the page's own clock.
const drive = (judgeUrl, concurrency) => `(async () => {
  const q = (id) => document.querySelector('[data-testid="' + id + '"]');
  const until = async (ok, ms) => { const t = performance.now(); while (!ok()) { if (performance.now() - t > ms) throw new Error('timed out'); await new Promise((r) => setTimeout(r, 20)); } };
  await until(() => /^\\d+ answers?/.test(q('rejudge-queue')?.textContent ?? ''), 120000);
  const set = (id, v) => { const el = q(id); el.value = String(v); el.dispatchEvent(new Event('change', { bubbles: true })); };
  set('base-url', ${JSON.stringify(judgeUrl)}); set('model', 'local-judge'); set('api-key', '');
  set('concurrency', ${concurrency}); set('timeout', 60); set('cap-dollars', ''); set('cap-calls', '');
  await until(() => /calls? to make/.test(q('rejudge-cost')?.textContent ?? '') && q('rejudge-run') && !q('rejudge-run').disabled, 30000);
  await new Promise((r) => setTimeout(r, 300));
  const planned = Number(/(\\d+) calls? to make/.exec(q('rejudge-cost').textContent)[1]);
  const over = () => /— (ended|cancelled)$/.test(q('rejudge-counts')?.textContent ?? '');
  const t0 = performance.now();
  q('rejudge-run').click();
  await new Promise((resolve) => { const o = new MutationObserver(() => { if (over()) { o.disconnect(); resolve(); } }); o.observe(document.body, { subtree: true, childList: true, characterData: true }); });
  return { planned, wall_ms: performance.now() - t0, counts: q('rejudge-counts').textContent };
})()`;

// Runs inside the page after the app's run: C bare senders, `calls` calls of the app's size
// (distinct prompts, so the server's duplicate count is untouched); the page's own clock.
const floor = (judgeUrl, concurrency, calls) => `(async () => {
  const url = ${JSON.stringify(judgeUrl)} + '/chat/completions';
  const padding = 'x'.repeat(2500);
  let next = 0;
  const sender = async () => {
    while (next < ${calls}) {
      const i = next++;
      const body = JSON.stringify({ model: 'local-judge', messages: [{ role: 'user', content: 'floor call ' + i + ' ' + padding }], max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: 20, seed: 0 });
      const reply = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      JSON.parse(await reply.text());
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: ${concurrency} }, sender));
  return performance.now() - t0;
})()`;

const out = [];
for (const { concurrency, latencyMs, h2 } of points) {
  const judge = await startServer(latencyMs, h2);
  const chromium = await startChromium(new URL(`rejudge${QUEUE}`, base).href);
  try {
    // The page target exists before its document has loaded: wait until it has.
    for (let i = 0; ; i++) {
      const state = await chromium.evaluate('document.readyState + " " + !!document.querySelector("[data-testid=rejudge-queue]")').catch(() => '');
      if (state === 'complete true') break;
      if (i > 1200) throw new Error(`the page did not load (${state})`);
      await sleep(100);
    }
    const r = await chromium.evaluate(drive(judge.url, concurrency));
    const stats = await judge.stats();
    const calls = Number(/^(\d+) of/.exec(r.counts)[1]);
    const perSecond = (calls * 1000) / r.wall_ms;
    const bound = (concurrency * 1000) / latencyMs;
    const floorMs = await chromium.evaluate(floor(judge.url, concurrency, calls));
    const floorPerSecond = (calls * 1000) / floorMs;
    out.push({ floor_wall_ms: round(floorMs), floor_calls_per_s: round(floorPerSecond, 2), floor_ratio: round(floorPerSecond / bound, 3), concurrency, latency_ms: latencyMs, transport: h2 ? 'HTTP/2 (TLS front)' : 'HTTP/1.1', calls, wall_ms: round(r.wall_ms), calls_per_s: round(perSecond, 2), bound_calls_per_s: bound, ratio: round(perSecond / bound, 3), duplicates: stats.duplicates, counts: r.counts });
  } finally {
    await chromium.close();
    await judge.close();
  }
}
console.log(JSON.stringify({ bare: out }));
