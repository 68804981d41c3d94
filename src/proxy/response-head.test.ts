import { describe, expect, test } from 'vitest';
import { HeadError } from './header-fields.js';
import { parseResponseHead, type ResponseHead } from './response-head.js';

function ok(text: string, head = false): ResponseHead {
  const r = parseResponseHead(text, head);
  if (r instanceof HeadError) throw new Error(r.reason);
  return r;
}

describe('parseResponseHead', () => {
  test('framing by length, chunked, close, and no body', () => {
    expect(ok('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n')).toMatchObject({ status: 200, framing: 'length', contentLength: 5, reusable: true });
    expect(ok('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n').framing).toBe('chunked');
    expect(ok('HTTP/1.1 200 OK\r\n\r\n')).toMatchObject({ framing: 'close', reusable: false });
    expect(ok('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n').framing).toBe('close');
    expect(ok('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', true).framing).toBe('none');
    expect(ok('HTTP/1.1 204 No Content\r\n\r\n').framing).toBe('none');
    expect(ok('HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n').framing).toBe('none');
    expect(ok('HTTP/1.1 100 Continue\r\n\r\n').framing).toBe('none');
    expect(ok('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n').reusable).toBe(false);
    expect(ok('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n').reusable).toBe(false);
    expect(ok('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n').reason).toBe('');
  });

  test.each([
    ['a garbled status line', 'HTTP/1.1 2000 OK\r\n\r\n'],
    ['both framings', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['differing lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'],
    ['obs-fold', 'HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\n\r\n'],
  ])('refuses %s with 502', (_n, text) => {
    const r = parseResponseHead(text, false);
    expect(r).toBeInstanceOf(HeadError);
    expect((r as HeadError).status).toBe(502);
  });
});
