/** Why a message head was refused, with the status the proxy answers (RFC 9112 §2–§6). */
export class HeadError {
  constructor(
    readonly status: 400 | 431 | 502 | 505,
    readonly reason: string,
  ) {}
}

/**
 * Header fields of one message head, in arrival order: lower-cased names and values (without the whitespace
 * around them), and where each field's line lies in `text`, so that a field forwarded unchanged is copied from
 * there (with its name as it came) instead of being put together again.
 */
export interface HeaderFields {
  /** The head's text (latin1), the start line included. */
  text: string;
  lower: string[];
  values: string[];
  /** Field `i`'s line is `text.slice(lines[2i], lines[2i + 1])`, its CRLF included. */
  lines: number[];
}

/** Field `i`'s name as it came (not lower-cased). */
export function rawName(fields: HeaderFields, i: number): string {
  const start = fields.lines[2 * i] as number;
  return fields.text.slice(start, fields.text.indexOf(':', start));
}

/**
 * Whether a (lower-case) field name is one of the headers that apply to one connection only and are never
 * forwarded (RFC 9110 §7.6.1): Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade. A switch rather
 * than a Set, which would hash the name, a fresh string in every message.
 */
export function isHopByHop(lower: string): boolean {
  switch (lower.length) {
    case 2:
      return lower === 'te';
    case 7:
      return lower === 'upgrade' || lower === 'trailer';
    case 10:
      return lower === 'connection' || lower === 'keep-alive';
    case 16:
      return lower === 'proxy-connection';
    default:
      return false;
  }
}

// RFC 9110 §5.6.2 token characters by code: 1 for a token character, 2 for one that is an upper-case letter.
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') TCHAR[c.charCodeAt(0)] = 2;

function tchar(code: number): number {
  return code < 256 ? (TCHAR[code] as number) : 0;
}

/** Whether `s` is an RFC 9110 token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (tchar(s.charCodeAt(i)) === 0) return false;
  return true;
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

// The fields a proxy acts on in a response (RFC 9110 §7.6.1 hop-by-hop ones and the framing ones), lower-case.
const RESPONSE_FIELDS = [
  'te',
  'trailer',
  'upgrade',
  'connection',
  'keep-alive',
  'content-length',
  'proxy-connection',
  'transfer-encoding',
];

// The entry of `names` that `head[pos, pos + length)` is, compared without case, or '' for none: no string is made.
function knownName(head: string, pos: number, length: number, names: readonly string[]): string {
  for (const name of names) {
    if (name.length !== length) continue;
    let k = 0;
    // letters fold to lower case by their 0x20 bit; no other token character folds onto a letter or '-'
    while (k < length && (head.charCodeAt(pos + k) | 0x20) === name.charCodeAt(k)) k++;
    if (k === length) return name;
  }
  return '';
}

/**
 * `parseFields` for a response head: only the fields the proxy acts on (`RESPONSE_FIELDS`) get their lower-case
 * name and value; every other field gets '' for both (no strings are made for them) and is forwarded as it came.
 * Every line is checked as strictly as by `parseFields`.
 */
export function parseResponseFields(head: string, start: number, out: HeaderFields): HeadError | null {
  return parseFields(head, start, out, RESPONSE_FIELDS);
}

/**
 * Whether Connection `tokens` name a field other than those `parseResponseFields` keeps: such a field is
 * hop-by-hop too, and the head must then be parsed in full to find it.
 */
export function namesOtherFields(tokens: readonly string[]): boolean {
  return tokens.some((t) => t !== 'close' && !RESPONSE_FIELDS.includes(t));
}

/**
 * Parses the field lines of `head` from `start` (just past the start line) up to the final CRLF CRLF.
 * Returns an error for obs-fold, a malformed name, whitespace before the colon or a forbidden byte: field values
 * may hold HTAB, SP, VCHAR and obs-text; anything else (CTLs, a bare CR or LF, NUL) is refused.
 * One pass over the characters per line, no regular expression: this runs for every request and response.
 * With `only`, a field whose name is not in it gets '' as its lower-case name and value (see parseResponseFields).
 */
export function parseFields(head: string, start: number, out: HeaderFields, only?: readonly string[]): HeadError | null {
  const end = head.length - 2; // the blank line's CRLF
  let pos = start;
  while (pos < end) {
    const first = head.charCodeAt(pos);
    if (first === 0x20 || first === 0x09) return new HeadError(400, 'obsolete line folding');
    let i = pos;
    let upper = false;
    for (;;) {
      const t = tchar(head.charCodeAt(i));
      if (t === 0) break;
      if (t === 2) upper = true;
      i++;
    }
    if (i === pos || i >= end || head.charCodeAt(i) !== 0x3a) return nameError(head, pos, end);
    // the value, without the optional whitespace around it
    let vs = i + 1;
    while (vs < end && (head.charCodeAt(vs) === 0x20 || head.charCodeAt(vs) === 0x09)) vs++;
    let j = vs;
    let ve = vs;
    while (j < end) {
      const c = head.charCodeAt(j);
      if (c === 0x0d) break;
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) return new HeadError(400, 'invalid header value');
      j++;
      if (c !== 0x20 && c !== 0x09) ve = j;
    }
    if (j < end && head.charCodeAt(j + 1) !== 0x0a) return new HeadError(400, 'invalid header value'); // a bare CR
    const known = only === undefined ? null : knownName(head, pos, i - pos, only);
    if (known === null) {
      out.lower.push(upper ? head.slice(pos, i).toLowerCase() : head.slice(pos, i));
      out.values.push(head.slice(vs, ve));
    } else {
      out.lower.push(known);
      out.values.push(known === '' ? '' : head.slice(vs, ve));
    }
    out.lines.push(pos, j + 2);
    pos = j + 2;
  }
  return null;
}

// why the field line at `pos` has no valid name before its colon
function nameError(head: string, pos: number, end: number): HeadError {
  let eol = head.indexOf('\r\n', pos);
  if (eol < 0 || eol > end) eol = end;
  const colon = head.indexOf(':', pos);
  return new HeadError(400, colon < 0 || colon > eol ? 'header line without colon' : 'invalid header name');
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
    const value = values[i] as string;
    for (const part of value.includes(',') ? value.split(',') : [value]) {
      const n = digits(trimOws(part));
      if (n < 0) return new HeadError(400, 'invalid Content-Length');
      if (length >= 0 && n !== length) return new HeadError(400, 'differing Content-Length values');
      length = n;
    }
  }
  return length;
}

// `s` without the optional whitespace (SP, HTAB: RFC 9110 §5.6.3) around it; not String#trim, which also drops
// characters such as NBSP that a recipient may not see as whitespace
function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 0x20 || s.charCodeAt(b - 1) === 0x09)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

// the value of 1 to 15 decimal digits, else -1
function digits(v: string): number {
  if (v.length === 0 || v.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Lower-cased comma-separated tokens of every line named `name`, or null when there is none. */
export function listOf(fields: HeaderFields, name: string): string[] | null {
  let out: string[] | null = null;
  const { lower, values } = fields;
  for (let i = 0; i < lower.length; i++) {
    if (lower[i] !== name) continue;
    out ??= [];
    const value = values[i] as string;
    if (!value.includes(',')) {
      if (value !== '') out.push(value.toLowerCase()); // parseFields left no whitespace around a value
      continue;
    }
    for (const part of value.split(',')) {
      const v = trimOws(part).toLowerCase();
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
  for (const c of codings) if (codingName(c) === 'chunked') chunked++;
  const last = codings[codings.length - 1];
  return chunked === 1 && last !== undefined && codingName(last) === 'chunked';
}

// a transfer coding without its parameters
function codingName(coding: string): string {
  const semi = coding.indexOf(';');
  return semi < 0 ? coding : trimOws(coding.slice(0, semi));
}
