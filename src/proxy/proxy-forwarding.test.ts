import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ProxyServer } from './proxy-server.js';
import { countResponses, rawClient, send, startUpstream, type TestUpstream } from '../testing/proxy-test-kit.js';

let up: TestUpstream;
let stream: TestUpstream;
let proxy: ProxyServer;
let upstreamConnections = 0;

beforeAll(async () => {
  up = await startUpstream('v1');
  up.server.on('connection', () => upstreamConnections++);
  // streams its answer in pieces over time, echoing a streamed request body back chunk by chunk
  stream = await startUpstream('stream', (req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    req.on('data', (c: Buffer) => res.write(c));
    req.on('end', () => {
      let n = 0;
      const tick = setInterval(() => {
        res.write(`part${n}\n`);
        if (++n === 5) {
          clearInterval(tick);
          res.end('end\n');
        }
      }, 5);
    });
  });
  proxy = await ProxyServer.listen({ versionHeader: 'X-Glidepath-Version', seed: 1 });
  proxy.setRoutes({ versions: [{ version: 'v1', weight: 100, instances: [{ host: '127.0.0.1', port: up.port }] }] });
});

afterAll(async () => {
  await proxy.close(100);
  await up.close();
  await stream.close();
});

describe('forwarding', () => {
  test('GET reaches the upstream with X-Forwarded-* set and hop-by-hop fields removed', async () => {
    const c = await rawClient(proxy.address.port);
    c.socket.write(
      'GET /a?b=1 HTTP/1.1\r\nHost: example.test\r\nConnection: x-private, keep-alive\r\nX-Private: secret\r\n' +
        'Keep-Alive: timeout=5\r\nTE: trailers\r\nTrailer: x-t\r\nProxy-Connection: keep-alive\r\n' +
        'X-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: https\r\nX-End-To-End: kept\r\nConnection: close\r\n\r\n',
    );
    await c.closed;
    const split = c.text.indexOf('\r\n\r\n');
    const res = { status: Number(c.text.slice(9, 12)), head: c.text.slice(0, split), body: c.text.slice(split + 4) };
    expect(res.status).toBe(200);
    expect(res.head).toContain('\r\nX-Glidepath-Version: v1');
    expect(res.head).not.toMatch(/keep-alive/i);
    const seen = JSON.parse(res.body);
    expect(seen).toMatchObject({ name: 'v1', method: 'GET', url: '/a?b=1' });
    for (const h of ['x-private', 'keep-alive', 'te', 'trailer', 'proxy-connection']) expect(seen.headers[h]).toBeUndefined();
    expect(seen.headers.connection).toBeUndefined(); // HTTP/1.1 upstream default keep-alive, nothing to say
    expect(seen.headers['x-end-to-end']).toBe('kept');
    expect(seen.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe('example.test');
    expect(seen.headers.host).toBe('example.test');
  });

  test('POST bodies stream both ways, by Content-Length and chunked', async () => {
    proxy.setRoutes({ versions: [{ version: 's', weight: 100, instances: [{ host: '127.0.0.1', port: stream.port }] }] });
    try {
      const big = Buffer.alloc(1024 * 1024, 'x');
      const res = await send(proxy.address.port, { method: 'POST', body: big, headers: { 'content-length': String(big.length) } });
      expect(res.status).toBe(200);
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(res.body.length).toBe(big.length + 'part0\npart1\npart2\npart3\npart4\nend\n'.length);
      expect(res.body.endsWith('part4\nend\n')).toBe(true);

      // a chunked request (no length) with an extension and a trailer, sent raw
      const c = await rawClient(proxy.address.port);
      c.socket.write('POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n');
      await new Promise((r) => setTimeout(r, 20));
      c.socket.write('6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n');
      const text = await c.until((t) => t.includes('0\r\n\r\n'));
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(text).toContain('hello');
      expect(text).toContain(' world');
      expect(text).toContain('end\n');
      c.socket.destroy();
    } finally {
      proxy.setRoutes({ versions: [{ version: 'v1', weight: 100, instances: [{ host: '127.0.0.1', port: up.port }] }] });
    }
  });

  test('binary response bodies arrive byte for byte, small and large', async () => {
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const large = Buffer.concat(Array.from({ length: 64 }, () => every)); // 16 KiB: past the small-body path
    const bin = await startUpstream('bin', (req, res) => {
      const body = req.url === '/large' ? large : every;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    });
    proxy.setRoutes({ versions: [{ version: 'b', weight: 100, instances: [{ host: '127.0.0.1', port: bin.port }] }] });
    try {
      for (const [path, want] of [['/small', every], ['/large', large]] as const) {
        const c = await rawClient(proxy.address.port);
        c.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        await c.closed;
        const raw = Buffer.from(c.text, 'latin1');
        const body = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
        expect(body.equals(want), `${path}: ${body.length} bytes`).toBe(true);
      }
    } finally {
      proxy.setRoutes({ versions: [{ version: 'v1', weight: 100, instances: [{ host: '127.0.0.1', port: up.port }] }] });
      await bin.close();
    }
  });

  test('keep-alive: many client requests reuse one upstream connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = upstreamConnections;
    for (let i = 0; i < 20; i++) {
      const res = await send(proxy.address.port, { path: `/k${i}`, agent });
      expect(res.status).toBe(200);
    }
    agent.destroy();
    expect(upstreamConnections - before).toBeLessThanOrEqual(1);
  });

  test('pipelined requests are answered in order', async () => {
    const c = await rawClient(proxy.address.port);
    c.socket.write(
      'GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /p2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc' +
        'GET /p3 HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    const text = await c.until((t) => countResponses(t) === 3 && t.includes('/p3'));
    const order = [...text.matchAll(/"url":"(\/p\d)"/g)].map((m) => m[1]);
    expect(order).toEqual(['/p1', '/p2', '/p3']);
    expect(text).toContain('"body":"abc"');
    c.socket.destroy();
  });

  test('Connection: close from the client ends the connection after the response', async () => {
    const c = await rawClient(proxy.address.port);
    c.socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await c.closed;
    expect(c.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(c.text).toContain('Connection: close\r\n');
  });

  test('HTTP/1.0 request without Host is served and closed', async () => {
    const c = await rawClient(proxy.address.port);
    c.socket.write('GET /old HTTP/1.0\r\n\r\n');
    await c.closed;
    expect(c.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(c.text).toContain('"url":"/old"');
  });

  test('HEAD, 204 and 304 responses have no body and the connection stays usable', async () => {
    const odd = await startUpstream('odd', (req, res) => {
      if (req.url === '/204') res.writeHead(204).end();
      else if (req.url === '/304') res.writeHead(304, { etag: '"x"' }).end();
      else res.writeHead(200, { 'content-length': '5' }).end(req.method === 'HEAD' ? undefined : 'hello');
    });
    proxy.setRoutes({ versions: [{ version: 'odd', weight: 100, instances: [{ host: '127.0.0.1', port: odd.port }] }] });
    try {
      const c = await rawClient(proxy.address.port);
      c.socket.write('HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const text = await c.until((t) => countResponses(t) === 4 && t.endsWith('hello'));
      expect(text.match(/HTTP\/1\.1 (\d+)/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 204', 'HTTP/1.1 304', 'HTTP/1.1 200']);
      c.socket.destroy();
    } finally {
      proxy.setRoutes({ versions: [{ version: 'v1', weight: 100, instances: [{ host: '127.0.0.1', port: up.port }] }] });
      await odd.close();
    }
  });
});
