// The proxy's access log with real requests through a real proxy (in this thread and on its worker thread).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatAccessEntry, timeLocal } from './access-log.js';
import { ProxyHost } from './proxy-host.js';
import { resolveProxyOptions } from './proxy-options.js';
import { rawClient, send, startUpstream } from '../testing/proxy-test-kit.js';
import { LOCAL, closingAfter, single, untilFinals, withProxy } from '../testing/raw-http.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glidepath-access-log-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The requests every test sends: a GET with Referer and User-Agent, a POST the upstream answers 404, a bad method. */
async function sendRequests(port: number): Promise<void> {
  const ok = await send(port, { path: '/a?b=1', headers: { referer: 'https://example.test/from', 'user-agent': 'curl/8.0 "quoted"' } });
  expect(ok.status).toBe(200);
  expect((await send(port, { method: 'POST', path: '/missing', body: 'x', headers: { 'content-length': '1' } })).status).toBe(404);
  const c = await rawClient(port);
  c.socket.write('get / HTTP/1.1\r\nHost: x\r\n\r\n');
  expect((await untilFinals(c, 1))[0]?.status).toBe(400);
  c.socket.destroy();
}

function upstreamHandler() {
  return startUpstream('v1', (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/missing') res.writeHead(404).end('no');
      else res.writeHead(200, { 'content-length': '5' }).end('hello');
    });
  });
}

describe('access log', () => {
  test('combined: one nginx-style line per request, with request time, version and upstream', async () => {
    const path = join(dir, 'sub', 'combined.log');
    const up = await upstreamHandler();
    await closingAfter([up], () =>
      withProxy({ accessLog: { path, format: 'combined' } }, single(up.port), async (p) => {
        await sendRequests(p.address.port);
      }),
    );
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    const stamp = String.raw`\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]`;
    expect(lines[0]).toMatch(
      new RegExp(`^127\\.0\\.0\\.1 - - ${stamp} "GET /a\\?b=1 HTTP/1\\.1" 200 \\d+ "https://example\\.test/from" "curl/8\\.0 \\\\x22quoted\\\\x22" \\d+\\.\\d{3} "v1" 127\\.0\\.0\\.1:${up.port}$`),
    );
    expect(lines[1]).toMatch(new RegExp(`"POST /missing HTTP/1\\.1" 404 \\d+ "-" "-" \\d+\\.\\d{3} "v1" 127\\.0\\.0\\.1:${up.port}$`));
    expect(lines[2]).toMatch(/"-" 400 \d+ "-" "-" 0\.000 "-" -$/);
    // bytes sent: the whole response, head included
    const bytes = Number(/" 200 (\d+) /.exec(lines[0] ?? '')?.[1]);
    expect(bytes).toBeGreaterThan(5 + 'HTTP/1.1 200 OK\r\n\r\n'.length);
  });

  test('json on the worker thread: one object per line, written by the time the proxy closed', async () => {
    const path = join(dir, 'access.jsonl');
    const up = await upstreamHandler();
    const host = await ProxyHost.start({ accessLog: { path, format: 'json' } });
    await closingAfter([up], async () => {
      try {
        await host.setRoutes({ versions: [{ version: 'v7', weight: 100, instances: [{ host: LOCAL, port: up.port }] }] });
        await sendRequests(host.address.port);
      } finally {
        await host.close(100);
      }
    });
    const entries = readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((e) => [e.method, e.uri, e.status, e.version])).toEqual([
      ['GET', '/a?b=1', 200, 'v7'],
      ['POST', '/missing', 404, 'v7'],
      [null, null, 400, null],
    ]);
    expect(entries[0]).toMatchObject({ remote_addr: '127.0.0.1', referer: 'https://example.test/from', user_agent: 'curl/8.0 "quoted"', upstream: `127.0.0.1:${up.port}` });
    expect(typeof entries[0]?.request_time).toBe('number');
    expect(Date.parse(String(entries[0]?.time))).not.toBeNaN();
  });

  test('off by default', () => {
    expect(resolveProxyOptions({}).accessLog).toBeNull();
  });

  test('control characters and non-ASCII in logged fields are escaped as nginx does', () => {
    const line = formatAccessEntry(
      { address: '::1', method: 'GET', target: '/caf\xe9', minor: 1, fields: null, status: 200, bytes: 1, durationMs: 1234.5, version: 'v1', upstream: null },
      'combined',
      new Date(Date.UTC(2026, 11, 6, 4, 15, 2)),
    );
    expect(line).toContain('"GET /caf\\xE9 HTTP/1.1" 200 1 "-" "-" 1.234 "v1" -\n');
    expect(timeLocal(new Date(Date.UTC(2026, 11, 6, 4, 15, 2)))).toMatch(/^\d\d\/Dec\/2026:\d\d:\d\d:02 [+-]\d{4}$/);
  });
});
