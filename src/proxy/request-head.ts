/** Request heads parsed from their bytes: method, target, version and the fields the proxy acts on. */
import {
  HeadError,
  REQUEST_FIELDS,
  contentLengthOf,
  listOf,
  parseFields,
  parseInFullIfNamed,
  transferEncodingIsChunked,
  type HeaderFields,
} from './header-fields.js';
import { methodError } from './head-prefix.js';

/**
 * A parsed HTTP/1.x request head with the framing and connection facts the proxy acts on. Unless parsed in full,
 * only the fields the proxy acts on (see `requestFields`) have their lower-case name and value in `lower` and
 * `values`; the others have '' there and are forwarded as they came.
 */
export interface RequestHead extends HeaderFields {
  method: string;
  target: string;
  /** HTTP/1.`minor`. */
  minor: 0 | 1;
  /** Body length from Content-Length; -1 when the body is chunked or absent. */
  contentLength: number;
  chunked: boolean;
  /** Whether the client wants the connection kept after this exchange. */
  keepAlive: boolean;
  /** Tokens of the Connection header (lower-case), naming more hop-by-hop fields. */
  connection: string[] | null;
  /** The protocol asked for by `Connection: upgrade` + `Upgrade`, or null. */
  upgrade: string | null;
  /** The Host to forward: the received Host field, or the authority of an absolute-form target. */
  host: string | null;
  /** The target came in absolute form: `target` is now its origin form and `host` its authority. */
  hostFromTarget: boolean;
}

function isIdempotent(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE' || method === 'OPTIONS';
}

// a request target (`bytes[start, end)`) is visible ASCII only (RFC 9112 §3.2, RFC 3986)
function isValidTarget(bytes: Uint8Array, start: number, end: number): boolean {
  if (end === start) return false;
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number;
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/**
 * An absolute-form target (`http://authority/path?query`) split into its origin form and authority; null when it
 * is not an http(s) URI with a host and without userinfo (RFC 9110 §4.2.4) or a fragment. A request for the whole
 * server (`OPTIONS http://host`) becomes `*` (RFC 9112 §3.2.4).
 */
function absoluteForm(target: string, method: string): { path: string; authority: string } | null {
  const sep = target.indexOf('://');
  const scheme = sep < 0 ? '' : target.slice(0, sep).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return null;
  const start = sep + 3;
  let end = start;
  while (end < target.length) {
    const c = target.charCodeAt(end);
    if (c === 0x2f || c === 0x3f) break; // '/' or '?'
    end++;
  }
  const authority = target.slice(start, end);
  if (authority.length === 0 || authority.includes('@') || target.includes('#')) return null;
  const rest = target.slice(end);
  const path = rest === '' ? (method === 'OPTIONS' ? '*' : '/') : rest.startsWith('?') ? `/${rest}` : rest;
  return { path, authority };
}

/** Whether a request may be retried on another instance: idempotent and without a body. */
export function isRetryable(head: RequestHead): boolean {
  return isIdempotent(head.method) && !head.chunked && head.contentLength <= 0;
}

/** Whether the request carries a body the proxy must forward. */
export function hasBody(head: RequestHead): boolean {
  return head.chunked || head.contentLength > 0;
}

/**
 * Parses a request head (latin1 text from the request line through the final CRLF CRLF) per RFC 9112 §3–§6;
 * ambiguous framing — Content-Length with Transfer-Encoding, differing lengths, codings not ending in chunked —
 * is an error so that no request can be smuggled past the proxy. `known`: the fields to make strings for (null
 * for all of them); `bytes`: the same head as bytes, when the caller has them already.
 */
export function parseRequestHead(
  text: string,
  known: readonly string[] | null = REQUEST_FIELDS,
  bytes: Uint8Array = Buffer.from(text, 'latin1'),
): RequestHead | HeadError {
  const eol = text.indexOf('\r\n');
  const sp1 = text.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : text.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || sp2 > eol) return new HeadError(400, 'malformed request line');
  const bad = methodError(bytes, sp1);
  if (bad !== null) return bad;
  const method = text.slice(0, sp1);
  if (!isValidTarget(bytes, sp1 + 1, sp2)) return new HeadError(400, 'invalid request target');
  let target = text.slice(sp1 + 1, sp2);
  let authority: string | null = null;
  const first = bytes[sp1 + 1];
  if (first !== 0x2f && method !== 'CONNECT' && !(first === 0x2a && sp2 === sp1 + 2)) {
    // neither origin form (`/…`) nor asterisk form (`*`): absolute form (RFC 9112 §3.2.2), which a request to an
    // origin server cannot carry, so it goes on in origin form with the target's authority as Host
    const absolute = absoluteForm(target, method);
    if (absolute === null) return new HeadError(400, 'invalid request target');
    target = absolute.path;
    authority = absolute.authority;
  }
  let minor: 0 | 1;
  const digit = bytes[sp2 + 8];
  if (eol === sp2 + 9 && text.startsWith('HTTP/1.', sp2 + 1) && (digit === 0x31 || digit === 0x30)) {
    minor = digit === 0x31 ? 1 : 0;
  } else if (/^HTTP\/[0-9]\.[0-9]$/.test(text.slice(sp2 + 1, eol))) {
    return new HeadError(505, 'HTTP version not supported');
  } else {
    return new HeadError(400, 'malformed HTTP version');
  }

  const head: RequestHead = {
    method,
    target,
    minor,
    text,
    lower: [],
    values: [],
    lines: [],
    contentLength: -1,
    chunked: false,
    keepAlive: minor === 1,
    connection: null,
    upgrade: null,
    host: null,
    hostFromTarget: authority !== null,
  };
  const err = parseFields(text, bytes, eol + 2, head, known ?? undefined);
  if (err) return err;

  let hosts = 0;
  let special = false;
  for (let i = 0; i < head.lower.length; i++) {
    const name = head.lower[i];
    if (name === 'host') {
      hosts++;
      head.host = head.values[i] ?? null;
    } else if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection' || name === 'upgrade') {
      special = true;
    }
  }
  if (hosts > 1 || (hosts === 0 && minor === 1)) return new HeadError(400, 'missing or repeated Host');
  if (authority !== null) head.host = authority; // the received Host is ignored (RFC 9112 §3.2.2)
  if (!special) return head;
  return framing(head, known, bytes, eol + 2);
}

function framing(head: RequestHead, known: readonly string[] | null, bytes: Uint8Array, fieldsStart: number): RequestHead | HeadError {
  const length = contentLengthOf(head);
  if (length instanceof HeadError) return length;
  const chunked = transferEncodingIsChunked(listOf(head, 'transfer-encoding'));
  if (chunked !== null) {
    if (length >= 0) return new HeadError(400, 'both Content-Length and Transfer-Encoding');
    if (head.minor === 0) return new HeadError(400, 'Transfer-Encoding in an HTTP/1.0 request');
    if (!chunked) return new HeadError(400, 'Transfer-Encoding does not end in chunked');
    head.chunked = true;
  }
  head.contentLength = length;
  const connection = listOf(head, 'connection');
  head.connection = connection;
  if (known !== null) parseInFullIfNamed(head, bytes, fieldsStart, connection, known);
  if (connection !== null) {
    if (connection.includes('close')) head.keepAlive = false;
    if (connection.includes('upgrade')) {
      const i = head.lower.indexOf('upgrade');
      if (i >= 0) head.upgrade = head.values[i] ?? null;
    }
  }
  return head;
}
