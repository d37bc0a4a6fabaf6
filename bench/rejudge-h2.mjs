// An HTTP/2 (TLS, self-signed) front for the judge server, for `bench/rejudge.mjs`: Chromium
// opens at most 6 HTTP/1.1 connections per host, so against `e2e/judge-server.mjs` (node:http)
// a page can have at most 6 calls on the wire whatever its concurrency. Over HTTP/2 all of them
// share one connection, as with OpenAI's API. Every request is passed on unchanged to the
// judge server over keep-alive HTTP/1.1 (no connection limit); the reply comes back with its
// status and headers (less the ones HTTP/2 forbids). 127.0.0.1 only; the certificate is made
// with openssl into a temporary directory, and the browser must ignore certificate errors.
import { createSecureServer } from 'node:http2';
import { Agent, request } from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'host']);

/** `{ url: 'https://127.0.0.1:PORT/v1', close() }` in front of `judgeUrl` (http://…/v1). */
export async function startH2Front(judgeUrl) {
  const dir = mkdtempSync(join(tmpdir(), 'rejudge-h2-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const target = new URL(judgeUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const server = createSecureServer({ key: readFileSync(key), cert: readFileSync(cert), allowHTTP1: true });
  rmSync(dir, { recursive: true, force: true });
  server.on('request', (req, res) => {
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) if (!k.startsWith(':') && !HOP_BY_HOP.has(k)) headers[k] = v;
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (reply) => {
      const back = {};
      for (const [k, v] of Object.entries(reply.headers)) if (!HOP_BY_HOP.has(k)) back[k] = v;
      res.writeHead(reply.statusCode, back);
      reply.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  const sessions = new Set();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `https://127.0.0.1:${port}${target.pathname}`,
    sessions: () => sessions.size,
    close: () =>
      new Promise((resolve) => {
        for (const s of sessions) s.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
