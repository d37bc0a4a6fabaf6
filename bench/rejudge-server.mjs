// The judge server (and, with --h2, its HTTP/2 front) in a process of its own for
// `bench/rejudge.mjs`, so that the replies' timers do not wait on the benchmark's own event
// loop (Playwright's protocol traffic for a thousand requests). 127.0.0.1 only.
//
//   node bench/rejudge-server.mjs --latency MS [--h2]   → prints {"judge": url, "front": url|null}
//
// and runs until its stdin closes or it gets SIGTERM. Counts: GET {judge}/_stats, POST {judge}/_reset.
import { startJudgeServer } from '../e2e/judge-server.mjs';
import { startH2Front } from './rejudge-h2.mjs';

const args = process.argv.slice(2);
const latencyMs = Number(args[args.indexOf('--latency') + 1] ?? 0) || 0;
const judge = await startJudgeServer({ latencyMs });
const front = args.includes('--h2') ? await startH2Front(judge.url) : null;
console.log(JSON.stringify({ judge: judge.url, front: front?.url ?? null }));
const stop = async () => {
  await front?.close();
  await judge.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
