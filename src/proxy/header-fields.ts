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

// RFC 9110 §5.6.2 token characters by byte: 1 for a token character, 2 for one that is an upper-case letter.
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') TCHAR[c.charCodeAt(0)] = 2;

// Field value bytes (RFC 9110 §5.5): VALUE for VCHAR and obs-text, SPACE for SP and HTAB, LINE_END for CR, 0 for
// what a value may not hold (other CTLs, DEL).
const VALUE = 1;
const SPACE = 2;
const LINE_END = 3;
const VCLASS = new Uint8Array(256);
for (let c = 0x21; c < 0x100; c++) VCLASS[c] = VALUE;
VCLASS[0x7f] = 0;
VCLASS[0x20] = SPACE;
VCLASS[0x09] = SPACE;
VCLASS[0x0d] = LINE_END;

function tchar(code: number): number {
  return code < 256 ? (TCHAR[code] as number) : 0;
}

/** Whether `s` is an RFC 9110 token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (tchar(s.charCodeAt(i)) === 0) return false;
  return true;
}

const BLANK_LINE = Buffer.from('\r\n\r\n', 'latin1');

/** Byte offset just past the blank line that ends a head in `buf`, -1 when more bytes are needed. */
export function findHeadEnd(buf: Buffer, from: number): number {
  const i = buf.indexOf(BLANK_LINE, from > 3 ? from - 3 : 0); // a Buffer needle is not re-encoded at every call
  return i < 0 ? -1 : i + 4;
}

/** Whether `buf` already holds a head ended by bare LFs, which this proxy refuses rather than waits on. */
export function hasBareLfHeadEnd(buf: Buffer): boolean {
  return buf.indexOf('\n\n', 0, 'latin1') >= 0;
}

// The fields a proxy acts on in any message (RFC 9110 §7.6.1 hop-by-hop ones and the framing ones), lower-case.
const MESSAGE_FIELDS = [
  'te',
  'trailer',
  'upgrade',
  'connection',
  'keep-alive',
  'content-length',
  'proxy-connection',
  'transfer-encoding',
];

/** The fields of a response that the proxy acts on. */
export const RESPONSE_FIELDS: readonly string[] = MESSAGE_FIELDS;

/**
 * The fields of a request that the proxy acts on: the message ones, Host, the X-Forwarded-* it sets, Cookie, and
 * `sticky` (a lower-case header name that picks the version), when given.
 */
export function requestFields(sticky: string | null): readonly string[] {
  const names = [...MESSAGE_FIELDS, 'host', 'cookie', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'];
  if (sticky !== null && !names.includes(sticky)) names.push(sticky);
  return names;
}

/** The request fields when no sticky header is configured. */
export const REQUEST_FIELDS = requestFields(null);

// The entry of `names` that `bytes[pos, pos + length)` is, compared without case, or '' for none: no string is
// made.
function knownName(bytes: Uint8Array, pos: number, length: number, names: readonly string[]): string {
  for (let n = 0; n < names.length; n++) {
    const name = names[n] as string;
    if (name.length !== length) continue;
    let k = 0;
    // letters fold to lower case by their 0x20 bit; no other token character folds onto a letter or '-'
    while (k < length && ((bytes[pos + k] as number) | 0x20) === name.charCodeAt(k)) k++;
    if (k === length) return name;
  }
  return '';
}

// Whether Connection `tokens` name a field outside `known`.
function namesOtherFields(tokens: readonly string[], known: readonly string[]): boolean {
  for (const t of tokens) if (t !== 'close' && !known.includes(t)) return true;
  return false;
}

/**
 * When the Connection `tokens` of a head parsed with `known` names name another field, that field is hop-by-hop
 * too and must be found: the head's fields are parsed again in full (every name lower-cased). The same lines
 * passed once, so this cannot fail.
 */
export function parseInFullIfNamed(
  fields: HeaderFields,
  bytes: Uint8Array,
  start: number,
  tokens: readonly string[] | null,
  known: readonly string[],
): void {
  if (tokens === null || !namesOtherFields(tokens, known)) return;
  fields.lower = [];
  fields.values = [];
  fields.lines = [];
  parseFields(fields.text, bytes, start, fields);
}

/**
 * Parses the field lines of a head from `start` (just past the start line) up to the final CRLF CRLF; `text` is
 * the head as latin1 text and `bytes` the same head as bytes (the loops read bytes, the strings are cut from
 * `text`). Returns an error for obs-fold, a malformed name, whitespace before the colon or a forbidden byte:
 * field values may hold HTAB, SP, VCHAR and obs-text; anything else (CTLs, a bare CR or LF, NUL) is refused.
 * One pass over the bytes, no regular expression: this runs for every request and response.
 * With `known`, only the fields named there get their lower-case name and value; every other field gets '' for
 * both (no strings are made for it) and is forwarded as it came. Every line is checked just as strictly.
 */
export function parseFields(
  text: string,
  bytes: Uint8Array,
  start: number,
  out: HeaderFields,
  known?: readonly string[],
): HeadError | null {
  const end = text.length - 2; // the blank line's CRLF
  const { lower, values, lines } = out;
  let pos = start;
  while (pos < end) {
    const first = bytes[pos] as number;
    if (first === 0x20 || first === 0x09) return new HeadError(400, 'obsolete line folding');
    let i = pos;
    let t: number;
    let upper = 0;
    // `> 0` rather than `!== 0`: past the end of `bytes` the lookup is undefined and must stop the loop too
    while ((t = TCHAR[bytes[i] as number] as number) > 0) {
      upper |= t;
      i++;
    }
    if (i === pos || i >= end || bytes[i] !== 0x3a) return nameError(text, pos, end);
    // the value, without the optional whitespace around it
    let vs = i + 1;
    while (VCLASS[bytes[vs] as number] === SPACE) vs++;
    let j = vs;
    let ve = vs;
    for (;;) {
      const c = VCLASS[bytes[j] as number] as number;
      if (c === VALUE) ve = ++j;
      else if (c === SPACE) j++;
      else if (c === LINE_END) break;
      else return new HeadError(400, 'invalid header value');
    }
    if (bytes[j + 1] !== 0x0a) return new HeadError(400, 'invalid header value'); // a bare CR
    if (known === undefined) {
      lower.push((upper & 2) !== 0 ? text.slice(pos, i).toLowerCase() : text.slice(pos, i));
      values.push(text.slice(vs, ve));
    } else {
      const name = knownName(bytes, pos, i - pos, known);
      lower.push(name);
      values.push(name === '' ? '' : text.slice(vs, ve));
    }
    lines.push(pos, j + 2);
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
    // the usual single value (which parseFields left without whitespace around it) is read without a split
    const parts = value.includes(',') ? value.split(',') : null;
    for (let k = 0; k < (parts === null ? 1 : parts.length); k++) {
      const n = digits(parts === null ? value : trimOws(parts[k] as string));
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
    const value = values[i] as string;
    if (!value.includes(',')) {
      // the usual single token, which parseFields left without whitespace around it
      if (value === '') out ??= [];
      else if (out === null) out = [value.toLowerCase()]; // sized to fit: a push would reserve 17 slots
      else out.push(value.toLowerCase());
      continue;
    }
    out ??= [];
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
