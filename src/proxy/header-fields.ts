/** Why a message head was refused, with the status the proxy answers (RFC 9112 §2–§6). */
export class HeadError {
  constructor(
    readonly status: 400 | 431 | 502 | 505,
    readonly reason: string,
  ) {}
}

/** Header fields of one message head, in arrival order, with lower-cased names beside the raw ones. */
export interface HeaderFields {
  names: string[];
  lower: string[];
  values: string[];
}

/** Headers that apply to one connection only and are never forwarded (RFC 9110 §7.6.1). */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

// RFC 9110 §5.6.2 token characters.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values may hold HTAB, SP, VCHAR and obs-text; anything else (CTLs, a bare CR or LF, NUL) is refused.
// eslint-disable-next-line no-control-regex -- refusing control bytes is the point
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const DIGITS = /^[0-9]{1,15}$/;

/** Whether `s` is an RFC 9110 token. */
export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

/** Byte offset just past the blank line that ends a head in `buf`, -1 when more bytes are needed. */
export function findHeadEnd(buf: Buffer, from: number): number {
  const i = buf.indexOf('\r\n\r\n', from > 3 ? from - 3 : 0, 'latin1');
  return i < 0 ? -1 : i + 4;
}

/** Whether `buf` already holds a head ended by bare LFs, which this proxy refuses rather than waits on. */
export function hasBareLfHeadEnd(buf: Buffer): boolean {
  return buf.indexOf('\n\n', 0, 'latin1') >= 0;
}

/**
 * Parses the field lines of `head` from `start` (just past the start line) up to the final CRLF CRLF.
 * Returns an error for obs-fold, a malformed name, whitespace before the colon or a forbidden byte.
 */
export function parseFields(head: string, start: number, out: HeaderFields): HeadError | null {
  const end = head.length - 2; // the blank line's CRLF
  let pos = start;
  while (pos < end) {
    let eol = head.indexOf('\r\n', pos);
    if (eol < 0 || eol > end) eol = end;
    const first = head.charCodeAt(pos);
    if (first === 0x20 || first === 0x09) return new HeadError(400, 'obsolete line folding');
    const colon = head.indexOf(':', pos);
    if (colon < 0 || colon > eol) return new HeadError(400, 'header line without colon');
    const name = head.slice(pos, colon);
    if (!TOKEN.test(name)) return new HeadError(400, 'invalid header name');
    let vs = colon + 1;
    let ve = eol;
    while (vs < ve && (head.charCodeAt(vs) === 0x20 || head.charCodeAt(vs) === 0x09)) vs++;
    while (ve > vs && (head.charCodeAt(ve - 1) === 0x20 || head.charCodeAt(ve - 1) === 0x09)) ve--;
    const value = head.slice(vs, ve);
    if (BAD_VALUE.test(value)) return new HeadError(400, 'invalid header value');
    out.names.push(name);
    out.lower.push(name.toLowerCase());
    out.values.push(value);
    pos = eol + 2;
  }
  return null;
}

/**
 * Reads every Content-Length line: -1 when absent, the length when all agree, an error when any value is not a
 * number or two differ (RFC 9112 §6.3 point 5).
 */
export function contentLengthOf(fields: HeaderFields): number | HeadError {
  let length = -1;
  const { lower, values } = fields;
  for (let i = 0; i < lower.length; i++) {
    if (lower[i] !== 'content-length') continue;
    for (const part of (values[i] ?? '').split(',')) {
      const v = part.trim();
      if (!DIGITS.test(v)) return new HeadError(400, 'invalid Content-Length');
      const n = Number(v);
      if (length >= 0 && n !== length) return new HeadError(400, 'differing Content-Length values');
      length = n;
    }
  }
  return length;
}

/** Lower-cased comma-separated tokens of every line named `name`, or null when there is none. */
export function listOf(fields: HeaderFields, name: string): string[] | null {
  let out: string[] | null = null;
  const { lower, values } = fields;
  for (let i = 0; i < lower.length; i++) {
    if (lower[i] !== name) continue;
    out ??= [];
    for (const part of (values[i] ?? '').split(',')) {
      const v = part.trim().toLowerCase();
      if (v !== '') out.push(v);
    }
  }
  return out;
}

/** The first value of the header `name` (lower-case), or null. */
export function valueOf(fields: HeaderFields, name: string): string | null {
  const i = fields.lower.indexOf(name);
  return i < 0 ? null : (fields.values[i] ?? null);
}

/** Whether the Transfer-Encoding codings end in `chunked` exactly once (RFC 9112 §6.1); null when absent. */
export function transferEncodingIsChunked(codings: string[] | null): boolean | null {
  if (codings === null) return null;
  let chunked = 0;
  for (const c of codings) if (c.split(';')[0]?.trim() === 'chunked') chunked++;
  const last = codings[codings.length - 1]?.split(';')[0]?.trim();
  return chunked === 1 && last === 'chunked';
}
