// Black-box: request heads that are not HTTP/1.x, or not one an origin server would take, get 400 from the proxy
// at once (as nginx answers them) instead of being forwarded or left waiting for the header timeout.
import { describe, expect, test } from 'vitest';
import { rawClient, startUpstream, type RawClient } from '../testing/proxy-test-kit.js';
import { closesWithin, finals, okResponse, serveRequests, sleep, untilFinals, withRawUpstream, withUpstream } from '../testing/raw-http.js';

// far longer than any answer below may take: an answer that came was not the header timeout's 408
const HEADERS_TIMEOUT_MS = 20_000;
const ANSWER_WITHIN_MS = 2_000;

/** Sends `bytes` and returns the one answer, which must come within ANSWER_WITHIN_MS, and whether the proxy closed. */
async function answerTo(c: RawClient, bytes: string | Buffer): Promise<{ status: number | undefined; body: string; closed: boolean }> {
  c.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  const [res] = await untilFinals(c, 1, [], ANSWER_WITHIN_MS);
  return { status: res?.status, body: res?.body ?? '', closed: await closesWithin(c, ANSWER_WITHIN_MS) };
}

// the start of a TLS 1.2/1.3 ClientHello record: handshake (0x16), version 3.1, length, ClientHello (1)
const CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, ...Array<number>(32).fill(7)]);

describe('methods', () => {
  test.each([
    ['in lower case', 'get'],
    ['in mixed case', 'Get'],
    ['with a digit', 'GET1'],
    ['with a token character nginx refuses', 'GET!'],
    ['1 KB long', 'A'.repeat(1024)],
  ])('a method %s gets 400 from the proxy and is not forwarded', async (_what, method) => {
    const seen: string[] = [];
    await withRawUpstream(
      serveRequests((req, s) => {
        seen.push(req.method);
        s.write(okResponse(req.method));
      }),
      { headersTimeoutMs: HEADERS_TIMEOUT_MS },
      async (p) => {
        const c = await rawClient(p.address.port);
        const res = await answerTo(c, `${method} / HTTP/1.1\r\nHost: x\r\n\r\n`);
        expect(res).toMatchObject({ status: 400, closed: true });
        expect(res.body).toMatch(/method/);
      },
    );
    expect(seen).toEqual([]);
  });

  test('a method longer than any HTTP method gets 400 before its request line ends', async () => {
    const up = await startUpstream('v1');
    await withUpstream(up, { headersTimeoutMs: HEADERS_TIMEOUT_MS }, async (p) => {
      const c = await rawClient(p.address.port);
      const res = await answerTo(c, 'B'.repeat(100));
      expect(res).toMatchObject({ status: 400, closed: true });
      expect(res.body).toMatch(/method/);
    });
  });

  test('upper-case methods with - and _ (M-SEARCH, BASELINE-CONTROL, X_CUSTOM) are forwarded as they came', async () => {
    const seen: string[] = [];
    await withRawUpstream(
      serveRequests((req, s) => {
        seen.push(req.method);
        s.write(okResponse(req.method));
      }),
      { headersTimeoutMs: HEADERS_TIMEOUT_MS },
      async (p) => {
        const c = await rawClient(p.address.port);
        c.socket.write('M-SEARCH * HTTP/1.1\r\nHost: x\r\n\r\nBASELINE-CONTROL / HTTP/1.1\r\nHost: x\r\n\r\nX_CUSTOM / HTTP/1.1\r\nHost: x\r\n\r\n');
        const res = await untilFinals(c, 3);
        expect(res.map((r) => r.status)).toEqual([200, 200, 200]);
        c.socket.destroy();
      },
    );
    expect(seen).toEqual(['M-SEARCH', 'BASELINE-CONTROL', 'X_CUSTOM']);
  });
});

describe('bytes that cannot start or continue an HTTP/1.x head are answered at once', () => {
  test.each([
    ['a TLS ClientHello sent to the plain HTTP port', CLIENT_HELLO],
    ['a request line ended by a bare CR', 'GET / HTTP/1.1\rHost: x\r\r'],
    ['a field line ended by a bare CR', 'GET / HTTP/1.1\r\nHost: x\rUser-Agent: y\r\n'],
    ['a control character in the request target', 'GET /a\x01b HTTP/1.1\r\n'],
    ['a control character in a field value', 'GET / HTTP/1.1\r\nHost: x\x00y\r\n'],
    ['DEL in a field name', 'GET / HTTP/1.1\r\nHo\x7fst: x\r\n'],
    ['binary noise', Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x42])],
  ])('%s: 400 and the connection closed, not a wait for the header timeout', async (_what, bytes) => {
    const up = await startUpstream('v1');
    await withUpstream(up, { headersTimeoutMs: HEADERS_TIMEOUT_MS }, async (p) => {
      const c = await rawClient(p.address.port);
      const res = await answerTo(c, bytes);
      expect(res).toMatchObject({ status: 400, closed: true });
    });
    expect(up.hits).toBe(0);
  });

  test('the same defects in a complete head are refused too', async () => {
    const up = await startUpstream('v1');
    await withUpstream(up, { headersTimeoutMs: HEADERS_TIMEOUT_MS }, async (p) => {
      for (const head of ['GET / HTTP/1.1\r\nHost: x\rUser-Agent: y\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nA: \x01\r\n\r\n']) {
        const c = await rawClient(p.address.port);
        expect(await answerTo(c, head)).toMatchObject({ status: 400, closed: true });
      }
    });
    expect(up.hits).toBe(0);
  });

  test('a valid head sent a byte at a time (a CR ending each read) and obs-text in a value still go through', async () => {
    const up = await startUpstream('v1');
    await withUpstream(up, { headersTimeoutMs: HEADERS_TIMEOUT_MS }, async (p) => {
      const c = await rawClient(p.address.port);
      const head = Buffer.from('GET /slow HTTP/1.1\r\nHost: x\r\nX-Name: caf\xe9\tau lait\r\n\r\n', 'latin1');
      for (let i = 0; i < head.length; i++) {
        c.socket.write(head.subarray(i, i + 1));
        await sleep(1);
      }
      const [res] = await untilFinals(c, 1);
      expect(res?.status).toBe(200);
      expect(JSON.parse(res?.body ?? '')).toMatchObject({ url: '/slow' });
      expect(finals(c.text)).toHaveLength(1);
      c.socket.destroy();
    });
    expect(up.hits).toBe(1);
  });
});
