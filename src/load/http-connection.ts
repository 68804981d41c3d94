/**
 * One keep-alive HTTP/1.1 connection on a raw socket, one request at a time (no pipelining): the load generator's
 * unit of concurrency. Requests are prebuilt buffers written in one call; answers come back through a callback,
 * not a promise, so the hot path allocates little. It reconnects when the server closed the connection.
 */
import { Socket } from 'node:net';
import { ResponseParser, type ParsedResponse } from './response-parser.js';

/** Where a connection goes and what it reads. */
export interface ConnectionOptions {
  host: string;
  port: number;
  /** A response header whose value each result carries (the version that answered, say). */
  captureHeader?: string;
  /**
   * Called once per request sent: the status (0 when there was none), the error code that left it without one
   * (`ECONNREFUSED`, `ECONNRESET`, `TIMEOUT`, `EPROTO` for an unparsable answer, `CLOSED` …), the captured header.
   */
  onResult: ResultHandler;
}

/** Receives each request's end: a status with the captured header, or 0 with the error code. */
export type ResultHandler = (status: number, error: string | undefined, header: string | undefined) => void;

/** A keep-alive connection that sends one prebuilt request at a time. */
export class HttpConnection {
  readonly #options: ConnectionOptions;
  readonly #parser: ResponseParser;
  #socket: Socket | undefined;
  readonly #onResult: ResultHandler;
  #busy = false;
  /** `performance.now()` when the request in flight was written. */
  #sentAt = 0;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#onResult = options.onResult;
    this.#parser = new ResponseParser((response) => this.#answered(response), options.captureHeader);
  }

  /** Whether a request is in flight. */
  get busy(): boolean {
    return this.#busy;
  }

  /** `performance.now()` when the request in flight was written (0 when idle). */
  get sentAt(): number {
    return this.#busy ? this.#sentAt : 0;
  }

  /** Writes one request (connecting first when needed); `onResult` runs once for it, with its answer or error. */
  send(request: Buffer, noBody: boolean): void {
    if (this.#busy) throw new Error('a request is already in flight on this connection');
    this.#busy = true;
    this.#sentAt = performance.now();
    if (noBody) this.#parser.expectNoBody();
    const socket = this.#socket ?? this.#connect();
    socket.write(request);
  }

  /** Fails the request in flight with `TIMEOUT` and drops the socket (its answer may still come otherwise). */
  timeOut(): void {
    this.#fail('TIMEOUT');
  }

  /** Closes the socket; a request in flight fails with `CLOSED`. */
  close(): void {
    this.#fail('CLOSED');
  }

  #connect(): Socket {
    const socket = new Socket();
    this.#socket = socket;
    this.#parser.reset();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (socket !== this.#socket) return;
      try {
        this.#parser.feed(chunk);
      } catch {
        this.#fail('EPROTO');
      }
    });
    socket.on('end', () => {
      if (socket !== this.#socket) return;
      this.#parser.end();
      // the server closed its side: an idle connection is reopened for the next request, a busy one failed
      this.#drop();
      if (this.#busy) this.#fail('ECONNRESET');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (socket === this.#socket) this.#fail(error.code ?? 'ERROR');
    });
    socket.on('close', () => {
      if (socket !== this.#socket) return;
      this.#drop();
      if (this.#busy) this.#fail('ECONNRESET');
    });
    socket.connect(this.#options.port, this.#options.host);
    return socket;
  }

  #drop(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
  }

  #answered(response: ParsedResponse): void {
    if (response.close) this.#drop();
    if (!this.#busy) return;
    this.#busy = false;
    this.#onResult(response.status, undefined, response.header);
  }

  #fail(error: string): void {
    this.#drop();
    if (!this.#busy) return;
    this.#busy = false;
    this.#onResult(0, error, undefined);
  }
}
