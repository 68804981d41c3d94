import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startUpstream, type TestUpstream } from '../testing/proxy-test-kit.js';
import { closedPort, rawUpstream, type RawUpstream } from '../testing/raw-http.js';
import { runLoad } from './load-run.js';

const servers: (TestUpstream | RawUpstream)[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** A server answering /ok 200, /missing 404, /boom 500, /chunked in chunks, /slow after 100 ms, /hang never. */
async function mixedServer(bodies: string[] = []): Promise<string> {
  const up = await startUpstream('mixed', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') bodies.push(`${String(req.headers['x-kind'])}:${Buffer.concat(chunks).toString()}`);
      const path = req.url ?? '/';
      if (path === '/hang') return;
      if (path === '/chunked') {
        res.writeHead(200);
        res.write('part one,');
        setImmediate(() => res.end('part two'));
        return;
      }
      const status = path === '/missing' ? 404 : path === '/boom' ? 500 : 200;
      const send = () => res.writeHead(status, { 'content-length': 2 }).end('ok');
      if (path === '/slow') setTimeout(send, 100);
      else send();
    });
  });
  servers.push(up);
  return `http://127.0.0.1:${up.port}`;
}

describe('runLoad', () => {
  it('sends a weighted mix with methods, headers and bodies, and counts statuses and errors by kind', async () => {
    const bodies: string[] = [];
    const url = await mixedServer(bodies);
    const result = await runLoad({
      url,
      connections: 4,
      count: 400,
      requests: [
        { name: 'ok', path: '/ok', weight: 4 },
        { name: 'chunked', path: '/chunked', weight: 2 },
        { name: 'missing', path: '/missing', weight: 1 },
        { name: 'boom', path: '/boom', weight: 1 },
        { name: 'post', method: 'POST', path: '/ok', headers: { 'X-Kind': 'json' }, body: '{"a":1}', weight: 2 },
      ],
    });
    expect(result.requests).toBe(400);
    expect(Object.fromEntries(Object.entries(result.byRequest).map(([name, c]) => [name, c.requests]))).toEqual({ ok: 160, chunked: 80, missing: 40, boom: 40, post: 80 });
    expect(result.statuses).toEqual({ '2xx': 320, '4xx': 40, '5xx': 40 });
    expect(result.errorsByKind).toEqual({ '4xx': 40, '5xx': 40 });
    expect(result.errors).toBe(80);
    expect(result.errorRate).toBeCloseTo(0.2, 10);
    expect(bodies).toHaveLength(80);
    expect(new Set(bodies)).toEqual(new Set(['json:{"a":1}']));
    expect(result.latency.p50).toBeGreaterThan(0);
    expect(result.latency.max).toBeGreaterThanOrEqual(result.latency.p99 ?? Infinity);
    expect(result.rps).toBeGreaterThan(0);
    expect(result.model).toBe('closed');
  });

  it('open model: latency counts from the intended send time, so a slow server cannot hide it (no coordinated omission)', async () => {
    const url = await mixedServer();
    const base = { url, connections: 1, durationMs: 1_000, requests: [{ path: '/slow' }] };
    const closed = await runLoad(base);
    const open = await runLoad({ ...base, rate: 50 });
    expect(open.model).toBe('open');
    // one connection answers about 10 requests a second; the schedule asks for 50: the late ones waited for a connection
    expect(open.unsent).toBeGreaterThan(20);
    expect(closed.latency.p90).toBeGreaterThanOrEqual(99);
    expect(open.latency.p90 ?? 0).toBeGreaterThan(2.5 * (closed.latency.p90 ?? Infinity));
  });

  it('open model: holds the arrival rate when the server keeps up', async () => {
    const url = await mixedServer();
    const result = await runLoad({ url, connections: 4, durationMs: 1_000, rate: 100, requests: [{ path: '/ok' }] });
    expect(result.requests).toBeGreaterThanOrEqual(95);
    expect(result.requests).toBeLessThanOrEqual(101);
    expect(result.unsent).toBeLessThan(5);
  });

  it('counts refused connections, timeouts and resets as their own kinds', async () => {
    const refused = await runLoad({ url: `http://127.0.0.1:${await closedPort()}`, connections: 2, count: 20, requests: [{ path: '/' }] });
    expect(refused).toMatchObject({ requests: 20, errors: 20, errorRate: 1, errorsByKind: { refused: 20 }, connectionErrors: { ECONNREFUSED: 20 } });
    expect(refused.latency.p50).toBeNull();

    const url = await mixedServer();
    const hung = await runLoad({ url, connections: 2, count: 2, timeoutMs: 200, requests: [{ path: '/hang' }] });
    expect(hung.errorsByKind).toEqual({ timeout: 2 });

    const rude = await rawUpstream((socket) => socket.once('data', () => socket.destroy()));
    servers.push(rude);
    const reset = await runLoad({ url: `http://127.0.0.1:${rude.port}`, connections: 1, count: 3, requests: [{ path: '/' }] });
    expect(reset.errorsByKind).toEqual({ reset: 3 });
  });

  it('ends early when aborted and reports what ran', async () => {
    const url = await mixedServer();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const result = await runLoad({ url, connections: 2, durationMs: 10_000, requests: [{ path: '/ok' }], signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.requests).toBeGreaterThan(0);
  });
});
