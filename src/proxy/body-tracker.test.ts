import { describe, expect, test } from 'vitest';
import { BODY_ERROR, BODY_MORE, BodyTracker } from './body-tracker.js';

/** Feeds `text` one piece at a time; returns where the body ended in the whole text, or the error/more code. */
function feedAll(t: BodyTracker, text: string, pieceSize: number): number {
  const buf = Buffer.from(text, 'latin1');
  for (let at = 0; at < buf.length; at += pieceSize) {
    const piece = buf.subarray(at, at + pieceSize);
    const end = t.feed(piece, 0);
    if (end === BODY_ERROR) return BODY_ERROR;
    if (end !== BODY_MORE) return at + end;
  }
  return BODY_MORE;
}

const chunkedCases: Array<[string, string]> = [
  ['plain', '5\r\nhello\r\n0\r\n\r\n'],
  ['upper-case hex and several chunks', 'A\r\n0123456789\r\n1\r\nx\r\n0\r\n\r\n'],
  ['extensions', '5;name=value;flag\r\nhello\r\n0;last\r\n\r\n'],
  ['a quoted extension and BWS', '5 ;a="b c"\r\nhello\r\n0\r\n\r\n'],
  ['trailers', '5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n'],
  ['sizes with leading zeros (1*HEXDIG)', '0000000000000000005\r\nhello\r\n00000000000000000000\r\n\r\n'],
];

describe('BodyTracker', () => {
  test('a fixed length ends where it says, across pieces', () => {
    const t = new BodyTracker().length(10);
    expect(t.feed(Buffer.from('12345'), 0)).toBe(BODY_MORE);
    expect(t.feed(Buffer.from('67890NEXT'), 0)).toBe(5);
    expect(t.done).toBe(true);
  });

  test.each(chunkedCases)('chunked: %s, whole and byte by byte, stops before pipelined bytes', (_n, body) => {
    for (const size of [1, 3, 1000]) {
      const t = new BodyTracker().chunked(1024);
      expect(feedAll(t, `${body}GET / HTTP/1.1`, size)).toBe(body.length);
      expect(t.done).toBe(true);
    }
  });

  test.each([
    ['no size', '\r\nhello\r\n0\r\n\r\n'],
    ['a non-hex size', '5g\r\nhello\r\n0\r\n\r\n'],
    ['a size too large to count', 'fffffffffffffff\r\n'],
    ['a bare LF after the size', '5\nhello\r\n0\r\n\r\n'],
    ['data longer than its size', '5\r\nhello!\r\n0\r\n\r\n'],
    ['a missing CRLF after data', '5\r\nhello0\r\n\r\n'],
    ['whitespace then CRLF (no extension)', '5 \r\nhello\r\n0\r\n\r\n'],
    ['a control byte in an extension', '5;a\u0001\r\nhello\r\n0\r\n\r\n'],
    ['an obs-folded trailer', '0\r\nX-A: b\r\n c\r\n\r\n'],
    ['a bare LF ending the trailers', '0\r\n\n'],
    ['a negative size', '-5\r\nhello\r\n0\r\n\r\n'],
  ])('chunked: refuses %s', (_n, body) => {
    expect(feedAll(new BodyTracker().chunked(1024), body, 1)).toBe(BODY_ERROR);
    expect(feedAll(new BodyTracker().chunked(1024), body, 1000)).toBe(BODY_ERROR);
  });

  test('chunked: a size line of leading zeros longer than the line limit is refused', () => {
    expect(feedAll(new BodyTracker().chunked(16), `${'0'.repeat(17)}5\r\nhello\r\n0\r\n\r\n`, 1000)).toBe(BODY_ERROR);
  });

  test('chunked: an over-long extension is refused', () => {
    expect(feedAll(new BodyTracker().chunked(16), `1;${'a'.repeat(100)}\r\nx\r\n0\r\n\r\n`, 1000)).toBe(BODY_ERROR);
  });

  test('until-close never ends by itself', () => {
    expect(new BodyTracker().untilClose().feed(Buffer.from('anything'), 0)).toBe(BODY_MORE);
  });
});
