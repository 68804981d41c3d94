import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ProxyServer } from './proxy-server.js';
import { rawClient, send, startUpstream, type TestUpstream } from '../testing/proxy-test-kit.js';
import { LOCAL, closedPort } from '../testing/raw-http.js';

let up: TestUpstream;
let silent: TestUpstream;
let slowBody: TestUpstream;
let proxy: ProxyServer;
let strict: ProxyServer;

beforeAll(async () => {
  up = await startUpstream('up');
  silent = await startUpstream('silent', () => {}); // never answers
  slowBody = await startUpstream('slow', (req, res) => {
    if (req.url === '/stall') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      return; // never finishes
    }
    // 8 MB, far more than socket buffers hold, so an aborting client leaves the upstream paused
    res.writeHead(200, { 'content-length': String(8 * 1024 * 1024) });
    res.end(Buffer.alloc(8 * 1024 * 1024, 'y'));
  });
  // Cases about routing and pooling get timeouts no busy machine reaches, so a slow moment under a full test run
  // cannot turn their 200 into a 504; the timeout cases get their own proxy with 300 ms limits.
  proxy = await ProxyServer.listen({ seed: 7, upstreamResponseTimeoutMs: 30_000, headersTimeoutMs: 30_000, maxConnectionsPerUpstream: 1 });
  strict = await ProxyServer.listen({ seed: 7, upstreamResponseTimeoutMs: 300, headersTimeoutMs: 300, maxConnectionsPerUpstream: 1 });
});

afterAll(async () => {
  await Promise.all([proxy.close(100), strict.close(100)]);
  await Promise.all([up.close(), silent.close(), slowBody.close()]);
});

function route(version: string, ...ports: number[]): void {
  const routes = { versions: [{ version, weight: 100, instances: ports.map((port) => ({ host: LOCAL, port })) }] };
  proxy.setRoutes(routes);
  strict.setRoutes(routes);
}

function version(name: string, server = proxy) {
  return server.metrics(60).versions.find((v) => v.version === name);
}

describe('upstream failures', () => {
  test('an unreachable single instance answers 502 and counts a connection failure', async () => {
    route('down', await closedPort());
    const res = await send(proxy.address.port, {});
    expect(res.status).toBe(502);
    const m = version('down');
    expect(m?.totals.connectionFailures).toBe(1);
    expect(m?.totals.byCode['502']).toBe(1);
    expect(m?.window.errorRate).toBe(1);
  });

  test('idempotent requests without a body are retried on another instance of the version', async () => {
    route('half', await closedPort(), up.port);
    for (let i = 0; i < 6; i++) expect((await send(proxy.address.port, { path: `/r${i}` })).status).toBe(200);
    const m = version('half');
    expect(m?.totals.connectionFailures).toBeGreaterThanOrEqual(1);
    expect(m?.totals.byCode['200']).toBe(6);
  });

  test('requests with a body are not retried', async () => {
    route('post', await closedPort(), up.port);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(proxy.address.port, { method: 'POST', body: 'data' })).status);
    expect(statuses).toContain(502);
    expect(statuses).toContain(200);
  });

  test('an upstream that does not answer in time gets 504', async () => {
    route('silent', silent.port);
    const t0 = Date.now();
    const res = await send(strict.address.port, {});
    expect(res.status).toBe(504);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(version('silent', strict)?.totals.byCode['504']).toBe(1);
  });

  test('an upstream that stalls mid-body has the client connection closed', async () => {
    route('slow', slowBody.port);
    const c = await rawClient(strict.address.port);
    c.socket.write('GET /stall HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.closed;
    expect(c.text).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*partial$/);
  });

  test('a client that aborts mid-response does not freeze the pool (one connection per upstream)', async () => {
    route('slow', slowBody.port);
    for (let i = 0; i < 3; i++) {
      const c = await rawClient(proxy.address.port);
      c.socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
      await c.until((t) => t.length > 100_000);
      c.socket.destroy();
    }
    for (let i = 0; i < 3; i++) {
      const res = await send(proxy.address.port, { path: '/big' });
      expect(res.status).toBe(200);
      expect(res.body.length).toBe(8 * 1024 * 1024);
    }
    expect(version('slow')?.totals.aborted).toBeGreaterThanOrEqual(3);
  });

  test('a client that sends no complete head in time gets 408', async () => {
    const c = await rawClient(strict.address.port);
    c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    await c.closed;
    expect(c.text).toMatch(/^HTTP\/1\.1 408 /);
  });

  test('no routable version answers 503', async () => {
    proxy.setRoutes({ versions: [{ version: 'zero', weight: 0, instances: [{ host: LOCAL, port: up.port }] }] });
    expect((await send(proxy.address.port, {})).status).toBe(503);
  });
});
