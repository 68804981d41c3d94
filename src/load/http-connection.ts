/**
 * One keep-alive HTTP/1.1 connection on a raw socket, one request at a time (no pipelining): the load generator's
 * unit of concurrency. Requests are prebuilt buffers written in one call; answers come back through a callback,
 * not a promise, so the hot path allocates little.
 *
 * Reuse follows node:http's keep-alive Agent: a connection the server closed (`Connection: close`, or FIN / RST
 * while idle) is replaced for the next request, and one idle for longer than the server's `Keep-Alive: timeout=N`
 * less a second is not reused. A request never is sent twice: when the server closes a reused connection just as
 * the request goes out (the race no client can rule out), that request fails with `ECONNRESET`, as node:http's
 * does ("socket hang up"; node leaves any retry to the caller, through `request.reusedSocket`).
 */
import { Socket } from 'node:net';
import { ResponseParser, type ParsedResponse } from './response-parser.js';

// node:http's Agent stops reusing an idle connection this long before the server's announced keep-alive timeout
const KEEP_ALIVE_BUFFER_MS = 1_000;

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
  /** How long the socket may sit idle and still be reused (the server's keep-alive hint), and since when it has. */
  #idleLimit = Number.POSITIVE_INFINITY;
  #idleSince = 0;

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
    const now = performance.now();
    this.#sentAt = now;
    if (this.#socket !== undefined && now - this.#idleSince >= this.#idleLimit) this.#drop();
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
    this.#idleLimit = Number.POSITIVE_INFINITY;
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
      // the server closed its side: an idle connection is reopened for the next request; the request in flight
      // is answered if its body ran until the close, else it failed (dropped first: its answer may send the next)
      this.#drop();
      if (this.#busy && !this.#parser.end()) this.#fail('ECONNRESET');
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
    else if (response.keepAliveTimeout === undefined) this.#idleLimit = Number.POSITIVE_INFINITY;
    else {
      this.#idleLimit = response.keepAliveTimeout * 1_000 - KEEP_ALIVE_BUFFER_MS;
      this.#idleSince = performance.now();
      // a server that keeps idle connections a second or less: not reused, as node:http's Agent does
      if (this.#idleLimit <= 0) this.#drop();
    }
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
