import {
  HeadError,
  contentLengthOf,
  listOf,
  parseFields,
  transferEncodingIsChunked,
  type HeaderFields,
} from './header-fields.js';

/** How the body of a response is delimited (RFC 9112 §6.3). */
export type ResponseFraming = 'none' | 'length' | 'chunked' | 'close';

/** A parsed upstream response head. */
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

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9][0-9])(?: ([\t\x20-\x7e\x80-\xff]*))?$/;

/**
 * Parses an upstream response head; `headRequest` marks a response to HEAD, which never has a body.
 * A malformed head is a 502 error: the upstream, not the client, broke the protocol.
 */
export function parseResponseHead(text: string, headRequest: boolean): ResponseHead | HeadError {
  const eol = text.indexOf('\r\n');
  const m = STATUS_LINE.exec(text.slice(0, eol));
  if (!m) return new HeadError(502, 'malformed upstream status line');
  const head: ResponseHead = {
    status: Number(m[2]),
    reason: m[3] ?? '',
    minor: m[1] === '1' ? 1 : 0,
    names: [],
    lower: [],
    values: [],
    framing: 'close',
    contentLength: -1,
    reusable: m[1] === '1',
    connection: null,
  };
  const err = parseFields(text, eol + 2, head);
  if (err) return new HeadError(502, `upstream ${err.reason}`);
  const connection = listOf(head, 'connection');
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
