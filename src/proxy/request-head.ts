import {
  HeadError,
  contentLengthOf,
  isToken,
  listOf,
  parseFields,
  transferEncodingIsChunked,
  type HeaderFields,
} from './header-fields.js';

/** A parsed HTTP/1.x request head with the framing and connection facts the proxy acts on. */
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
  host: string | null;
}

function isIdempotent(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE' || method === 'OPTIONS';
}

// a request target is visible ASCII only (RFC 9112 §3.2, RFC 3986)
function isValidTarget(target: string): boolean {
  if (target.length === 0) return false;
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
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
 * is an error so that no request can be smuggled past the proxy.
 */
export function parseRequestHead(text: string): RequestHead | HeadError {
  const eol = text.indexOf('\r\n');
  const sp1 = text.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : text.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || sp2 > eol) return new HeadError(400, 'malformed request line');
  const method = text.slice(0, sp1);
  const target = text.slice(sp1 + 1, sp2);
  if (!isToken(method)) return new HeadError(400, 'invalid method');
  if (!isValidTarget(target)) return new HeadError(400, 'invalid request target');
  let minor: 0 | 1;
  const digit = text.charCodeAt(sp2 + 8);
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
  };
  const err = parseFields(text, eol + 2, head);
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
  if (!special) return head;
  return framing(head);
}

function framing(head: RequestHead): RequestHead | HeadError {
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
  if (connection !== null) {
    if (connection.includes('close')) head.keepAlive = false;
    if (connection.includes('upgrade')) {
      const i = head.lower.indexOf('upgrade');
      if (i >= 0) head.upgrade = head.values[i] ?? null;
    }
  }
  return head;
}
