import { describe, expect, test } from 'vitest';
import { HeadError, rawName, requestFields } from './header-fields.js';
import { isRetryable, parseRequestHead, type RequestHead } from './request-head.js';

function ok(text: string, known?: readonly string[] | null): RequestHead {
  const head = parseRequestHead(text, known);
  if (head instanceof HeadError) throw new Error(`unexpected ${head.status}: ${head.reason}`);
  return head;
}

function refused(text: string): HeadError {
  const head = parseRequestHead(text);
  if (!(head instanceof HeadError)) throw new Error('expected a refusal');
  return head;
}

describe('parseRequestHead', () => {
  test('request line, fields with OWS trimmed, raw and lower-case names', () => {
    const h = ok('GET /a?b=c HTTP/1.1\r\nHost: example.test\r\nX-Thing:  v a l \t\r\nAccept:\r\n\r\n', null);
    expect(h).toMatchObject({ method: 'GET', target: '/a?b=c', minor: 1, host: 'example.test', keepAlive: true });
    expect(h.lower.map((_, i) => rawName(h, i))).toEqual(['Host', 'X-Thing', 'Accept']);
    expect(h.lower).toEqual(['host', 'x-thing', 'accept']);
    expect(h.values).toEqual(['example.test', 'v a l', '']);
    expect(h.contentLength).toBe(-1);
    expect(h.chunked).toBe(false);
  });

  test('by default only the fields the proxy reads get strings; the others keep their lines', () => {
    const text = 'GET / HTTP/1.1\r\nX-Thing: a\r\nHOST: h\r\nCookie: c=1\r\nX-Forwarded-For: 10.0.0.1\r\nX-Sticky: u7\r\n\r\n';
    const h = ok(text);
    expect(h.lower).toEqual(['', 'host', 'cookie', 'x-forwarded-for', '']);
    expect(h.values).toEqual(['', 'h', 'c=1', '10.0.0.1', '']);
    expect(h.lower.map((_, i) => rawName(h, i))).toEqual(['X-Thing', 'HOST', 'Cookie', 'X-Forwarded-For', 'X-Sticky']);
    expect(ok(text, requestFields('x-sticky')).values[4]).toBe('u7');
  });

  test('a Connection header naming another field has every field parsed, so that field can be dropped', () => {
    const h = ok('GET / HTTP/1.1\r\nHost: h\r\nX-Hop: 1\r\nConnection: X-Hop\r\n\r\n');
    expect(h.connection).toEqual(['x-hop']);
    expect(h.lower).toEqual(['host', 'x-hop', 'connection']);
    expect(ok('GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nConnection: close\r\n\r\n').lower).toEqual(['host', '', 'connection']);
  });

  test('an absolute-form target becomes origin form, its authority the Host (RFC 9112 §3.2.2, §3.2.4)', () => {
    expect(ok('GET http://a.test:81/p?q=1 HTTP/1.1\r\nHost: other\r\n\r\n')).toMatchObject({
      target: '/p?q=1',
      host: 'a.test:81',
      hostFromTarget: true,
    });
    expect(ok('GET HTTPS://a.test?x HTTP/1.1\r\nHost: a.test\r\n\r\n').target).toBe('/?x');
    expect(ok('GET http://a.test HTTP/1.0\r\n\r\n')).toMatchObject({ target: '/', host: 'a.test' });
    expect(ok('OPTIONS http://a.test HTTP/1.1\r\nHost: a.test\r\n\r\n').target).toBe('*');
    expect(ok('OPTIONS * HTTP/1.1\r\nHost: a.test\r\n\r\n')).toMatchObject({ target: '*', hostFromTarget: false });
    expect(ok('GET /p HTTP/1.1\r\nHost: a.test\r\n\r\n').hostFromTarget).toBe(false);
    expect(ok('CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n').target).toBe('a.test:443'); // refused later, 501
  });

  test.each([
    ['a relative target', 'GET p HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['another scheme', 'GET ftp://a.test/ HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['userinfo', 'GET http://u:pw@a.test/ HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['no host', 'GET http:///p HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a fragment', 'GET http://a.test/p#f HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['an asterisk that is not alone', 'OPTIONS *x HTTP/1.1\r\nHost: x\r\n\r\n'],
  ])('refuses a target with %s', (_name, text) => {
    expect(refused(text)).toMatchObject({ status: 400, reason: 'invalid request target' });
  });

  test('framing: Content-Length, repeated identical lengths, chunked', () => {
    expect(ok('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n').contentLength).toBe(12);
    expect(ok('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n').contentLength).toBe(5);
    expect(ok('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n').contentLength).toBe(5);
    expect(ok('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n').chunked).toBe(true);
    expect(ok('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n').chunked).toBe(true);
  });

  test.each([
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['Transfer-Encoding with Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n'],
    ['two differing Content-Lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n'],
    ['differing lengths in one line', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\n'],
    ['a signed length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\n'],
    ['a hex length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x3\r\n\r\n'],
    ['an empty length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n'],
    ['codings not ending in chunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n'],
    ['chunked twice', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n'],
    ['an unknown coding alone', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n'],
    ['Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n'],
    ['obs-fold of Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n'],
    ['whitespace before the colon', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n'],
    ['a bare LF inside the head', 'GET / HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n'],
    ['a bare CR in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n'],
    ['a NUL in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n'],
    ['a line without colon', 'GET / HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n'],
    ['an empty field name', 'GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n'],
    ['a missing Host in HTTP/1.1', 'GET / HTTP/1.1\r\nX-A: b\r\n\r\n'],
    ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['a space in the target', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a bad method', 'G(T / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a lower-case version', 'GET / http/1.1\r\nHost: x\r\n\r\n'],
    ['a missing version', 'GET /\r\nHost: x\r\n\r\n'],
  ])('refuses %s with 400', (_name, text) => {
    expect(refused(text).status).toBe(400);
  });

  test('an unsupported version is 505', () => {
    expect(refused('GET / HTTP/2.0\r\nHost: x\r\n\r\n').status).toBe(505);
  });

  test('connection handling: close, HTTP/1.0, upgrade', () => {
    expect(ok('GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n').keepAlive).toBe(false);
    expect(ok('GET / HTTP/1.0\r\n\r\n').keepAlive).toBe(false);
    const up = ok('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n');
    expect(up.upgrade).toBe('websocket');
    expect(up.connection).toEqual(['keep-alive', 'upgrade']);
    expect(ok('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n').upgrade).toBeNull();
  });

  test('retry only idempotent requests without a body', () => {
    expect(isRetryable(ok('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe(true);
    expect(isRetryable(ok('DELETE / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'))).toBe(true);
    expect(isRetryable(ok('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n'))).toBe(false);
    expect(isRetryable(ok('POST / HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe(false);
    expect(isRetryable(ok('GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'))).toBe(false);
  });
});
