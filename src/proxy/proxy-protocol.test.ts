import { createServer, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ProxyServer } from './proxy-server.js';
import { countResponses, rawClient, startUpstream, type TestUpstream } from '../testing/proxy-test-kit.js';

let up: TestUpstream;
let proxy: ProxyServer;
const tunnels = new Set<Duplex>();

beforeAll(async () => {
  up = await startUpstream('v1', (req, res) => {
    if (req.url === '/trailers') {
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-sum' });
      res.write('abc');
      res.addTrailers({ 'x-sum': '42' });
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.end(`${String(req.method)} ${String(req.url)} ${Buffer.concat(chunks).toString()}`));
  });
  // WebSocket-style upgrade: answer 101 and echo every byte back on the raw socket
  up.server.on('upgrade', (_req, socket, head) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
    if (head.length > 0) socket.write(head);
    socket.on('data', (c: Buffer) => socket.write(c));
    socket.on('end', () => socket.end());
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
  });
  proxy = await ProxyServer.listen({ maxHeaderBytes: 4096 });
  proxy.setRoutes({ versions: [{ version: 'v1', weight: 100, instances: [{ host: '127.0.0.1', port: up.port }] }] });
});

afterAll(async () => {
  for (const t of tunnels) t.destroy();
  await proxy.close(100);
  await up.close();
});

async function exchange(raw: string): Promise<string> {
  const c = await rawClient(proxy.address.port);
  c.socket.write(raw);
  await c.closed;
  return c.text;
}

describe('request smuggling and malformed heads', () => {
  test.each([
    ['CL.TE', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['TE.CL', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n'],
    ['CL.CL', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['TE not chunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n'],
    ['TE obfuscated', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n'],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tcontinued\r\n\r\n'],
    ['bare LF lines', 'GET / HTTP/1.1\nHost: x\n\n'],
  ])('%s is refused with 400 and the connection closed, nothing reaches the upstream', async (_n, raw) => {
    const before = up.hits;
    const text = await exchange(raw);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(countResponses(text)).toBe(1);
    expect(text).toContain('Connection: close');
    expect(up.hits).toBe(before);
  });

  test('a head over maxHeaderBytes gets 431', async () => {
    const text = await exchange(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`);
    expect(text).toMatch(/^HTTP\/1\.1 431 /);
  });

  test('a malformed chunked body is answered 400 and closed', async () => {
    const text = await exchange('POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
    expect(text).toMatch(/HTTP\/1\.1 400 /);
  });

  test('empty lines before a request line are ignored', async () => {
    const text = await exchange('\r\n\r\nGET /lead HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 200 OK[^]*GET \/lead $/);
  });
});

describe('message framing through the proxy', () => {
  test('chunked responses pass through byte for byte, trailers included', async () => {
    const text = await exchange('GET /trailers HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n');
    expect(text).toContain('Transfer-Encoding: chunked\r\n');
    expect(text).toMatch(/\r\n\r\n3\r\nabc\r\n0\r\nx-sum: 42\r\n\r\n$/);
  });

  test('Expect: 100-continue gets the interim response before the body is sent', async () => {
    const c = await rawClient(proxy.address.port);
    c.socket.write('POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n');
    await c.until((t) => t.includes('100 Continue'));
    c.socket.write('body');
    const text = await c.until((t) => t.includes('POST /e body'));
    expect(text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    c.socket.destroy();
  });

  test('after 101 the sockets are piped raw both ways', async () => {
    const c = await rawClient(proxy.address.port);
    c.socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly');
    await c.until((t) => t.includes('early'));
    expect(c.text).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(c.text).toContain('Connection: upgrade\r\n');
    expect(c.text).toContain('Upgrade: echo\r\n');
    c.socket.write('ping-1');
    await c.until((t) => t.includes('ping-1'));
    c.socket.write(Buffer.alloc(200_000, 'z'));
    await c.until((t) => t.split('z').length - 1 >= 200_000);
    expect(proxy.metrics(60).versions[0]?.inFlight).toBe(1); // a tunnel counts until it closes
    c.socket.end();
    await c.closed;
    await new Promise((r) => setTimeout(r, 20));
    expect(proxy.metrics(60).versions[0]?.inFlight).toBe(0);
  });
});

describe('responses delimited by the end of the connection', () => {
  test('the whole body reaches the client, streamed as it comes, and the client connection closes after it', async () => {
    // an upstream that answers without Content-Length or chunked coding, in two parts, then closes (RFC 9112 §6.3
    // point 8); the HTTP/1.0 one also says nothing about the connection
    const raw = createServer((s) => {
      s.once('data', (head: Buffer) => {
        const old = head.toString('latin1').includes('/old');
        s.write(old ? 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst part, ' : 'HTTP/1.1 200 OK\r\n\r\nfirst part, ');
        setTimeout(() => s.end('second part'), 30);
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const p = await ProxyServer.listen({});
    try {
      p.setRoutes({ versions: [{ version: 'v1', weight: 100, instances: [{ host: '127.0.0.1', port: (raw.address() as AddressInfo).port }] }] });
      for (const path of ['/new', '/old']) {
        const c = await rawClient(p.address.port);
        c.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
        await c.until((t) => t.includes('first part, '));
        expect(c.text).not.toContain('second part');
        await c.closed;
        expect(c.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        expect(c.text).toContain('\r\nConnection: close\r\n');
        expect(c.text.slice(c.text.indexOf('\r\n\r\n') + 4)).toBe('first part, second part');
      }
      expect(p.metrics(60).versions[0]?.totals.requests).toBe(2);
    } finally {
      await p.close(100);
      raw.close();
    }
  });
});
