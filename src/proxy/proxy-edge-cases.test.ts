// Black-box edge cases of HTTP/1.1 framing and connection handling (RFC 9110, RFC 9112) through a real proxy,
// with raw node:net upstreams where the exact upstream bytes matter.
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import { countResponses, rawClient, send, startUpstream, type RawClient } from '../testing/proxy-test-kit.js';
import {
  LOCAL,
  closesWithin,
  finals,
  okResponse,
  parseResponses,
  pump,
  serveRequests,
  sleep,
  untilFinals,
  withRawUpstream,
  withUpstream,
} from '../testing/raw-http.js';

/** Writes `data` in pieces of `size` bytes with a pause between them, so each is read on its own. */
async function trickle(s: Socket, data: string | Buffer, size: number, pauseMs = 1): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  for (let i = 0; i < bytes.length; i += size) {
    s.write(bytes.subarray(i, i + size));
    await sleep(pauseMs);
  }
}

const OK_BODY = 'hello world';

describe('responses without a body', () => {
  test('HEAD: Content-Length but no body, and pipelined requests after it still work', async () => {
    const up = await withRawUpstream(
      serveRequests((req, s) => {
        s.write(
          req.method === 'HEAD'
            ? `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${OK_BODY.length}\r\n\r\n`
            : okResponse(OK_BODY),
        );
      }),
      {},
      async (p) => {
        const c = await rawClient(p.address.port);
        c.socket.write(
          'HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n' +
            'HEAD /c HTTP/1.1\r\nHost: x\r\n\r\nGET /d HTTP/1.1\r\nHost: x\r\n\r\n',
        );
        const kinds = [true, false, true, false];
        const res = await untilFinals(c, 4, kinds);
        expect(res.map((r) => r.status)).toEqual([200, 200, 200, 200]);
        expect(res.map((r) => r.body)).toEqual(['', OK_BODY, '', OK_BODY]);
        expect(res[0]?.head).toContain(`Content-Length: ${OK_BODY.length}\r\n`);
        await sleep(20);
        expect(c.text.endsWith(OK_BODY)).toBe(true); // nothing more than the four responses
        c.socket.destroy();
      },
    );
    expect(up.connections).toBe(1); // the upstream connection stayed in step
  });

  test('HEAD answered with Transfer-Encoding: chunked has no body; the next request still works', async () => {
    const up = await withRawUpstream(
      serveRequests((req, s) => {
        s.write(
          req.method === 'HEAD'
            ? 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
            : 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
        );
      }),
      {},
      async (p) => {
        const c = await rawClient(p.address.port);
        c.socket.write('HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
        const res = await untilFinals(c, 2, [true, false]);
        expect(res[0]?.head).toMatch(/\r\nTransfer-Encoding: chunked\r\n/i);
        expect(res[0]?.raw).toBe('');
        expect(res[1]?.body).toBe('hello');
        c.socket.destroy();
      },
    );
    expect(up.connections).toBe(1);
  });

  test('204 and 304, with and without Content-Length, end at their head (RFC 9112 §6.3 point 1)', async () => {
    const answers: Record<string, string> = {
      '/204': 'HTTP/1.1 204 No Content\r\n\r\n',
      '/204-cl': 'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n',
      '/304': 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n',
      // in a 304, Content-Length is the size of the representation that was not sent (RFC 9110 §8.6)
      '/304-cl': 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 1234\r\n\r\n',
      '/204-te': 'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n',
    };
    const up = await withRawUpstream(serveRequests((req, s) => s.write(answers[req.target] ?? okResponse(OK_BODY))), {}, async (p) => {
      const c = await rawClient(p.address.port);
      const paths = [...Object.keys(answers), '/last'];
      c.socket.write(paths.map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
      const res = await untilFinals(c, paths.length);
      expect(res.map((r) => r.status)).toEqual([204, 204, 304, 304, 204, 200]);
      expect(res.map((r) => r.raw)).toEqual(['', '', '', '', '', OK_BODY]);
      expect(res[3]?.head).toContain('Content-Length: 1234\r\n');
      c.socket.destroy();
    });
    expect(up.connections).toBe(1);
  });
});

describe('interim responses', () => {
  const interim =
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload; as=style\r\n\r\n';

  // /apart: each response in a write of its own, some time apart; else all in one write
  const interimUpstream = serveRequests((req, s) => {
    if (req.target === '/apart') {
      s.write('HTTP/1.1 100 Continue\r\n\r\n');
      setTimeout(() => s.write('HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload; as=style\r\n\r\n'), 10);
      setTimeout(() => s.write(okResponse(OK_BODY)), 20);
    } else {
      s.write(interim + okResponse(OK_BODY));
    }
  });

  test('100 and 103 reach an HTTP/1.1 client before the final response, which follows intact', async () => {
    await withRawUpstream(interimUpstream, {}, async (p) => {
      const c = await rawClient(p.address.port);
      c.socket.write('GET /apart HTTP/1.1\r\nHost: x\r\n\r\n');
      await untilFinals(c, 1);
      c.socket.write('GET /together HTTP/1.1\r\nHost: x\r\n\r\n');
      await untilFinals(c, 2);
      const all = parseResponses(c.text);
      expect(all.map((r) => r.status)).toEqual([100, 103, 200, 100, 103, 200]);
      expect(all[1]?.head).toContain('Link: </s.css>; rel=preload; as=style\r\n');
      expect(all[4]?.head).toContain('Link: </s.css>; rel=preload; as=style\r\n');
      expect(all[2]?.body).toBe(OK_BODY);
      expect(all[5]?.body).toBe(OK_BODY);
      c.socket.destroy();
    });
  });

  test('an HTTP/1.0 client gets no 1xx, only the final response (RFC 9110 §15.2)', async () => {
    await withRawUpstream(interimUpstream, {}, async (p) => {
      for (const path of ['/apart', '/together']) {
        const c = await rawClient(p.address.port);
        c.socket.write(`GET ${path} HTTP/1.0\r\n\r\n`);
        await c.closed;
        expect(c.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        expect(parseResponses(c.text).map((r) => r.status)).toEqual([200]);
        expect(finals(c.text)[0]?.body).toBe(OK_BODY);
      }
    });
  });
});

describe('HTTP/1.0 clients', () => {
  test('no Host: served, a Host is made up for the upstream, and the connection closes after', async () => {
    const up = await startUpstream('v1');
    await withUpstream(up, {}, async (p) => {
      const c = await rawClient(p.address.port);
      c.socket.write('GET /old HTTP/1.0\r\n\r\n');
      expect(await closesWithin(c, 2000)).toBe(true);
      const [res] = finals(c.text);
      expect(res?.status).toBe(200);
      const seen = JSON.parse(res?.body ?? '');
      expect(seen.url).toBe('/old');
      expect(typeof seen.headers.host).toBe('string');
      expect(seen.headers.host).not.toBe('');
    });
  });

  test('a POST with Content-Length from an HTTP/1.0 client gets its body through', async () => {
    const up = await startUpstream('v1');
    await withUpstream(up, {}, async (p) => {
      const c = await rawClient(p.address.port);
      c.socket.write('POST /p HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello');
      await c.closed;
      expect(JSON.parse(finals(c.text)[0]?.body ?? '').body).toBe('hello');
    });
  });

  test('Connection: keep-alive from an HTTP/1.0 client: either kept (and said so) or closed after a whole response', async () => {
    const up = await startUpstream('v1');
    await withUpstream(up, {}, async (p) => {
      const c = await rawClient(p.address.port);
      c.socket.write('GET /ka HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
      const [res] = await untilFinals(c, 1);
      expect(res?.status).toBe(200);
      expect(JSON.parse(res?.body ?? '').url).toBe('/ka');
      if (await closesWithin(c, 300)) return; // closing is always allowed for HTTP/1.0 (RFC 9112 §9.3)
      // kept open: an HTTP/1.0 client only knows that from the response (RFC 9112 appendix C.2.2)
      expect(res?.head).toMatch(/\r\nConnection: keep-alive\r\n/i);
      c.socket.write('GET /ka2 HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
      const second = await untilFinals(c, 2);
      expect(JSON.parse(second[1]?.body ?? '').url).toBe('/ka2');
      c.socket.destroy();
    });
  });

  test('a streamed response reaches an HTTP/1.0 client whole and without chunked coding (RFC 9112 §6.1)', async () => {
    const up = await startUpstream('stream', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('one,');
      setTimeout(() => res.end('two'), 10);
    });
    await withUpstream(up, {}, async (p) => {
      const c = await rawClient(p.address.port);
      c.socket.write('GET / HTTP/1.0\r\nHost: x\r\n\r\n');
      expect(await closesWithin(c, 2000)).toBe(true);
      const [res] = finals(c.text);
      expect(res?.head).not.toMatch(/transfer-encoding/i);
      expect(res?.body).toBe('one,two');
    });
  });
});

describe('pipelining and request bodies', () => {
  test('three GETs in one write are answered in order', async () => {
    const up = await startUpstream('v1');
    await withUpstream(up, {}, async (p) => {
      const c = await rawClient(p.address.port);
      c.socket.write(['/g1', '/g2', '/g3'].map((u) => `GET ${u} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
      const res = await untilFinals(c, 3);
      expect(res.map((r) => JSON.parse(r.body).url)).toEqual(['/g1', '/g2', '/g3']);
      c.socket.destroy();
    });
  });

  test('a POST with a body and a GET in one write: both answered, in order, the body intact', async () => {
    const up = await startUpstream('v1');
    await withUpstream(up, {}, async (p) => {
      const c = await rawClient(p.address.port);
      c.socket.write(
        'POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nGET /x HTTP' + 'GET /g HTTP/1.1\r\nHost: x\r\n\r\n',
      );
      const res = await untilFinals(c, 2);
      const [a, b] = res.map((r) => JSON.parse(r.body));
      expect(a).toMatchObject({ method: 'POST', url: '/p', body: 'GET /x HTTP' });
      expect(b).toMatchObject({ method: 'GET', url: '/g', body: '' });
      c.socket.destroy();
    });
  });

  test('a Content-Length body (and its head) split over many small writes arrives whole', async () => {
    const up = await startUpstream('v1');
    await withUpstream(up, {}, async (p) => {
      const body = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(0x41 + (i % 26))).join('');
      const c = await rawClient(p.address.port);
      await trickle(c.socket, `POST /cl HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`, 7);
      await trickle(c.socket, body, 97);
      c.socket.write('GET /after HTTP/1.1\r\nHost: x\r\n\r\n');
      const res = await untilFinals(c, 2);
      expect(JSON.parse(res[0]?.body ?? '').body).toBe(body);
      expect(JSON.parse(res[1]?.body ?? '').url).toBe('/after');
      c.socket.destroy();
    });
  });

  test('a chunked request body with extensions and trailers, in 3-byte writes, reaches the upstream intact', async () => {
    const up = await startUpstream('trailers', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const json = JSON.stringify({ te: req.headers['transfer-encoding'], body: Buffer.concat(chunks).toString(), trailers: req.trailers });
        res.writeHead(200, { 'content-length': Buffer.byteLength(json) }).end(json);
      });
    });
    await withUpstream(up, {}, async (p) => {
      const c = await rawClient(p.address.port);
      await trickle(
        c.socket,
        'POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
          '5;name=value;quoted="a;b"\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0;last\r\nX-Checksum: 1234\r\nX-Other: b\r\n\r\n',
        3,
      );
      c.socket.write('GET /after HTTP/1.1\r\nHost: x\r\n\r\n');
      const res = await untilFinals(c, 2);
      expect(JSON.parse(res[0]?.body ?? '')).toEqual({
        te: 'chunked',
        body: 'helloabcdefghijklmnopqrstuvwxyz',
        trailers: { 'x-checksum': '1234', 'x-other': 'b' },
      });
      expect(res[1]?.status).toBe(200);
      c.socket.destroy();
    });
  });
});

describe('response framing over odd write boundaries', () => {
  test('a chunked response written one byte at a time passes through byte for byte, and the connection stays in step', async () => {
    const body = '1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n10\r\n0123456789ABCDEF\r\n0\r\nX-Sum: 42\r\n\r\n';
    const up = await withRawUpstream(
      serveRequests((req, s) => {
        if (req.target === '/next') {
          s.write(okResponse(OK_BODY));
          return;
        }
        void trickle(s, `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`, 1);
      }),
      {},
      async (p) => {
        const c = await rawClient(p.address.port);
        c.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n');
        const res = await untilFinals(c, 2);
        expect(res[0]?.raw).toBe(body);
        expect(res[0]?.body).toBe('abcdefghijklmnopqrstuvwxyz0123456789ABCDEF');
        expect(res[1]?.body).toBe(OK_BODY);
        c.socket.destroy();
      },
    );
    expect(up.connections).toBe(1);
  });

  test('a multi-megabyte response to a client that does not read arrives intact, and the upstream is held back', async () => {
    const TOTAL = 48 * 1024 * 1024;
    const piece = randomBytes(64 * 1024);
    let sent = (): number => 0;
    const want = createHash('sha256');
    for (let i = 0; i < TOTAL / piece.length; i++) want.update(piece);
    await withRawUpstream(
      serveRequests((_req, s) => {
        s.write(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${TOTAL}\r\n\r\n`);
        sent = pump(s, piece, TOTAL);
      }),
      {},
      async (p) => {
        const c = connect({ host: LOCAL, port: p.address.port });
        c.on('error', () => {});
        await new Promise<void>((r) => c.once('connect', r));
        c.pause();
        c.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
        await sleep(500);
        // what the upstream got rid of sits in socket buffers or in the proxy; socket buffers hold a few MB at most
        const pushedWhilePaused = sent();
        const got = createHash('sha256');
        let head = '';
        let bodyBytes = 0;
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`timed out after ${bodyBytes} body bytes`)), 10_000);
          c.on('data', (chunk: Buffer) => {
            let b = chunk;
            if (!head.endsWith('\r\n\r\n')) {
              const text = head + b.toString('latin1');
              const end = text.indexOf('\r\n\r\n');
              if (end < 0) {
                head = text;
                return;
              }
              b = b.subarray(end + 4 - head.length);
              head = text.slice(0, end + 4);
            }
            bodyBytes += b.length;
            got.update(b);
            if (bodyBytes >= TOTAL) {
              clearTimeout(timer);
              resolve();
            }
          });
          c.resume();
        });
        c.destroy();
        expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        expect(bodyBytes).toBe(TOTAL);
        expect(got.digest('hex')).toBe(want.digest('hex'));
        expect(pushedWhilePaused).toBeLessThan(TOTAL / 2);
      },
    );
  });
});

describe('upstream connection behaviour', () => {
  test('an upstream that closes its keep-alive connection right after each response: the next requests use a fresh one', async () => {
    const up = await withRawUpstream(
      serveRequests((req, s) => {
        s.end(okResponse(req.target)); // no Connection: close, just a close
      }),
      {},
      async (p) => {
        const c = await rawClient(p.address.port);
        c.socket.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\n');
        await untilFinals(c, 1);
        c.socket.write('GET /2 HTTP/1.1\r\nHost: x\r\n\r\n'); // at once
        await untilFinals(c, 2);
        await sleep(50);
        c.socket.write('GET /3 HTTP/1.1\r\nHost: x\r\n\r\n'); // once the close has surely arrived
        await untilFinals(c, 3);
        c.socket.write('GET /4 HTTP/1.1\r\nHost: x\r\n\r\nGET /5 HTTP/1.1\r\nHost: x\r\n\r\n');
        await untilFinals(c, 5);
        await sleep(50);
        c.socket.write('POST /6 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi');
        const res = await untilFinals(c, 6);
        expect(res.map((r) => `${r.status} ${r.body}`)).toEqual(['200 /1', '200 /2', '200 /3', '200 /4', '200 /5', '200 /6']);
        c.socket.destroy();
      },
    );
    expect(up.connections).toBeGreaterThanOrEqual(6);
  });

  const early = 'HTTP/1.1 413 Content Too Large\r\nContent-Type: text/plain\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big!';

  /** An upstream that answers on the request head: /close then closes, /open keeps the connection and stops reading. */
  function earlyUpstream(s: Socket): void {
    s.once('data', (head: Buffer) => {
      if (head.toString('latin1').startsWith('POST /close')) {
        s.end(early);
      } else {
        s.write(early.replace('Connection: close\r\n', ''));
        s.pause();
      }
    });
  }

  /** Sends a POST head announcing a large body, then body pieces until a response is in; returns the client. */
  async function postUntilAnswered(port: number, path: string, expect100 = false): Promise<RawClient> {
    const c = await rawClient(port);
    c.socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n${expect100 ? 'Expect: 100-continue\r\n' : ''}\r\n`);
    const piece = Buffer.alloc(10_000, 'b');
    for (let i = 0; i < 20 && finals(c.text).length === 0; i++) {
      if (!expect100) c.socket.write(piece);
      await sleep(5);
    }
    await untilFinals(c, 1);
    return c;
  }

  test('an upstream that answers before reading the request body: the client gets the whole response, then a close', async () => {
    await withRawUpstream(earlyUpstream, {}, async (p) => {
      for (const [path, expect100] of [['/close', false], ['/open', false], ['/open', true]] as const) {
        const c = await postUntilAnswered(p.address.port, path, expect100);
        const [res] = finals(c.text);
        expect(res?.status).toBe(413);
        expect(res?.body).toBe('too big!');
        expect(c.text).not.toContain('100 Continue');
        // the rest of the body is never read, so the connection cannot carry another request
        expect(await closesWithin(c, 3000)).toBe(true);
        expect(countResponses(c.text)).toBe(1);
      }
      expect((await send(p.address.port, { method: 'POST', path: '/close', body: 'x' })).status).toBe(413);
    });
  });

  // "A server that responds with a final status code before reading the entire request content SHOULD indicate
  // whether it intends to close the connection" (RFC 9110 §10.1.1): the proxy will not read the rest of the body,
  // so the head it sends says Connection: close.
  test('a response sent before the request body was read says Connection: close', async () => {
    await withRawUpstream(earlyUpstream, {}, async (p) => {
      for (const [path, expect100] of [['/close', false], ['/open', false], ['/open', true]] as const) {
        const c = await postUntilAnswered(p.address.port, path, expect100);
        expect(finals(c.text)[0]?.head).toMatch(/\r\nConnection: close\r\n/i);
        c.socket.destroy();
      }
    });
  });

  test.each([
    ['a status line that is not HTTP', 'garbage\r\n\r\n', false],
    ['letters in the status code', 'HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/2 in the status line', 'HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n', false],
    ['a two-digit status', 'HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n', false],
    ['a field line without colon', 'HTTP/1.1 200 OK\r\nBad Header Line\r\nContent-Length: 0\r\n\r\n', false],
    ['a NUL in a field value', 'HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n', false],
    ['differing Content-Length values', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok', false],
    ['a negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', false],
    ['Content-Length with Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n', false],
    ['garbage, then the connection closes', 'this is not http at all', true],
    ['a head cut short by a close', 'HTTP/1.1 200 OK\r\nContent-Len', true],
  ])('an invalid upstream response (%s) is answered 502', async (_name, raw, thenClose) => {
    await withRawUpstream(serveRequests((_req, s) => (thenClose ? s.end(raw) : s.write(raw))), {}, async (p) => {
      const c = await rawClient(p.address.port);
      c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const [res] = await untilFinals(c, 1);
      expect(res?.status).toBe(502);
      expect(countResponses(c.text)).toBe(1);
      c.socket.destroy();
    });
  });

  test('a chunked body that turns malformed after the head went out ends the client connection, unterminated', async () => {
    await withRawUpstream(
      serveRequests((_req, s) => {
        s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
        setTimeout(() => s.write('zz\r\n'), 30);
      }),
      {},
      async (p) => {
        const c = await rawClient(p.address.port);
        c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        expect(await closesWithin(c, 2000)).toBe(true);
        expect(c.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        expect(c.text).toContain('5\r\nhello\r\n');
        expect(c.text).not.toContain('0\r\n\r\n'); // the client must not see a complete message
        expect(c.text).not.toContain('zz');
      },
    );
  });

  // The broken chunk framing is found in the same read as the response head: nothing went to the client yet, so
  // it is answered 502 (RFC 9110 §15.6.3) rather than cut off without a response.
  test('a chunked body already malformed in the first read, before anything went out, is answered 502', async () => {
    await withRawUpstream(
      serveRequests((_req, s) => s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n')),
      {},
      async (p) => {
        const c = await rawClient(p.address.port);
        c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        const text = await c.until((t) => /^HTTP\/1\.1 \d\d\d /.test(t));
        expect(text.slice(0, 12)).toBe('HTTP/1.1 502');
        expect(text).not.toContain('hello');
        c.socket.destroy();
      },
    );
  });

  // chunk-size is 1*HEXDIG (RFC 9112 §7.1): leading zeros are valid; only the significant digits are bounded.
  test('a chunk size with many leading zeros is valid', async () => {
    await withRawUpstream(
      serveRequests((_req, s) => {
        s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        setTimeout(() => s.write('0000000000000000005\r\nhello\r\n0\r\n\r\n'), 10);
      }),
      {},
      async (p) => {
        const c = await rawClient(p.address.port);
        c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        const [res] = await untilFinals(c, 1, [], 2000);
        expect(res?.body).toBe('hello');
        c.socket.destroy();
      },
    );
  });

  test('bytes past the end of a response are not passed on as the next response', async () => {
    // a HEAD answered with a body, and a response longer than its Content-Length: the extra bytes would read as a
    // response of their own on the next request's turn
    await withRawUpstream(
      serveRequests((req, s) => {
        if (req.method === 'HEAD') s.write('HTTP/1.1 200 OK\r\nContent-Length: 45\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil');
        else if (req.target === '/long') s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil');
        else s.write(okResponse(req.target));
      }),
      {},
      async (p) => {
        const c = await rawClient(p.address.port);
        c.socket.write('HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n');
        const first = await untilFinals(c, 2, [true, false]);
        expect(first.map((r) => r.body)).toEqual(['', '/a']);
        c.socket.write('GET /long HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
        const all = await untilFinals(c, 4, [true, false, false, false]);
        expect(all.map((r) => r.body)).toEqual(['', '/a', 'ok', '/b']);
        expect(c.text).not.toContain('evil');
        c.socket.destroy();
      },
    );
  });

  test('a 101 to a request that asked for no upgrade is answered 502', async () => {
    await withRawUpstream(
      serveRequests((_req, s) => s.write('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\nraw')),
      {},
      async (p) => {
        const c = await rawClient(p.address.port);
        c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        const text = await c.until((t) => /^HTTP\/1\.1 \d\d\d /.test(t));
        expect(text.slice(0, 12)).toBe('HTTP/1.1 502');
        c.socket.destroy();
      },
    );
  });

  async function headOfSize(size: number, piece: number): Promise<string> {
    const line = `X-Pad: ${'p'.repeat(1000)}\r\n`;
    const head = `HTTP/1.1 200 OK\r\n${line.repeat(Math.ceil(size / line.length))}Content-Length: 2\r\n\r\nok`;
    let status = '';
    await withRawUpstream(
      serveRequests((_req, s) => {
        if (piece === 0) s.write(head);
        else void trickle(s, head, piece);
      }),
      {},
      async (p) => {
        const c = await rawClient(p.address.port);
        c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        const text = await c.until((t) => /^HTTP\/1\.1 \d\d\d /.test(t));
        status = text.slice(9, 12);
        if (status === '200') await c.until((t) => t.endsWith('\r\n\r\nok'));
        c.socket.destroy();
      },
    );
    return status;
  }

  test('a response head over 64 KiB trickled in 4 KiB writes is answered 502', async () => {
    expect(await headOfSize(70 * 1024, 4096)).toBe('502');
  });

  // The 64 KiB limit holds for a head whose blank line arrives in the read that takes it past the limit, too
  // (the first read, up to the 64 KiB read buffer, is not over it yet).
  test.each([
    ['100 KiB, in one write', 100 * 1024],
    ['just over 64 KiB, in one write', 64 * 1024 + 1100],
  ])('a response head over 64 KiB (%s) is answered 502', async (_name, size) => {
    expect(await headOfSize(size, 0)).toBe('502');
  });

  test('a response head just under 64 KiB passes', async () => {
    const line = `X-Pad: ${'p'.repeat(1000)}\r\n`;
    const head = `HTTP/1.1 200 OK\r\n${line.repeat(60)}Content-Length: 2\r\n\r\nok`;
    await withRawUpstream(serveRequests((_req, s) => s.write(head)), {}, async (p) => {
      const c = await rawClient(p.address.port);
      c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const [res] = await untilFinals(c, 1);
      expect(res?.status).toBe(200);
      expect(res?.head.length).toBeGreaterThan(60_000);
      expect(res?.body).toBe('ok');
      c.socket.destroy();
    });
  });
});

describe('clients that go away', () => {
  test('a client that disconnects mid-response does not take the pool with it', async () => {
    const up = await startUpstream('v1', (req, res) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'content-length': String(16 * 1024 * 1024) });
        res.end(Buffer.alloc(16 * 1024 * 1024, 'y'));
      } else if (req.url === '/drip') {
        // a slow stream: the proxy learns the client is gone on its next write
        res.writeHead(200, { 'content-type': 'text/plain' });
        const tick = setInterval(() => res.write('drip\n'), 10);
        res.on('close', () => clearInterval(tick));
      } else if (req.url === '/hold') {
        setTimeout(() => res.end('held'), 150);
      } else {
        res.end(`ok ${String(req.url)}`);
      }
    });
    // one connection per upstream: a connection lost track of would stall every later request (504)
    await withUpstream(up, { maxConnectionsPerUpstream: 1, upstreamConnectTimeoutMs: 1000 }, async (p) => {
      for (const path of ['/big', '/drip']) {
        const c = await rawClient(p.address.port);
        c.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
        await c.until((t) => (t.includes('\r\n\r\n') && t.length > 200) || t.includes('drip\n'));
        c.socket.destroy();
        for (let i = 0; i < 3; i++) {
          const res = await send(p.address.port, { path: `/after${i}` });
          expect(`${res.status} ${res.body}`).toBe(`200 ok /after${i}`);
        }
      }
      // a client that leaves while its request waits for the only connection
      const holder = send(p.address.port, { path: '/hold' });
      await sleep(20);
      const waiter = await rawClient(p.address.port);
      waiter.socket.write('GET /waiting HTTP/1.1\r\nHost: x\r\n\r\n');
      await sleep(20);
      waiter.socket.destroy();
      expect((await holder).body).toBe('held');
      expect((await send(p.address.port, { path: '/last' })).body).toBe('ok /last');
      await sleep(20);
      expect(p.metrics(60).versions[0]?.inFlight).toBe(0);
    });
  });

  test('a client gone while the upstream is silent holds its connection only until the response timeout', async () => {
    // until it writes, the proxy cannot tell a client that left from one that half-closed after its request
    const up = await startUpstream('v1', (req, res) => {
      if (req.url === '/stall') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
      } else {
        res.end(`ok ${String(req.url)}`);
      }
    });
    const options = { maxConnectionsPerUpstream: 1, upstreamConnectTimeoutMs: 2000, upstreamResponseTimeoutMs: 300 };
    await withUpstream(up, options, async (p) => {
      const c = await rawClient(p.address.port);
      c.socket.write('GET /stall HTTP/1.1\r\nHost: x\r\n\r\n');
      await c.until((t) => t.includes('partial'));
      c.socket.destroy();
      const t0 = performance.now();
      const res = await send(p.address.port, { path: '/after' });
      expect(`${res.status} ${res.body}`).toBe('200 ok /after');
      expect(performance.now() - t0).toBeLessThan(1500);
    });
  });

  async function uploadWhile(
    hold: 'pool' | 'reader',
    fn: (taken: number) => void,
  ): Promise<void> {
    const TOTAL = 48 * 1024 * 1024;
    let release: () => void = () => {};
    const up = await startUpstream('v1', (req, res) => {
      if (req.url === '/hold') {
        release = () => res.end('held');
        return;
      }
      let n = 0;
      if (hold === 'reader') {
        req.pause(); // does not read the body until released
        release = () => req.resume();
      }
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(String(n)));
    });
    await withUpstream(up, { maxConnectionsPerUpstream: 1, upstreamConnectTimeoutMs: 3000 }, async (p) => {
      const holder = hold === 'pool' ? send(p.address.port, { path: '/hold' }) : null;
      await sleep(30);
      const c = await rawClient(p.address.port);
      c.socket.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${TOTAL}\r\n\r\n`);
      const piece = Buffer.alloc(1024 * 1024, 'u');
      const written = pump(c.socket, piece, TOTAL);
      await sleep(500);
      const taken = written() - c.socket.writableLength; // what left the client while the upstream took nothing
      release();
      if (holder !== null) expect((await holder).body).toBe('held');
      const [res] = await untilFinals(c, 1, [], 10_000);
      expect(res?.body).toBe(String(TOTAL));
      c.socket.destroy();
      fn(taken);
    });
  }

  test('a request body to an upstream that reads slowly is held back at the client', async () => {
    await uploadWhile('reader', (taken) => expect(taken).toBeLessThan(24 * 1024 * 1024));
  });

  // While an exchange waits for an upstream connection (pool at maxConnectionsPerUpstream, or still connecting)
  // the body queued for it is bounded: the client is paused once 64 KiB wait.
  test('a request body waiting for a free upstream connection is not buffered without bound', async () => {
    await uploadWhile('pool', (taken) => expect(taken).toBeLessThan(24 * 1024 * 1024));
  });
});

describe('upgrades and request targets', () => {
  test('an Upgrade request the upstream answers with 200 stays plain HTTP: the next request on the connection works', async () => {
    const seen: string[] = [];
    await withRawUpstream(
      serveRequests((req, s) => {
        seen.push(req.head);
        s.write(okResponse(req.target));
      }),
      {},
      async (p) => {
        const c = await rawClient(p.address.port);
        c.socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
        const [first] = await untilFinals(c, 1);
        expect(first?.status).toBe(200);
        expect(first?.body).toBe('/ws');
        c.socket.write('GET /next HTTP/1.1\r\nHost: x\r\n\r\n');
        const res = await untilFinals(c, 2);
        expect(res[1]?.body).toBe('/next');
        // the second request went through the proxy's parser, not a raw tunnel
        expect(seen[0]).toMatch(/\r\nUpgrade: echo\r\n/i);
        expect(seen[1]).toMatch(/\r\nX-Forwarded-For: /i);
        c.socket.destroy();
      },
    );
  });

  test('OPTIONS * is forwarded in asterisk form', async () => {
    const up = await startUpstream('v1');
    await withUpstream(up, {}, async (p) => {
      const c = await rawClient(p.address.port);
      c.socket.write('OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n');
      const [res] = await untilFinals(c, 1);
      expect(res?.status).toBe(200);
      expect(JSON.parse(res?.body ?? '')).toMatchObject({ method: 'OPTIONS', url: '*' });
      c.socket.destroy();
    });
  });

  // A request to an origin server carries origin form (RFC 9112 §3.2.1), and a proxy given absolute form replaces
  // Host with the target's authority (RFC 9112 §3.2.2), so routing, sticky headers and X-Forwarded-Host agree.
  test('an absolute-form target goes upstream in origin form, with Host from the target (RFC 9112 §3.2.1, §3.2.2)', async () => {
    const up = await startUpstream('v1');
    await withUpstream(up, {}, async (p) => {
      const c = await rawClient(p.address.port);
      c.socket.write('GET http://example.test/path?q=1 HTTP/1.1\r\nHost: other.test\r\n\r\n');
      const [res] = await untilFinals(c, 1);
      expect(res?.status).toBe(200);
      const seen = JSON.parse(res?.body ?? '');
      expect(seen.url).toBe('/path?q=1');
      expect(seen.headers.host).toBe('example.test');
      c.socket.destroy();
    });
  });

  // RFC 9112 §3.2.4: an absolute-form OPTIONS without a path asks about the whole server.
  test('OPTIONS in absolute form without a path goes upstream as OPTIONS * (RFC 9112 §3.2.4)', async () => {
    const up = await startUpstream('v1');
    await withUpstream(up, {}, async (p) => {
      const c = await rawClient(p.address.port);
      c.socket.write('OPTIONS http://example.test:8001 HTTP/1.1\r\nHost: example.test:8001\r\n\r\n');
      const [res] = await untilFinals(c, 1);
      expect(JSON.parse(res?.body ?? '')).toMatchObject({ method: 'OPTIONS', url: '*' });
      c.socket.destroy();
    });
  });
});
