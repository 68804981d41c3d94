import { describe, expect, it } from 'vitest';
import { ResponseParser, type ParsedResponse } from './response-parser.js';

const parse = (text: string, pieceSize = text.length, options: { head?: boolean; capture?: string } = {}) => {
  const seen: ParsedResponse[] = [];
  const parser = new ResponseParser((r) => seen.push({ ...r }), options.capture);
  if (options.head === true) parser.expectNoBody();
  const bytes = Buffer.from(text, 'latin1');
  for (let at = 0; at < bytes.length; at += pieceSize) parser.feed(bytes.subarray(at, at + pieceSize));
  return { seen, parser };
};

const CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n';
const LENGTH = 'HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\nX-Version: v2 \r\n\r\nabc';

describe('ResponseParser', () => {
  it('parses responses framed by length and by chunks, whole, several in one read, or a byte at a time', () => {
    for (const piece of [1, 2, 7, 1000]) {
      const { seen, parser } = parse(LENGTH + CHUNKED + LENGTH, piece, { capture: 'x-version' });
      expect(seen.map((r) => r.status)).toEqual([404, 200, 404]);
      expect(seen.map((r) => r.header)).toEqual(['v2', undefined, 'v2']);
      expect(parser.midResponse).toBe(false);
    }
  });

  it('skips interim 1xx answers, and reads no body after HEAD, 204 and 304', () => {
    expect(parse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n').seen.map((r) => r.status)).toEqual([201]);
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n', 1000, { head: true }).seen.map((r) => r.status)).toEqual([200, 204]);
  });

  it('tells when the server closes the connection, and ends a body that runs until close', () => {
    expect(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').seen[0]?.close).toBe(true);
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').seen[0]?.close).toBe(true);
    expect(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').seen[0]?.close).toBe(false);
    expect(parse('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n').seen[0]?.keepAliveTimeout).toBe(5);
    expect(parse('HTTP/1.1 200 OK\r\nkeep-alive: max=100\r\nContent-Length: 0\r\n\r\n').seen[0]?.keepAliveTimeout).toBeUndefined();
    const { seen, parser } = parse('HTTP/1.1 200 OK\r\n\r\nbody until close');
    expect(seen).toEqual([]);
    expect(parser.midResponse).toBe(true);
    expect(parser.end()).toBe(true);
    expect(seen.map((r) => r.status)).toEqual([200]);
    expect(parser.end()).toBe(false);
  });

  it('refuses what is not an HTTP/1.x response', () => {
    expect(() => parse('SSH-2.0-OpenSSH\r\n\r\n')).toThrow(/not an HTTP\/1.x response/);
    expect(() => parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).toThrow(/bad chunk size/);
    expect(() => parse('HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n')).toThrow(/bad content-length/);
  });
});
