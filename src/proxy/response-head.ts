/** Upstream response heads parsed from their bytes, with how their body is delimited. */
import {
  HeadError,
  contentLengthOf,
  listOf,
  RESPONSE_FIELDS,
  parseFields,
  parseInFullIfNamed,
  transferEncodingIsChunked,
  type HeaderFields,
} from './header-fields.js';

/** How the body of a response is delimited (RFC 9112 §6.3). */
export type ResponseFraming = 'none' | 'length' | 'chunked' | 'close';

/**
 * A parsed upstream response head. Only the fields the proxy acts on have their lower-case name and value in
 * `lower` and `values`; the others have '' there (see `parseFields`).
 */
export interface ResponseHead extends HeaderFields {
  status: number;
  reason: string;
  minor: 0 | 1;
  framing: ResponseFraming;
  contentLength: number;
  /** Whether the upstream connection may be reused after this response. */
  reusable: boolean;
  connection: string[] | null;
}

/**
 * Parses an upstream response head; `headRequest` marks a response to HEAD, which never has a body; `bytes` is the
 * same head as bytes, when the caller has them already. A malformed head is a 502 error: the upstream, not the
 * client, broke the protocol.
 */
export function parseResponseHead(
  text: string,
  headRequest: boolean,
  bytes: Uint8Array = Buffer.from(text, 'latin1'),
): ResponseHead | HeadError {
  const eol = text.indexOf('\r\n');
  const status = statusOf(bytes, eol);
  if (status < 0) return new HeadError(502, 'malformed upstream status line');
  const minor = bytes[7] === 0x31 ? 1 : 0;
  const head: ResponseHead = {
    status,
    reason: eol > 13 ? text.slice(13, eol) : '',
    minor,
    text,
    lower: [],
    values: [],
    lines: [],
    framing: 'close',
    contentLength: -1,
    reusable: minor === 1,
    connection: null,
  };
  const err = parseFields(text, bytes, eol + 2, head, RESPONSE_FIELDS);
  if (err) return new HeadError(502, `upstream ${err.reason}`);
  const connection = listOf(head, 'connection');
  parseInFullIfNamed(head, bytes, eol + 2, connection, RESPONSE_FIELDS);
  head.connection = connection;
  if (connection?.includes('close')) head.reusable = false;

  const length = contentLengthOf(head);
  if (length instanceof HeadError) return new HeadError(502, `upstream ${length.reason}`);
  const chunked = transferEncodingIsChunked(listOf(head, 'transfer-encoding'));
  const s = head.status;
  if (headRequest || s < 200 || s === 204 || s === 304) {
    head.framing = 'none';
  } else if (chunked !== null) {
    if (length >= 0) return new HeadError(502, 'upstream sent both Content-Length and Transfer-Encoding');
    head.framing = chunked ? 'chunked' : 'close';
  } else if (length >= 0) {
    head.framing = 'length';
    head.contentLength = length;
  }
  if (head.framing === 'close') head.reusable = false;
  return head;
}

const HTTP_1 = 'HTTP/1.';
const digit = (c: number | undefined): number => (c !== undefined && c >= 0x30 && c <= 0x39 ? c - 0x30 : -1);

// The status code of a status line `HTTP/1.x SSS[ reason]` (`bytes`) ending at `eol`, -1 when it is malformed.
// The reason phrase may hold HTAB, SP, VCHAR and obs-text (RFC 9112 §4).
function statusOf(bytes: Uint8Array, eol: number): number {
  if (eol < 12 || bytes[8] !== 0x20) return -1;
  for (let i = 0; i < 7; i++) if (bytes[i] !== HTTP_1.charCodeAt(i)) return -1;
  const minor = bytes[7];
  if (minor !== 0x30 && minor !== 0x31) return -1;
  const a = digit(bytes[9]);
  const b = digit(bytes[10]);
  const c = digit(bytes[11]);
  if (a < 1 || b < 0 || c < 0) return -1;
  if (eol > 12) {
    if (bytes[12] !== 0x20) return -1;
    for (let i = 13; i < eol; i++) {
      const ch = bytes[i] as number;
      if ((ch < 0x20 && ch !== 0x09) || ch === 0x7f) return -1;
    }
  }
  return a * 100 + b * 10 + c;
}
