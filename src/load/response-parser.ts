/**
 * A minimal HTTP/1.1 response parser for the load generator: status line, the few headers that frame a response
 * (Content-Length, Transfer-Encoding: chunked, Connection: close), the `Keep-Alive: timeout=N` hint and one header
 * the caller asks for (the version that answered, say); no other header is looked at, and bodies are skipped, never
 * buffered. It handles responses split across reads and several responses in one read.
 */

/** What one complete response said. */
export interface ParsedResponse {
  status: number;
  /** The value of the captured header, when asked for and present. */
  header: string | undefined;
  /** The server said `Connection: close` (or spoke HTTP/1.0 without keep-alive). */
  close: boolean;
  /** Seconds the server keeps the idle connection, from a `Keep-Alive: timeout=N` header; undefined without one. */
  keepAliveTimeout: number | undefined;
}

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
// a head larger than this is not a response this generator can judge
const MAX_HEAD = 64 * 1024;

type State = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close';

/** Parses one connection's stream of responses; `expectNoBody()` before each HEAD request. */
export class ResponseParser {
  readonly #onResponse: (response: ParsedResponse) => void;
  readonly #captured: string | undefined;
  #pending: Buffer | undefined;
  #state: State = 'head';
  #remaining = 0;
  #current: ParsedResponse = { status: 0, header: undefined, close: false, keepAliveTimeout: undefined };
  #noBody = false;

  constructor(onResponse: (response: ParsedResponse) => void, captureHeader?: string) {
    this.#onResponse = onResponse;
    this.#captured = captureHeader === undefined ? undefined : `\r\n${captureHeader.toLowerCase()}:`;
  }

  /** The next response answers a request whose response has no body (HEAD). */
  expectNoBody(): void {
    this.#noBody = true;
  }

  /** Whether a response has begun but not ended (bytes of it arrived). */
  get midResponse(): boolean {
    return this.#state !== 'head' || (this.#pending?.length ?? 0) > 0;
  }

  /** Forgets any partial response (the connection was replaced). */
  reset(): void {
    this.#pending = undefined;
    this.#state = 'head';
    this.#noBody = false;
  }

  /** The connection ended: a response whose body runs until close is complete now (then true). */
  end(): boolean {
    if (this.#state !== 'until-close') return false;
    this.#finish();
    return true;
  }

  /** Feeds bytes read from the socket; throws on a response it cannot parse. */
  feed(chunk: Buffer): void {
    const data = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = undefined;
    let at = 0;
    while (at < data.length) {
      const next = this.#step(data, at);
      if (next < 0) {
        this.#pending = at === 0 ? data : data.subarray(at);
        if (this.#pending.length > MAX_HEAD) throw new Error('response head or chunk line too long');
        return;
      }
      at = next;
    }
  }

  /** Consumes from `at`; returns the new offset, or -1 when more bytes are needed. */
  #step(data: Buffer, at: number): number {
    switch (this.#state) {
      case 'head': {
        const end = data.indexOf(HEAD_END, at);
        if (end < 0) return -1;
        this.#head(data.toString('latin1', at, end + 2));
        return end + 4;
      }
      case 'body': {
        const take = Math.min(this.#remaining, data.length - at);
        this.#remaining -= take;
        if (this.#remaining === 0) this.#finish();
        return at + take;
      }
      case 'chunk-size': {
        const end = data.indexOf(CRLF, at);
        if (end < 0) return -1;
        const size = Number.parseInt(data.toString('latin1', at, end).split(';')[0] ?? '', 16);
        if (!Number.isFinite(size) || size < 0) throw new Error('bad chunk size');
        this.#remaining = size;
        this.#state = size === 0 ? 'trailers' : 'chunk-data';
        return end + 2;
      }
      case 'chunk-data': {
        const take = Math.min(this.#remaining, data.length - at);
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = 'chunk-end';
        return at + take;
      }
      case 'chunk-end': {
        if (data.length - at < 2) return -1;
        this.#state = 'chunk-size';
        return at + 2;
      }
      case 'trailers': {
        const end = data.indexOf(CRLF, at);
        if (end < 0) return -1;
        // an empty line ends the trailers (and the response); anything else is a trailer field, skipped
        if (end === at) this.#finish();
        return end + 2;
      }
      case 'until-close':
        return data.length;
    }
  }

  #head(head: string): void {
    // `HTTP/1.1 200 OK`: the status sits at a fixed place
    const status = Number(head.slice(9, 12));
    if (!head.startsWith('HTTP/1.') || !Number.isInteger(status) || status < 100) throw new Error(`not an HTTP/1.x response: ${JSON.stringify(head.slice(0, 40))}`);
    if (status < 200) return; // 1xx: an interim response; the real one follows
    // header names are case-insensitive: search a lower-case copy, fields are found by `\r\nname:`
    const lower = head.toLowerCase();
    const connection = fieldOf(lower, '\r\nconnection:');
    const close = connection === undefined ? head[7] === '0' : connection.includes('close') || (head[7] === '0' && !connection.includes('keep-alive'));
    const header = this.#captured === undefined ? undefined : fieldAt(head, lower.indexOf(this.#captured), this.#captured.length);
    this.#current = { status, header, close, keepAliveTimeout: close ? undefined : keepAliveTimeoutOf(lower) };
    const noBody = this.#noBody || status === 204 || status === 304;
    this.#noBody = false;
    if (noBody) return this.#finish();
    if (fieldOf(lower, '\r\ntransfer-encoding:')?.includes('chunked') === true) {
      this.#state = 'chunk-size';
      return;
    }
    const length = fieldOf(lower, '\r\ncontent-length:');
    if (length === undefined) {
      this.#state = 'until-close';
      return;
    }
    this.#remaining = Number(length);
    if (!Number.isSafeInteger(this.#remaining) || this.#remaining < 0) throw new Error(`bad content-length ${length}`);
    if (this.#remaining === 0) this.#finish();
    else this.#state = 'body';
  }

  #finish(): void {
    this.#state = 'head';
    this.#onResponse(this.#current);
  }
}

/** The trimmed value of the field that `name` (`\r\nname:`) starts in `head`, or undefined. */
function fieldOf(head: string, name: string): string | undefined {
  return fieldAt(head, head.indexOf(name), name.length);
}

/** N of a `Keep-Alive: timeout=N` field (RFC 2068 §19.7.1.1, as node:http's Agent reads it), or undefined. */
function keepAliveTimeoutOf(lower: string): number | undefined {
  const value = fieldOf(lower, '\r\nkeep-alive:');
  if (value === undefined) return undefined;
  const match = /^timeout=(\d+)/.exec(value);
  return match === null ? undefined : Number(match[1]);
}

function fieldAt(head: string, at: number, nameLength: number): string | undefined {
  if (at < 0) return undefined;
  const end = head.indexOf('\r', at + nameLength);
  return head.slice(at + nameLength, end < 0 ? head.length : end).trim();
}
