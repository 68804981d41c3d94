import { createHash } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seededRandom } from '../shared/seeded-random.js';
import { rawClient, startUpstream, type TestUpstream } from '../testing/proxy-test-kit.js';
import { ProxyServer } from './proxy-server.js';
import { adoptWithReadBuffer, copyOf, inReadBuffer, keepable, sharedReadBuffer } from './read-buffer.js';

describe('adoptWithReadBuffer', () => {
  test('an accepted socket reads into the shared buffer, ends, and the server still closes cleanly', async () => {
    const received: string[] = [];
    let sawShared = true;
    let remote = '';
    const ended = new Promise<void>((resolve) => {
      const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (accepted) => {
        const socket = adoptWithReadBuffer(accepted, (n, buf) => {
          sawShared &&= inReadBuffer(buf);
          received.push(buf.toString('latin1', 0, n));
        });
        expect(socket).not.toBeNull();
        const s = socket as Socket;
        remote = s.remoteAddress ?? '';
        s.on('end', () => s.end('bye'));
        s.on('close', () => server.close(() => resolve()));
      });
      server.listen(0, '127.0.0.1', () => {
        const client = connect((server.address() as AddressInfo).port, '127.0.0.1', () => {
          client.write('hello ');
          setTimeout(() => client.end('world'), 20);
        });
        client.on('data', () => {});
      });
    });
    await ended; // server.close() calls back only when its connection count is back to 0
    expect(received.join('')).toBe('hello world');
    expect(sawShared).toBe(true);
    expect(remote).toBe('127.0.0.1');
  });

  test('keepable copies views into the shared buffer and passes other buffers through', () => {
    const shared = sharedReadBuffer();
    shared.write('abc', 0, 'latin1');
    const view = shared.subarray(0, 3);
    const kept = keepable(view);
    expect(kept).not.toBe(view);
    expect(inReadBuffer(kept)).toBe(false);
    shared.write('xyz', 0, 'latin1');
    expect(kept.toString()).toBe('abc');
    const own = copyOf(Buffer.from('own'));
    expect(keepable(own)).toBe(own);
  });
});

// Many clients share one read buffer (clientReads: buffer): every byte a connection keeps past a read (partial heads, pipelined
// requests, body parts queued while an upstream connection opens) must be its own copy, or another client's
// read overwrites it. These clients interleave odd-sized writes so that reads of different connections alternate.
describe.each(['buffer', 'stream'] as const)('the proxy with clientReads: %s', (clientReads) => {
  let up: TestUpstream;
  let proxy: ProxyServer;

  beforeAll(async () => {
    // answers with the length and sha256 of the request body, and the request's own tag
    up = await startUpstream('digest', (req, res) => {
      const hash = createHash('sha256');
      let length = 0;
      req.on('data', (c: Buffer) => {
        hash.update(c);
        length += c.length;
      });
      req.on('end', () => {
        const body = `${String(req.headers['x-tag'])} ${length} ${hash.digest('hex')}`;
        res.writeHead(200, { 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    proxy = await ProxyServer.listen({ seed: 3, clientReads });
    proxy.setRoutes({ versions: [{ version: 'v1', weight: 100, instances: [{ host: '127.0.0.1', port: up.port }] }] });
  });

  afterAll(async () => {
    await proxy.close(100);
    await up.close();
  });

  test('20 clients sending pipelined, fragmented requests with bodies get every body back intact', async () => {
    const random = seededRandom(42);
    const clients = 20;
    const perClient = 4;
    const expected: string[] = [];
    const runs = Array.from({ length: clients }, async (_, c) => {
      const client = await rawClient(proxy.address.port);
      let wire = Buffer.alloc(0);
      const want: string[] = [];
      for (let r = 0; r < perClient; r++) {
        const tag = `c${c}r${r}`;
        const body = Buffer.alloc(1 + Math.floor(random() * 300_000));
        for (let i = 0; i < body.length; i++) body[i] = Math.floor(random() * 256);
        const chunked = r % 2 === 1;
        const head =
          `POST /${tag} HTTP/1.1\r\nHost: t\r\nX-Tag: ${tag}\r\n` +
          (chunked ? 'Transfer-Encoding: chunked\r\n\r\n' : `Content-Length: ${body.length}\r\n\r\n`);
        const framed = chunked
          ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')])
          : body;
        wire = Buffer.concat([wire, Buffer.from(head, 'latin1'), framed]);
        want.push(`${tag} ${body.length} ${createHash('sha256').update(body).digest('hex')}`);
      }
      expected.push(...want);
      // odd-sized pieces, each on its own turn of the event loop, cutting heads and chunk sizes anywhere
      for (let at = 0; at < wire.length; ) {
        const size = 1 + Math.floor(random() * 40_000);
        client.socket.write(wire.subarray(at, at + size));
        at += size;
        await new Promise((r) => setImmediate(r));
      }
      const text = await client.until((t) => want.every((w) => t.includes(w)), 20_000);
      client.socket.destroy();
      return { want, got: want.filter((w) => text.includes(w)), order: want.map((w) => text.indexOf(w)) };
    });
    const results = await Promise.all(runs);
    expect(expected).toHaveLength(clients * perClient);
    for (const r of results) {
      expect(r.got).toEqual(r.want);
      expect([...r.order].sort((a, b) => a - b)).toEqual(r.order); // answered in order
    }
  }, 30_000);
});
