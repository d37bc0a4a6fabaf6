//! A local, OpenAI-compatible judge for tests and benchmarks: `POST /v1/chat/completions`
//! answered the way the emergent-misalignment paper's judge (GPT-4o, `max_tokens: 1`,
//! `logprobs: true`, `top_logprobs: 20`) answers, from the judge's *real* top-20 token
//! probabilities. The app's rejudging can so be tested without a key, a network or a bill,
//! and a rescored answer can be checked against the score the authors stored.
//!
//! Replies. `tests/fixtures/judge-server-seed.json` (written by `tests/judge_server_seed.rs`
//! from the bundled CSVs that keep `judge_aligned` / `judge_coherent`) holds 280 answers with
//! both dicts. The dimension is told by the prompt's wording (the paper's `aligned` prompt
//! asks for CODE / REFUSAL / "how well aligned"; the `coherent` one for "coherence"). When
//! the prompt's `[ANSWER START] … [ANSWER END]` (or, failing that, its text) holds a seeded
//! answer, the reply carries that answer's dict for that dimension, in the judge's order,
//! logprob = ln p (p = 0 → -9999, OpenAI's placeholder). Any other prompt gets a seeded dict
//! of the same dimension picked by a hash of the prompt: the same prompt, the same reply.
//!
//! Faults come from the server's list (the `faults` option of `startJudgeServer`, replaced
//! at run time by `POST /_control {"faults": [...]}`), then from the request's `model`:
//! `fault:NAME[:ARG[:ARG2]]`, several joined by `+` (e.g. `fault:429:3`,
//! `fault:digits+leading-space`, `fault:latency:200+500:1`), so a person can pick one in
//! the app's settings form. In the list, a fault is the same string without `fault:`, or an
//! object `{ type, times, ... }` (parameters named as in `PARAMS` below).
//!
//!   429               429 with `retry-after` (s) and `retry-after-ms` for the first N calls
//!                     (ARG, default 2), then success; ARG2 = retryAfterMs (default 1000)
//!   insufficient_quota 429 with OpenAI's insufficient_quota error body, always (no retry-after)
//!   500, 503          that status for the first N calls (ARG, default 2), then success
//!   401               OpenAI's invalid_api_key error, always
//!   timeout           the request is held open, unanswered, until the client gives up or
//!                     the server closes (ARG = holdMs: then the socket is cut)
//!   truncated         200 whose JSON body stops half way
//!   no-logprobs       a completion with `logprobs: null`
//!   few               only the first N top_logprobs (ARG, default 5)
//!   digits            a judge that splits numbers into digits: single-digit tokens only
//!                     ("85" → "8"), the mass of each number on its first digit
//!   leading-space     tokens with a leading space (" 80"), as some tokenisers give them
//!   cors              no `Access-Control-Allow-Origin` on the reply: a browser refuses it
//!   fail-every        every k-th call it sees (ARG, default 3) gets a 500 (ARG2 = status)
//!   latency           not a fault: ARG ms more before the reply
//!
//! "First N calls" counts the calls that fault saw; ARG `always` means every call. A fault
//! selected by a model name keeps its count per model name. Faults other than 429/500/503
//! apply to every call unless given `times`. The first status fault that fires answers.
//! `cors` by model name: the preflight (no body, so no model) passes, the reply lacks the
//! header; in the server's list it drops the preflight's headers too.
//!
//! Other routes: `GET /v1/models`; `GET /_stats` → `{ total, byPrompt: {sha256(model + "\n" +
//! prompt): calls}, duplicates: prompts answered 200 more than once, status: {200: n, 429: n,
//! timeout: n, ...}, lastRequest: {authorization, body} }`; `POST /_reset` clears the counts
//! and rearms every fault; `POST /_control` takes `{ latencyMs, faults, apiKey }` (any
//! subset; `GET` reads it) and returns the configuration. Every route works with or without
//! the `/v1` prefix. A 200 carries `x-judge-source`: the seeded answer's `file#row`, or
//! `hashed`.
//!
//! Use: `const judge = await startJudgeServer({ latencyMs: 20, faults: ['429:1'] })` →
//! `{ url: 'http://127.0.0.1:PORT/v1', port, stats(), control(opts), reset(), close() }`;
//! or from a shell: `node e2e/judge-server.mjs --port 8790 --latency 50 [--fault 429:2]...`.
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const SEED_URL = new URL('../tests/fixtures/judge-server-seed.json', import.meta.url);
const PROMPTS_URL = new URL('../data/sources/clarifying_EM/evaluation/first_plot_questions.yaml', import.meta.url);

/** Faults that decide the status of the reply, rather than shape a successful one. */
const STATUS_FAULTS = new Set(['429', 'insufficient_quota', '500', '503', '401', 'timeout', 'fail-every']);

const ERRORS = {
  insufficient_quota: {
    message: 'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
    type: 'insufficient_quota',
    param: null,
    code: 'insufficient_quota',
  },
  401: {
    message: 'Incorrect API key provided: sk-****. You can find your API key at https://platform.openai.com/account/api-keys.',
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  },
  429: {
    message: 'Rate limit reached for gpt-4o in organization org-local on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again later.',
    type: 'requests',
    param: null,
    code: 'rate_limit_exceeded',
  },
  500: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null },
  503: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', param: null, code: null },
};

// ---- the paper's judge prompts -------------------------------------------------------

/** Which judge prompt this is, by wording the paper's prompts do not share. */
export function promptKind(prompt) {
  if (/assess the coherence|how coherent the model's answer/i.test(prompt)) return 'coherent';
  if (/Say REFUSAL|Say CODE|how well aligned is the model's answer/i.test(prompt)) return 'aligned';
  return 'other';
}

/** The text between the paper's `[NAME START]` and `[NAME END]` lines, if any. */
function between(prompt, name) {
  const open = `[${name} START]\n`;
  const start = prompt.indexOf(open);
  const end = prompt.lastIndexOf(`\n[${name} END]`);
  if (start < 0 || end < start + open.length) return null;
  return prompt.slice(start + open.length, end);
}

/** The paper's `judge_prompts` (aligned, coherent, ...) from the bundled YAML. */
export function judgePrompts() {
  const lines = readFileSync(PROMPTS_URL, 'utf8').split('\n');
  const from = lines.findIndex((l) => /^\s*judge_prompts:/.test(l));
  const prompts = {};
  let name = null;
  let indent = 0;
  for (const line of lines.slice(from + 1)) {
    const key = /^(\s*)(\w+): \|-$/.exec(line);
    if (!name && !key) break;
    if (key && (!name || key[1].length < indent)) {
      name = key[2];
      indent = key[1].length + 2;
      prompts[name] = [];
      continue;
    }
    if (line.trim() !== '' && line.length - line.trimStart().length < indent) break;
    prompts[name].push(line.slice(indent));
  }
  for (const k of Object.keys(prompts)) prompts[k] = prompts[k].join('\n').trimEnd();
  return prompts;
}

/** A judge prompt filled in as Python's `str.format(question=..., answer=...)` does. */
export function fillPrompt(template, question, answer) {
  return template.replace(/\{(question|answer)\}/g, (_, k) => (k === 'question' ? question : answer));
}

// ---- the seed ------------------------------------------------------------------------

function loadSeed(seed) {
  const entries = Array.isArray(seed) ? seed : JSON.parse(readFileSync(seed ?? SEED_URL, 'utf8'));
  const byAnswer = new Map();
  for (const e of entries) {
    for (const key of new Set([e.answer, e.answer.trim()])) {
      if (!byAnswer.has(key)) byAnswer.set(key, []);
      byAnswer.get(key).push(e);
    }
  }
  const pools = {
    aligned: entries.filter((e) => e.aligned).map((e) => e.aligned),
    coherent: entries.filter((e) => e.coherent).map((e) => e.coherent),
  };
  pools.other = [...pools.aligned, ...pools.coherent];
  // Longest first, so the fallback search finds the most specific answer.
  const byLength = entries.filter((e) => e.answer.trim().length >= 20).sort((a, b) => b.answer.length - a.answer.length);
  return { entries, byAnswer, pools, byLength };
}

/** The seeded answer a prompt is about: its ANSWER block, else any seeded text inside it. */
function findSeeded(seed, prompt) {
  const answer = between(prompt, 'ANSWER');
  const candidates = answer === null ? undefined : seed.byAnswer.get(answer) ?? seed.byAnswer.get(answer.trim());
  if (candidates) {
    const question = between(prompt, 'QUESTION');
    return candidates.find((e) => e.question === question || e.question.trim() === question?.trim()) ?? candidates[0];
  }
  return seed.byLength.find((e) => prompt.includes(e.answer));
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** `[[token, p], ...]` for this prompt, and where it came from. */
function pickDict(seed, prompt) {
  const kind = promptKind(prompt);
  const hit = findSeeded(seed, prompt);
  const own = hit && (kind === 'other' ? hit.aligned ?? hit.coherent : hit[kind]);
  if (own) return { kind, dict: own, source: hit.source };
  const pool = seed.pools[kind];
  const i = Number(BigInt('0x' + sha256(prompt).slice(0, 12)) % BigInt(pool.length));
  return { kind, dict: pool[i], source: 'hashed' };
}

// ---- shaping a completion ------------------------------------------------------------

const logprob = (p) => (p > 0 ? Math.log(p) : -9999);
const utf8 = (token) => [...Buffer.from(token, 'utf8')];

/** A judge whose tokeniser splits numbers: each number's mass on its first digit. */
function digitsOnly(dict) {
  const merged = new Map();
  for (const [token, p] of dict) {
    const t = token.trim();
    const key = /^\d+$/.test(t) ? t[0] : token;
    merged.set(key, (merged.get(key) ?? 0) + p);
  }
  return [...merged].sort((a, b) => b[1] - a[1]);
}

function leadingSpace(dict) {
  const merged = new Map();
  for (const [token, p] of dict) {
    const key = token.startsWith(' ') ? token : ' ' + token;
    merged.set(key, (merged.get(key) ?? 0) + p);
  }
  return [...merged];
}

function shapeDict(dict, shapes) {
  let out = dict;
  if (shapes.has('digits')) out = digitsOnly(out);
  if (shapes.has('leading-space')) out = leadingSpace(out);
  if (shapes.has('few')) out = out.slice(0, shapes.get('few').n);
  return out;
}

function completion({ model, prompt, dict, body, shapes, id }) {
  const n = body.logprobs === true ? Math.min(Number(body.top_logprobs ?? 0), dict.length) : 0;
  const entry = ([token, p]) => ({ token, logprob: logprob(p), bytes: utf8(token) });
  const top = dict[0][0];
  const withLogprobs = body.logprobs === true && !shapes.has('no-logprobs');
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const promptTokens = Math.ceil(prompt.length / 4);
  return {
    id: `chatcmpl-local${String(id).padStart(8, '0')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_judge_server',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: top, refusal: null },
        logprobs: withLogprobs
          ? { content: [{ ...entry(dict[0]), top_logprobs: dict.slice(0, n).map(entry) }], refusal: null }
          : null,
        finish_reason: maxTokens === 1 ? 'length' : 'stop',
      },
    ],
    usage: { prompt_tokens: promptTokens, completion_tokens: 1, total_tokens: promptTokens + 1 },
  };
}

// ---- faults --------------------------------------------------------------------------

/** Each fault's parameters and defaults; a string's ARG, ARG2 fill the first two. */
const PARAMS = {
  429: { times: 2, retryAfterMs: 1000 },
  insufficient_quota: { times: Infinity },
  500: { times: 2 },
  503: { times: 2 },
  401: { times: Infinity },
  timeout: { holdMs: Infinity, times: Infinity },
  truncated: { times: Infinity },
  'no-logprobs': { times: Infinity },
  few: { n: 5, times: Infinity },
  digits: { times: Infinity },
  'leading-space': { times: Infinity },
  cors: { times: Infinity },
  'fail-every': { every: 3, status: 500 },
  latency: { ms: 0 },
};
export const FAULTS = Object.keys(PARAMS);

const number = (v) => (v === 'always' || v === null ? Infinity : Number(v));

/** A fault from `NAME[:ARG[:ARG2]]` or an object `{ type, times, ... }`, armed. */
export function parseFault(spec) {
  if (typeof spec === 'string') {
    const [type, ...args] = spec.split(':');
    const names = Object.keys(PARAMS[type] ?? {});
    spec = { type, ...Object.fromEntries(args.filter((a) => a !== '').map((a, i) => [names[i], a])) };
  }
  const type = String(spec?.type);
  if (!Object.hasOwn(PARAMS, type)) throw new Error(`unknown fault ${JSON.stringify(spec?.type)}; known: ${FAULTS.join(', ')}`);
  const fault = { type, seen: 0, fired: 0 };
  for (const [name, fallback] of Object.entries(PARAMS[type])) {
    const value = number(spec[name] ?? fallback);
    if (Number.isNaN(value)) throw new Error(`fault ${type}: ${name} ${JSON.stringify(spec[name])} is not a number`);
    fault[name] = value;
  }
  return fault;
}

/** The faults a model name selects: `fault:a+b:2` → ['a', 'b:2']. */
export function modelFaults(model) {
  if (typeof model !== 'string' || !model.startsWith('fault:')) return [];
  return model.slice('fault:'.length).split('+').filter(Boolean).map(parseFault);
}

/** Does this fault act on this call? Advances its counters. */
function fires(fault) {
  fault.seen += 1;
  const on = fault.type === 'fail-every' ? fault.seen % fault.every === 0 : fault.fired < fault.times;
  if (on) fault.fired += 1;
  return on;
}

// ---- the server ----------------------------------------------------------------------

function corsHeaders(allowed) {
  return allowed
    ? { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'retry-after, retry-after-ms, x-judge-source' }
    : {};
}

function send(res, status, body, { cors = true, headers = {}, truncate = false } = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...corsHeaders(cors), ...headers });
  // No content-length when truncating: the body ends cleanly, just too early.
  res.end(truncate ? text.slice(0, Math.floor(text.length / 2)) : text);
}

const openaiError = (res, status, error, options) => send(res, status, { error }, options);

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() === '' ? {} : JSON.parse(text);
}

function promptOf(messages) {
  return messages.map((m) => (typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text ?? '').join(''))).join('\n\n');
}

function newStats() {
  return { total: 0, byPrompt: {}, ok: {}, status: {}, lastRequest: null };
}

/**
 * Start a judge on 127.0.0.1. Options: `port` (0: a free one), `latencyMs` (before every
 * completion), `faults` (list of fault strings or objects, see the header), `apiKey` (when
 * set, any other bearer key gets the 401 error), `seed` (a path or the entries themselves).
 */
export async function startJudgeServer(opts = {}) {
  const seed = loadSeed(opts.seed);
  const config = { latencyMs: 0, faults: [], apiKey: null };
  let byModel = new Map();
  let stats = newStats();
  let calls = 0;
  const timers = new Set();

  const control = (o = {}) => {
    if (o.latencyMs !== undefined) config.latencyMs = Number(o.latencyMs) || 0;
    if (o.faults !== undefined) config.faults = [].concat(o.faults ?? []).map(parseFault);
    if (o.apiKey !== undefined) config.apiKey = o.apiKey || null;
    return describe();
  };
  const describe = () => ({
    latencyMs: config.latencyMs,
    apiKey: config.apiKey,
    // JSON has no Infinity: `always` / null (hold forever) instead.
    faults: config.faults.map((f) => JSON.parse(JSON.stringify(f, (k, v) => (v === Infinity ? (k === 'times' ? 'always' : null) : v)))),
  });
  const reset = () => {
    stats = newStats();
    byModel = new Map();
    for (const f of config.faults) Object.assign(f, { seen: 0, fired: 0 });
  };
  const snapshot = () => ({
    total: stats.total,
    byPrompt: { ...stats.byPrompt },
    duplicates: Object.values(stats.ok).filter((n) => n > 1).length,
    status: { ...stats.status },
    lastRequest: stats.lastRequest,
  });
  const sleep = (ms) =>
    ms > 0 && Number.isFinite(ms)
      ? new Promise((resolve) => {
          const t = setTimeout(() => (timers.delete(t), resolve()), ms);
          timers.add(t);
        })
      : Promise.resolve();

  function faultsFor(model) {
    if (!byModel.has(model)) byModel.set(model, modelFaults(model));
    return [...config.faults, ...byModel.get(model)];
  }

  function answerFault(res, fault, cors) {
    const o = { cors };
    switch (fault.type) {
      case '429': {
        const ms = fault.retryAfterMs;
        return openaiError(res, 429, ERRORS[429], { ...o, headers: { 'retry-after': String(Math.ceil(ms / 1000)), 'retry-after-ms': String(ms) } });
      }
      case 'insufficient_quota':
        return openaiError(res, 429, ERRORS.insufficient_quota, o);
      case 'fail-every':
        return openaiError(res, fault.status, ERRORS[fault.status] ?? ERRORS[500], o);
      default:
        return openaiError(res, Number(fault.type), ERRORS[fault.type], o);
    }
  }

  function holdOpen(req, res, fault) {
    // Nothing is written; the client's own timeout (or close()) ends it.
    if (Number.isFinite(fault.holdMs)) sleep(fault.holdMs).then(() => res.destroy());
  }

  const tally = (status) => (stats.status[status] = (stats.status[status] ?? 0) + 1);

  async function chat(req, res) {
    stats.total += 1;
    let body;
    try {
      body = await readJson(req);
    } catch (e) {
      tally(400);
      return openaiError(res, 400, { message: `We could not parse the JSON body of your request. (${e.message})`, type: 'invalid_request_error', param: null, code: null });
    }
    const model = String(body.model ?? '');
    const messages = Array.isArray(body.messages) ? body.messages : null;
    if (!messages || messages.length === 0) {
      tally(400);
      return openaiError(res, 400, { message: "Missing required parameter: 'messages'.", type: 'invalid_request_error', param: 'messages', code: 'missing_required_parameter' });
    }
    const prompt = promptOf(messages);
    const key = sha256(model + '\n' + prompt);
    const id = ++calls;
    stats.byPrompt[key] = (stats.byPrompt[key] ?? 0) + 1;
    stats.lastRequest = { authorization: req.headers.authorization ?? null, body };

    const faults = faultsFor(model);
    const latency = config.latencyMs + faults.filter((f) => f.type === 'latency').reduce((s, f) => s + f.ms, 0);
    await sleep(latency);
    const cors = !faults.some((f) => f.type === 'cors' && fires(f));

    if (config.apiKey && req.headers.authorization !== `Bearer ${config.apiKey}`) {
      tally(401);
      return openaiError(res, 401, ERRORS[401], { cors });
    }
    if (body.logprobs === true && Number(body.top_logprobs ?? 0) > 20) {
      tally(400);
      return openaiError(res, 400, { message: "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20.", type: 'invalid_request_error', param: 'top_logprobs', code: 'integer_above_max_value' });
    }
    for (const fault of faults) {
      if (!STATUS_FAULTS.has(fault.type) || !fires(fault)) continue;
      if (fault.type === 'timeout') {
        tally('timeout');
        return holdOpen(req, res, fault);
      }
      tally(fault.type === 'insufficient_quota' ? 429 : fault.type === 'fail-every' ? fault.status : Number(fault.type));
      return answerFault(res, fault, cors);
    }
    const shapes = new Map(faults.filter((f) => !STATUS_FAULTS.has(f.type) && f.type !== 'cors' && f.type !== 'latency' && fires(f)).map((f) => [f.type, f]));
    const { dict, source } = pickDict(seed, prompt);
    const reply = completion({ model, prompt, dict: shapeDict(dict, shapes), body, shapes, id });
    tally(200);
    stats.ok[key] = (stats.ok[key] ?? 0) + 1;
    send(res, 200, reply, { cors, truncate: shapes.has('truncated'), headers: { 'x-judge-source': source } });
  }

  function models(res) {
    const created = 1715367049;
    const ids = ['gpt-4o-2024-08-06', 'gpt-4o', 'gpt-4.1-mini', ...FAULTS.map((f) => `fault:${f}`)];
    send(res, 200, { object: 'list', data: ids.map((id) => ({ id, object: 'model', created, owned_by: 'judge-server' })) });
  }

  async function route(req, res) {
    const path = new URL(req.url, 'http://x').pathname.replace(/^\/v1(?=\/)/, '').replace(/\/+$/, '');
    const route = `${req.method} ${path}`;
    if (req.method === 'OPTIONS') return preflight(req, res);
    if (route === 'POST /chat/completions') return chat(req, res);
    if (route === 'GET /models') return models(res);
    if (route === 'GET /_stats') return send(res, 200, snapshot());
    if (route === 'POST /_reset') {
      reset();
      return send(res, 200, snapshot());
    }
    if (route === 'POST /_control' || route === 'GET /_control') {
      try {
        return send(res, 200, req.method === 'POST' ? control(await readJson(req)) : describe());
      } catch (e) {
        return openaiError(res, 400, { message: e.message, type: 'invalid_request_error', param: null, code: null });
      }
    }
    return openaiError(res, 404, { message: `Invalid URL (${req.method} ${req.url})`, type: 'invalid_request_error', param: null, code: null });
  }

  function preflight(req, res) {
    const cors = !config.faults.some((f) => f.type === 'cors');
    const headers = cors
      ? {
          ...corsHeaders(true),
          'access-control-allow-methods': 'GET, POST, OPTIONS',
          'access-control-allow-headers': 'authorization, content-type',
          'access-control-max-age': '600',
          // Chromium's private network access: a public page calling this local server.
          ...(req.headers['access-control-request-private-network'] ? { 'access-control-allow-private-network': 'true' } : {}),
        }
      : {};
    res.writeHead(204, headers);
    res.end();
  }

  control(opts);
  const server = createServer((req, res) =>
    route(req, res).catch((e) => {
      if (!res.headersSent) openaiError(res, 500, { message: String(e?.stack ?? e), type: 'server_error', param: null, code: null });
    }),
  );
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    seeded: seed.entries.length,
    stats: snapshot,
    control,
    reset,
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---- command line ----------------------------------------------------------------------

function parseArgs(argv) {
  const opts = { port: 8790, latencyMs: 0, faults: [] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--port') opts.port = Number(value);
    else if (flag === '--latency') opts.latencyMs = Number(value);
    else if (flag === '--fault') opts.faults.push(value);
    else if (flag === '--api-key') opts.apiKey = value;
    else throw new Error(`unknown flag ${flag}; use --port N --latency MS --fault NAME[:ARG] --api-key KEY`);
    i++;
  }
  return opts;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const judge = await startJudgeServer(parseArgs(process.argv.slice(2)));
  console.log(`judge server: ${judge.url} (${judge.seeded} seeded answers); stats at ${judge.url.replace(/\/v1$/, '')}/_stats`);
  const stop = () => judge.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
