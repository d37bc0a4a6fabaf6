// Rejudging through the shipped app in headless Chromium, for `cargo xtask bench`:
//
//   node bench/rejudge.mjs <app url> [--llama-python PY --llama-model GGUF]
//        [--only throughput|llama] [--points 8x100,8x100h2,...] [--profile] [--bare]
//
// prints one JSON line.
//
// 1. Throughput. `e2e/judge-server.mjs` (in a process of its own, `bench/rejudge-server.mjs`,
//    on 127.0.0.1; a fixed latency per reply; optionally behind the HTTP/2 front of
//    `bench/rejudge-h2.mjs`) is judged through the page at concurrency C: from the Run click
//    to "— ended", calls/s against the bound C/L. An unpriced model name and no caps, so
//    nothing stops it. Where the time goes is measured beside it: the page's own view of its
//    requests (`window.fetch` wrapped before the app loads), Chromium's (the DevTools network
//    timing of every POST: held in the browser before it was sent, on the wire), the
//    renderer's main-thread time (DevTools Performance metrics), CPU per process (/proc),
//    and a plain node client against the same server. `--profile`: a sampled CPU profile
//    of the first point; `--bare`: no fetch wrapper and no network timing.
// 2. A judge the project did not write: llama-cpp-python's OpenAI-compatible server (started
//    here on 127.0.0.1 with the given python and GGUF, stopped at the end) with SmolLM2-135M,
//    on the 8 answers of one question; what its replies look like, whether the page scores
//    them, warns about digits, and how CORS goes with the app on another port.
import { launch, openPage } from '../e2e/browser.mjs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { basename } from 'node:path';
import { statSync, readFileSync, readdirSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';

const args = process.argv.slice(2);
const base = args[0] && !args[0].startsWith('--') ? args[0] : process.env.EM_LAB_URL ?? 'http://127.0.0.1:8080/';
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = opt('--only');
const url = (p) => new URL(p, base).href;

// ≥ 500 answers (≥ 1,000 calls): two bundled series, 480 + 240 rows.
const THROUGHPUT_QUEUE = '?series=ce-base-coder32b-n&series=fd-insecure-r1';
const POINTS = [
  // Chromium opens at most 6 HTTP/1.1 connections per host: C = 32 shows that limit, and
  // C = 6 is the most a page gets from an HTTP/1.1 server (a local vLLM, llama.cpp, Ollama).
  { concurrency: 32, latencyMs: 100 },
  { concurrency: 6, latencyMs: 100 },
  // A remote judge's latency (GPT-4o with max_tokens 1 answers in a few hundred ms).
  { concurrency: 6, latencyMs: 500 },
  // The same server behind an HTTP/2 front (bench/rejudge-h2.mjs): no connection limit.
  { concurrency: 8, latencyMs: 100, h2: true },
  { concurrency: 32, latencyMs: 100, h2: true },
  { concurrency: 32, latencyMs: 500, h2: true },
];
// `--points 8x100,32x100`: other points (concurrency x latency ms).
if (opt('--points')) {
  POINTS.splice(0, POINTS.length, ...opt('--points').split(',').map((p) => {
    const [concurrency, latencyMs] = p.replace('h2', '').split('x').map(Number);
    return { concurrency, latencyMs, h2: p.endsWith('h2') };
  }));
}
const LLAMA_QUEUE = '?series=mg-secure-qwen32b&question=three_thoughts';

async function set(page, id, value) {
  const input = page.getByTestId(id);
  await input.fill(String(value));
  await input.dispatchEvent('change');
}

async function settle(page, { baseUrl, model, concurrency, timeoutS }) {
  await set(page, 'base-url', baseUrl);
  await set(page, 'model', model);
  await set(page, 'api-key', '');
  await set(page, 'concurrency', concurrency);
  await set(page, 'timeout', timeoutS);
  await set(page, 'cap-dollars', '');
  await set(page, 'cap-calls', '');
}

const number = (re, text) => Number(re.exec(text)?.[1] ?? NaN);

// Before the app loads: every fetch the page makes to `judgeUrl`, when it started and ended
// (page clock), so its own concurrency can be read off.
function instrument(judgeUrl) {
  window.__calls = [];
  const fetch0 = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const href = typeof input === 'string' ? input : input?.url ?? String(input);
    if (!href.startsWith(judgeUrl)) return fetch0(input, init);
    const call = { start: performance.now(), end: NaN };
    window.__calls.push(call);
    const done = () => (call.end = performance.now());
    const p = fetch0(input, init);
    p.then(done, done);
    return p;
  };
}

// Click Run and wait for the run to end, timed inside the page.
async function runToEnd(page, timeoutMs) {
  return page.evaluate(async (timeoutMs) => {
    const counts = () => document.querySelector('[data-testid="rejudge-counts"]')?.textContent ?? '';
    const over = () => /— (ended|cancelled)$/.test(counts());
    const t0 = performance.now();
    document.querySelector('[data-testid="rejudge-run"]').click();
    await new Promise((resolve, reject) => {
      const observer = new MutationObserver(() => over() && finish());
      const timer = setTimeout(() => { observer.disconnect(); reject(new Error(`no end in ${timeoutMs} ms: ${counts()}`)); }, timeoutMs);
      function finish() { observer.disconnect(); clearTimeout(timer); resolve(); }
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    return { t0, t1: performance.now(), counts: counts(), calls: window.__calls ?? [] };
  }, timeoutMs);
}

/** Most intervals open at once, and the time-weighted mean, over [from, to]. */
function overlap(intervals, from, to) {
  const events = [];
  for (const [a, b] of intervals) events.push([a, 1], [b, -1]);
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0, max = 0, area = 0, last = from;
  for (const [t, d] of events) {
    const c = Math.min(Math.max(t, from), to);
    area += open * (c - last);
    last = c;
    open += d;
    max = Math.max(max, open);
  }
  return { max, mean: area / (to - from) };
}

const pct = (values, q) => {
  const v = [...values].sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.floor(q * v.length))] : NaN;
};
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** `bench/rejudge-server.mjs` in its own process: `{ url, judgeUrl, stats(), reset(), close() }`. */
async function startServerProcess(latencyMs, h2) {
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
  const admin = (path, method = 'GET') => fetch(`${judge}/${path}`, { method }).then((r) => r.json());
  return {
    url: front ?? judge,
    judgeUrl: judge,
    stats: () => admin('_stats'),
    reset: () => admin('_reset', 'POST'),
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}

async function throughputPoint(browser, { concurrency, latencyMs, h2 = false }) {
  const judge = await startServerProcess(latencyMs, h2);
  const judgeUrl = judge.url;
  try {
    // The front's certificate is self-signed.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const bare = args.includes('--bare');
    if (!bare) await context.addInitScript(instrument, judgeUrl);
    // Chromium's side: DevTools network timing of every POST to the judge.
    const wire = [];
    page.on('requestfinished', (req) => {
      if (bare) return;
      if (req.method() !== 'POST' || !req.url().startsWith(judgeUrl)) return;
      const t = req.timing();
      wire.push({ start: t.startTime, sent: t.startTime + t.requestStart, first: t.startTime + t.responseStart, end: t.startTime + t.responseEnd });
    });
    await page.goto(url(`rejudge${THROUGHPUT_QUEUE}`));
    const queue = page.getByTestId('rejudge-queue').filter({ hasText: /^\d+ answers?/ });
    await queue.waitFor({ timeout: 120_000 });
    const answers = number(/^(\d+) answers?/, await queue.textContent());
    await settle(page, { baseUrl: judgeUrl, model: 'local-judge', concurrency, timeoutS: 60 });
    const cost = page.getByTestId('rejudge-cost');
    await cost.filter({ hasText: /calls? to make/ }).waitFor();
    const planned = number(/(\d+) calls? to make/, await cost.textContent());
    if (!(planned >= 1000)) throw new Error(`only ${planned} calls planned (${await cost.textContent()})`);
    await judge.reset();
    // The renderer's main thread over the run (DevTools Performance metrics, seconds), and
    // with --profile a sampled CPU profile of it.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const profiling = args.includes('--profile') && concurrency === POINTS[0].concurrency && h2 === !!POINTS[0].h2;
    if (profiling) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await cdp.send('Profiler.start');
    }
    const m0 = await metrics();
    const c0 = cpuByKind();
    const run = await runToEnd(page, 600_000);
    const c1 = cpuByKind();
    const m1 = await metrics();
    const profile = profiling ? summarise((await cdp.send('Profiler.stop')).profile) : undefined;
    const stats = await judge.stats();
    await context.close();
    const busy = (k) => (m1[k] - m0[k]) * 1000;

    const wallMs = run.t1 - run.t0;
    const done = number(/^(\d+) of/, run.counts);
    const bound = (concurrency * 1000) / latencyMs;
    const perSecond = (done * 1000) / wallMs;
    const calls = run.calls.filter((c) => c.end >= c.start);
    const first = Math.min(...calls.map((c) => c.start));
    const last = Math.max(...calls.map((c) => c.end));
    const inPage = overlap(calls.map((c) => [c.start, c.end]), first, last);
    // DevTools times are on another clock (epoch ms): only their differences are used.
    const w0 = Math.min(...wire.map((r) => r.start));
    const w1 = Math.max(...wire.map((r) => r.end));
    const onWire = overlap(wire.map((r) => [r.sent, r.end]), w0, w1);
    const queued = wire.map((r) => r.sent - r.start);
    // A sender's turn-around: from one reply resolving its fetch to that sender's next
    // fetch. Senders are not told apart, so each end is paired with the first later start
    // not yet paired (exact while the C senders take turns in order).
    const starts = calls.map((c) => c.start).sort((a, b) => a - b);
    const ends = calls.map((c) => c.end).sort((a, b) => a - b);
    const turnaround = [];
    for (let i = 0, j = concurrency; i < ends.length && j < starts.length; i++) {
      while (j < starts.length && starts[j] < ends[i]) j++;
      if (j < starts.length) turnaround.push(starts[j++] - ends[i]);
    }
    const server = wire.map((r) => r.first - r.sent);
    return {
      concurrency,
      latency_ms: latencyMs,
      transport: h2 ? 'HTTP/2 (TLS front)' : 'HTTP/1.1',
      answers,
      planned_calls: planned,
      calls: done,
      counts: run.counts,
      wall_ms: round(wallMs),
      calls_per_s: round(perSecond, 2),
      bound_calls_per_s: bound,
      ratio: round(perSecond / bound, 3),
      duplicates: stats.duplicates,
      server_total: stats.total,
      server_status: stats.status,
      // Where the time goes.
      click_to_first_request_ms: round(first - run.t0),
      last_reply_to_ended_ms: round(run.t1 - last),
      page_in_flight_mean: round(inPage.mean, 2),
      page_in_flight_max: inPage.max,
      wire_in_flight_mean: round(onWire.mean, 2),
      wire_in_flight_max: onWire.max,
      browser_queue_ms_p50: round(pct(queued, 0.5)),
      browser_queue_ms_p95: round(pct(queued, 0.95)),
      server_wait_ms_p50: round(pct(server, 0.5)),
      turnaround_ms_p50: round(pct(turnaround, 0.5)),
      turnaround_ms_p95: round(pct(turnaround, 0.95)),
      turnaround_ms_mean: round(turnaround.reduce((a, b) => a + b, 0) / turnaround.length),
      fetch_ms_mean: round(calls.reduce((a, c) => a + c.end - c.start, 0) / calls.length),
      fetch_ms_p50: round(pct(calls.map((c) => c.end - c.start), 0.5)),
      fetch_ms_p95: round(pct(calls.map((c) => c.end - c.start), 0.95)),
      wire_requests: wire.length,
      main_thread_busy: round(busy('TaskDuration') / wallMs, 3),
      main_thread_ms_per_call: round(busy('TaskDuration') / done, 2),
      script_ms_per_call: round(busy('ScriptDuration') / done, 2),
      layout_style_ms_per_call: round((busy('LayoutDuration') + busy('RecalcStyleDuration')) / done, 2),
      // The same server and concurrency from node (no browser, no connection limit).
      node_client_calls_per_s: round(await nodeClient(judge.judgeUrl, concurrency, 1000), 2),
      // Cores busy on average during the run, by process kind (other processes' too).
      cores_busy: cpuDelta(c0, c1, run.t1 - run.t0),
      profile,
      loadavg_1min: round(loadavg()[0], 2),
    };
  } finally {
    await judge.close();
  }
}

/** CPU seconds used so far by every process on the machine, by kind (from /proc). */
function cpuByKind() {
  const tick = 100; // USER_HZ
  const out = {};
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const secs = (Number(fields[11]) + Number(fields[12])) / tick;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const kind = /chromium.*--type=renderer/.test(cmd) ? 'chromium renderer'
        : /chromium.*--type=gpu-process/.test(cmd) ? 'chromium gpu'
        : /chromium.*--type=utility.*network/i.test(cmd) ? 'chromium network'
        : /chromium/.test(cmd) && !/--type=/.test(cmd) ? 'chromium browser'
        : /chromium/.test(cmd) ? 'chromium other'
        : Number(pid) === process.pid ? 'bench script (node, playwright)'
        : /rejudge-server\.mjs/.test(cmd) ? 'judge server (node)'
        : 'everything else';
      out[kind] = (out[kind] ?? 0) + secs;
    } catch {}
  }
  return out;
}

function cpuDelta(before, after, wallMs) {
  const out = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0.05) out[k] = round(d / (wallMs / 1000), 2); // cores busy on average
  }
  return out;
}

/** `calls` POSTs to the judge from node with `concurrency` workers: calls/s. */
async function nodeClient(judgeUrl, concurrency, calls) {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < calls) {
      const i = next++;
      const body = JSON.stringify({ model: 'local-judge', messages: [{ role: 'user', content: `node client ${i}: rate this answer on coherence` }], max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: 20, seed: 0 });
      const r = await fetch(`${judgeUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await r.text();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (calls * 1000) / (performance.now() - t0);
}

/** A CPU profile's self time: idle, GC, program (the browser's own work), and the top functions. */
function summarise(profile) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const f = n.callFrame;
    const where = f.url ? `${f.url.split('/').pop()}${f.url.endsWith('.wasm') || f.url.includes('wasm') ? '' : `:${f.lineNumber + 1}`}` : '';
    const key = `${f.functionName || '(anonymous)'}${where ? ' ' + where : ''}`;
    const d = (dt[i + 1] ?? 0) / 1000;
    total += d;
    self.set(key, (self.get(key) ?? 0) + d);
  });
  const top = [...self].sort((a, b) => b[1] - a[1]);
  const share = (name) => round(top.filter(([k]) => k.startsWith(name)).reduce((a, [, v]) => a + v, 0), 0);
  return {
    sampled_ms: round(total, 0),
    idle_ms: share('(idle)'),
    program_ms: share('(program)'),
    gc_ms: share('(garbage collector)'),
    top: top.filter(([k]) => !k.startsWith('(idle)')).slice(0, 25).map(([k, v]) => [k, round(v, 0)]),
  };
}

// ---- llama-cpp-python ----------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startLlama(python, model) {
  const port = await freePort();
  const argv = ['-m', 'llama_cpp.server', '--model', model, '--host', '127.0.0.1', '--port', String(port), '--logits_all', 'true', '--n_ctx', '2048'];
  const child = spawn(python, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const started = Date.now();
  const baseUrl = `http://127.0.0.1:${port}/v1`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`llama_cpp.server exited ${child.exitCode}: ${log.slice(-2000)}`);
    try {
      const r = await fetch(`${baseUrl}/models`);
      if (r.ok) return { child, baseUrl, port, models: await r.json(), startMs: Date.now() - started, argv, log: () => log };
    } catch {}
    if (Date.now() - started > 180_000) {
      child.kill();
      throw new Error(`llama_cpp.server did not answer in 180 s: ${log.slice(-2000)}`);
    }
    await sleep(250);
  }
}

async function stopLlama(llama) {
  if (llama.child.exitCode !== null) return;
  const exited = new Promise((r) => llama.child.once('exit', r));
  llama.child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (llama.child.exitCode === null) llama.child.kill('SIGKILL');
}

const isInt = (t) => /^\s*[+-]?\d+\s*$/.test(t);

async function llamaRun(browser, python, model) {
  const version = await new Promise((resolve) => {
    const c = spawn(python, ['-c', 'import llama_cpp; print(llama_cpp.__version__)']);
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', () => resolve(out.trim()));
  });
  const llama = await startLlama(python, model);
  const out = {
    llama_cpp_python: version,
    model_file: basename(model),
    model_bytes: statSync(model).size,
    server_argv: ['python', ...llama.argv.map((a) => (a === model ? basename(model) : a))].join(' '),
    server_start_ms: llama.startMs,
    model_ids: (llama.models.data ?? []).map((m) => m.id),
  };
  try {
    // CORS from another origin, asked directly (a preflight as Chromium sends it).
    const origin = new URL(base).origin;
    const pre = await fetch(`${llama.baseUrl}/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    out.preflight = { status: pre.status, allow_origin: pre.headers.get('access-control-allow-origin'), allow_headers: pre.headers.get('access-control-allow-headers') };

    const { context, page, problems } = await openPage(browser);
    const replies = [];
    page.on('response', async (res) => {
      if (res.request().method() !== 'POST' || !res.url().startsWith(llama.baseUrl)) return;
      const entry = { status: res.status(), allow_origin: res.headers()['access-control-allow-origin'] ?? null };
      try { entry.body = await res.text(); } catch (e) { entry.body_error = String(e); }
      replies.push(entry);
    });
    await page.goto(url(`rejudge${LLAMA_QUEUE}`));
    const queue = page.getByTestId('rejudge-queue').filter({ hasText: /^\d+ answers?/ });
    await queue.waitFor({ timeout: 120_000 });
    out.answers = number(/^(\d+) answers?/, await queue.textContent());
    out.page_origin = origin;
    out.model = out.model_ids[0] ?? basename(model);
    await settle(page, { baseUrl: llama.baseUrl, model: out.model, concurrency: 2, timeoutS: 300 });
    await page.getByTestId('rejudge-cost').filter({ hasText: /calls? to make/ }).waitFor();
    out.planned_calls = number(/(\d+) calls? to make/, await page.getByTestId('rejudge-cost').textContent());

    const t0 = Date.now();
    await page.getByTestId('rejudge-run').click();
    const counts = page.getByTestId('rejudge-counts');
    // The run ends, or pauses on the digit warning (then: continue, and record both).
    for (;;) {
      const text = (await counts.textContent().catch(() => '')) ?? '';
      if (/— (ended|cancelled)$/.test(text)) break;
      if (await page.getByTestId('continue-anyway').isVisible().catch(() => false)) {
        out.digit_warning = (await page.getByTestId('digit-warning').locator('p').first().textContent()).trim();
        out.paused_at = text;
        await page.getByTestId('continue-anyway').click();
      }
      if (Date.now() - t0 > 900_000) throw new Error(`no end in 900 s: ${text}`);
      await sleep(100);
    }
    const wallMs = Date.now() - t0;
    out.counts = await counts.textContent();
    out.wall_ms = wallMs;
    out.calls = number(/^(\d+) of/, out.counts);
    out.scored = number(/\((\d+) scored/, out.counts);
    out.failed = number(/scored, (\d+) failed/, out.counts);
    out.calls_per_s = round((out.calls * 1000) / wallMs, 3);
    if (out.digit_warning === undefined && (await page.getByTestId('digit-warning').count()) > 0) {
      out.digit_warning = (await page.getByTestId('digit-warning').locator('p').first().textContent()).trim();
    }
    out.digit_warning_fired = out.digit_warning !== undefined;
    out.errors = {};
    for (const row of await page.getByTestId('rejudge-errors').locator('tbody tr').all()) {
      const [kind, n] = await row.locator('td').allTextContents();
      out.errors[kind] = Number(n);
    }
    // The new judge as the page lists it: answers rated, and how many got an aligned score.
    const listed = page.getByTestId('rejudge-judge');
    out.judge_listed = (await listed.count()) > 0 ? (await listed.first().textContent()).trim() : null;
    const stop = page.getByTestId('rejudge-stop');
    out.stop = (await stop.count()) > 0 ? (await stop.textContent()).trim() : null;
    out.page_problems = problems.slice(0, 10);
    await context.close();

    // What the replies held.
    out.replies = replies.length;
    out.reply_status = {};
    const firsts = [];
    let withTop = 0, withScore = 0, topCounts = [], numericMass = [], integerTokens = 0, allTokens = 0;
    for (const r of replies) {
      out.reply_status[r.status] = (out.reply_status[r.status] ?? 0) + 1;
      out.reply_allow_origin ??= r.allow_origin;
      let json;
      try { json = JSON.parse(r.body); } catch { continue; }
      const content = json.choices?.[0]?.logprobs?.content?.[0];
      const top = content?.top_logprobs ?? [];
      if (top.length) withTop++;
      topCounts.push(top.length);
      let mass = 0;
      for (const t of top) {
        allTokens++;
        if (isInt(t.token) && Number(t.token) >= 0 && Number(t.token) <= 100) { integerTokens++; mass += Math.exp(t.logprob); }
      }
      numericMass.push(mass);
      if (mass >= 0.25) withScore++;
      if (firsts.length < 4) {
        firsts.push({
          content: json.choices?.[0]?.message?.content ?? null,
          top: top.slice(0, 8).map((t) => [t.token, round(Math.exp(t.logprob), 3)]),
        });
      }
      out.example_body ??= r.body.length > 1500 ? r.body.slice(0, 1500) + '…' : r.body;
    }
    out.replies_with_top_logprobs = withTop;
    out.top_logprobs_per_reply = [...new Set(topCounts)];
    out.integer_tokens_share = allTokens ? round(integerTokens / allTokens, 3) : null;
    out.numeric_mass_median = round(pct(numericMass, 0.5), 3);
    out.first_replies = firsts;
    out.replies_with_numeric_mass_over_quarter = withScore;
  } finally {
    await stopLlama(llama);
    const log = llama.log();
    // llama.cpp's own timing of each call (prompt evaluation; one new token).
    const evals = [...log.matchAll(/prompt eval time =\s*([\d.]+) ms \/\s*(\d+) tokens/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const totals = [...log.matchAll(/total time =\s*([\d.]+) ms/g)].map((m) => Number(m[1]));
    out.llama_prompt_eval_ms_median = round(pct(evals.map((e) => e[0]), 0.5), 0);
    out.llama_prompt_tokens_median = pct(evals.map((e) => e[1]), 0.5);
    out.llama_total_ms_median = round(pct(totals, 0.5), 0);
    out.llama_timed_calls = totals.length;
    out.server_log_tail = log.split('\n').filter((l) => l.trim()).slice(-6);
  }
  return out;
}

const browser = await launch();
const result = { app: base, cpus: cpus().length, loadavg_start: loadavg().map((x) => round(x, 2)) };
try {
  if (only !== 'llama') {
    result.throughput = [];
    for (const point of POINTS) result.throughput.push(await throughputPoint(browser, point));
  }
  if (only !== 'throughput') {
    const python = opt('--llama-python');
    const model = opt('--llama-model');
    if (python && model) {
      try {
        result.llama = await llamaRun(browser, python, model);
      } catch (e) {
        result.llama = { error: String(e?.message ?? e) };
      }
    } else {
      result.llama = { missing: 'no --llama-python / --llama-model given' };
    }
  }
} finally {
  await browser.close();
}
result.loadavg_end = loadavg().map((x) => round(x, 2));
console.log(JSON.stringify(result));
