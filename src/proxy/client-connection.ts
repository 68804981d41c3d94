/** One client connection of the proxy: request heads read in order, one exchange at a time. */
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import { BODY_ERROR } from './body-tracker.js';
import { Exchange } from './exchange.js';
import { ForwardedFields, proxyResponse } from './forward-head.js';
import { HeadError, findHeadEnd, hasBareLfHeadEnd } from './header-fields.js';
import { scanPartialHead } from './head-prefix.js';
import type { ExchangeHost, ProxyContext } from './proxy-context.js';
import { parseRequestHead, type RequestHead } from './request-head.js';
import { chooseRoute } from './sticky-route.js';
import { copyOf, keepable } from './read-buffer.js';
import type { UpstreamConnection } from './upstream-pool.js';

const enum State {
  Head,
  Exchange,
  Tunnel,
  Closed,
}

// how long a connection we ended waits for the client to close its side before it is destroyed
const LINGER_MS = 2000;

/** One client connection: reads request heads in order, runs one exchange at a time, then the next. */
export class ClientConnection implements ExchangeHost {
  readonly ctx: ProxyContext;
  readonly socket: Socket;
  readonly forwarded: ForwardedFields;
  readonly address: string;
  /** When the timeout that applies now expires, on the `performance.now()` clock; 0 for none. */
  deadline = 0;
  #state = State.Head;
  #buf: Buffer | null = null;
  #ex: Exchange | null = null;
  #tunnel: Socket | null = null;
  #ended = false;
  #holdUpstream = false;
  #holdBuffer = false;
  // responses wait in the socket for a client that does not read: no next request is taken meanwhile
  #holdWrite = false;
  // the deadline in force is the keep-alive one: nothing of a next request has arrived yet
  #idleWait = false;
  // bytes waiting to be written when the last timeout was checked, to tell a slow reader from a stalled one
  #lastUnwritten = 0;
  #paused = false;
  #processing = false;
  // how far `scanPartialHead` got in the head that has not ended yet
  #scanned = 0;

  /**
   * `readsIntoBuffer`: the socket was made with `onread` (see `adoptWithReadBuffer`) and its reads come through
   * `onRead`; otherwise they come as 'data' events.
   */
  constructor(socket: Socket, ctx: ProxyContext, onClose: (c: ClientConnection) => void, readsIntoBuffer = false) {
    this.socket = socket;
    this.ctx = ctx;
    const addr = socket.remoteAddress ?? '';
    const address = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
    this.address = address;
    this.forwarded = new ForwardedFields({ address, proto: ctx.options.proto, listenHost: ctx.options.host });
    socket.setNoDelay(true);
    this.setDeadline(ctx.options.headersTimeoutMs);
    if (!readsIntoBuffer) socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('drain', () => {
      if (this.#tunnel !== null) this.#tunnel.resume();
      else if (this.#ex !== null) this.#ex.onClientDrain();
      else if (this.#holdWrite) {
        // the responses already answered have gone out: read and answer the next requests
        this.#holdWrite = false;
        this.#flow();
        if (this.#state === State.Head && !this.#processing) this.#heads();
      }
    });
    socket.on('error', () => {}); // 'close' follows and cleans up
    socket.on('close', () => {
      this.#state = State.Closed;
      this.#ex?.abort();
      this.#ex = null;
      this.#tunnel?.destroy();
      onClose(this);
    });
  }

  /** Takes `n` bytes just read into the shared read buffer `buf`; keeps a copy of whatever must wait. */
  onRead(n: number, buf: Buffer): void {
    this.#onData(buf.subarray(0, n));
    if (this.#buf !== null) this.#buf = keepable(this.#buf);
  }

  /**
   * Whether the connection sits between requests with nothing buffered either way (safe to close on shutdown):
   * no partial request read, no response still waiting to be written.
   */
  get idle(): boolean {
    return this.#state === State.Head && this.#buf === null && this.socket.writableLength === 0;
  }

  write(data: Buffer | string): boolean {
    return typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
  }

  holdClient(hold: boolean): void {
    this.#holdUpstream = hold;
    this.#flow();
  }

  setDeadline(ms: number, now = performance.now()): void {
    this.deadline = ms === 0 ? 0 : now + ms;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Acts on an expired timeout. */
  expire(): void {
    this.deadline = 0;
    if (this.#state === State.Head) {
      const unwritten = this.socket.writableLength;
      if (unwritten > 0 && (this.#lastUnwritten === 0 || unwritten < this.#lastUnwritten)) {
        // not idle: responses are still being written to a client that reads (slowly); check again later
        this.#lastUnwritten = unwritten;
        this.setDeadline(this.ctx.options.keepAliveTimeoutMs);
        return;
      }
      this.#lastUnwritten = 0;
      if (this.#buf === null) this.socket.destroy();
      else this.#reject(408, 'request head not received in time');
    } else if (this.#state === State.Exchange) {
      this.#ex?.timeout();
    } else {
      this.socket.destroy();
    }
  }

  exchangeDone(keepAlive: boolean, now: number): void {
    this.#ex = null;
    this.#holdUpstream = false;
    if (!keepAlive || this.#state !== State.Exchange) {
      this.#close();
      return;
    }
    this.#state = State.Head;
    this.#holdBuffer = false;
    this.#lastUnwritten = 0;
    // a client that does not read its responses gets no more answered (and is not read) until they went out
    this.#holdWrite = this.socket.writableNeedDrain;
    this.#flow();
    this.#idleWait = this.#buf === null;
    this.setDeadline(this.#buf === null ? this.ctx.options.keepAliveTimeoutMs : this.ctx.options.headersTimeoutMs, now);
    if (!this.#processing && !this.#holdWrite) this.#heads();
  }

  startTunnel(conn: UpstreamConnection, leftover: Buffer | null, onClose: () => void): void {
    this.#ex = null;
    this.#state = State.Tunnel;
    this.deadline = 0;
    const up = conn.socket;
    this.#tunnel = up;
    const client = this.socket;
    conn.owner = {
      onUpstreamData: (chunk) => {
        if (!client.write(copyOf(chunk))) up.pause();
      },
      onUpstreamEnd: () => client.end(),
      onUpstreamClose: () => {
        onClose();
        client.destroy();
      },
      onUpstreamDrain: () => client.resume(),
    };
    if (leftover !== null) client.write(leftover);
    if (this.#buf !== null) up.write(this.#buf);
    this.#buf = null;
    this.#holdUpstream = false;
    this.#holdBuffer = false;
    this.#flow();
  }

  #onData(chunk: Buffer): void {
    switch (this.#state) {
      case State.Head:
        this.#append(chunk);
        if (!this.#processing && !this.#holdWrite) this.#heads();
        break;
      case State.Exchange: {
        const ex = this.#ex as Exchange;
        if (ex.requestDone) {
          this.#append(chunk);
          // pipelined requests wait their turn; stop reading once a whole head's worth is queued
          if ((this.#buf as Buffer).length > this.ctx.options.maxHeaderBytes) {
            this.#holdBuffer = true;
            this.#flow();
          }
          break;
        }
        const end = ex.feedBody(chunk, 0);
        if (end >= 0 && end < chunk.length && this.#state === State.Exchange) this.#append(chunk.subarray(end));
        break;
      }
      case State.Tunnel:
        if (!(this.#tunnel as Socket).write(keepable(chunk))) this.socket.pause();
        break;
      case State.Closed:
        break;
    }
  }

  #onEnd(): void {
    this.#ended = true;
    if (this.#state === State.Tunnel) this.#tunnel?.end();
    else if (this.#state === State.Closed) this.socket.destroy();
    else if (this.#state === State.Head && !this.#processing && !this.#holdWrite) this.#heads();
    else if (this.#state === State.Exchange && !(this.#ex as Exchange).requestDone) this.socket.destroy();
  }

  #append(chunk: Buffer): void {
    this.#buf = this.#buf === null ? chunk : Buffer.concat([this.#buf, chunk]);
  }

  // parses and dispatches every complete request head in the buffer, one exchange at a time
  #heads(): void {
    this.#processing = true;
    try {
      while (this.#state === State.Head) {
        let buf = this.#buf;
        if (buf === null) {
          if (this.#ended) this.#close();
          return;
        }
        let skip = 0;
        // RFC 9112 §2.2: ignore empty lines before a request line
        while (buf[skip] === 0x0d && buf[skip + 1] === 0x0a) skip += 2;
        if (skip > 0) {
          this.#scanned = 0;
          buf = skip < buf.length ? buf.subarray(skip) : null;
          this.#buf = buf;
          if (buf === null) continue;
        }
        const end = findHeadEnd(buf, 0);
        if (end < 0) {
          if (buf.length > this.ctx.options.maxHeaderBytes) this.#reject(431, 'request head too large');
          else if (hasBareLfHeadEnd(buf)) this.#reject(400, 'lines must end in CRLF');
          else this.#partialHead(buf);
          return;
        }
        if (end > this.ctx.options.maxHeaderBytes) {
          this.#reject(431, 'request head too large');
          return;
        }
        const head = parseRequestHead(buf.toString('latin1', 0, end), this.ctx.requestFields, buf);
        this.#buf = end < buf.length ? buf.subarray(end) : null;
        this.#scanned = 0;
        if (head instanceof HeadError) this.#reject(head.status, head.reason, true, null);
        else this.#dispatch(head);
      }
    } finally {
      this.#processing = false;
    }
  }

  // a head not ended yet: refused at once when its bytes so far cannot become HTTP, else waited for
  #partialHead(buf: Buffer): void {
    const scanned = scanPartialHead(buf, this.#scanned);
    if (scanned instanceof HeadError) {
      this.#reject(scanned.status, scanned.reason);
      return;
    }
    this.#scanned = scanned;
    if (this.#ended) this.#close();
    else this.#headDeadline();
  }

  #headDeadline(): void {
    // the keep-alive wait ends when a new head starts arriving; from then the client has the header timeout
    if (this.#idleWait || this.deadline === 0) {
      this.#idleWait = false;
      this.setDeadline(this.ctx.options.headersTimeoutMs);
    }
  }

  #dispatch(head: RequestHead): void {
    if (head.method === 'CONNECT') {
      this.#reject(501, 'CONNECT is not supported', true, head);
      return;
    }
    const { route, setCookie } = chooseRoute(this.ctx, head);
    const instance = route === null ? null : this.ctx.router.pickInstance(route, null);
    if (route === null || instance === null) {
      this.#reject(503, 'no version is routable', !head.keepAlive || head.chunked || head.contentLength > 0, head);
      return;
    }
    this.#state = State.Exchange;
    this.deadline = 0;
    this.#idleWait = false;
    const ex = new Exchange(this, head, route, instance, setCookie);
    this.#ex = ex;
    // body bytes that came with the head are queued first, so head and body leave in one write
    const rest = this.#buf;
    if (rest !== null && !ex.requestDone) {
      this.#buf = null;
      const end = ex.feedBody(rest, 0);
      if (end === BODY_ERROR) return;
      if (end >= 0 && end < rest.length) this.#buf = rest.subarray(end);
    }
    if (this.#ex === ex) ex.start();
  }

  // answers by the proxy itself; `head`: the request answered, when it could be parsed
  #reject(status: number, message: string, close = true, head: RequestHead | null = null): void {
    const response = proxyResponse(status, message, close);
    this.write(response);
    const log = this.ctx.accessLog;
    if (log !== null) {
      log.record({
        address: this.address,
        method: head?.method ?? null,
        target: head?.target ?? '',
        minor: head?.minor ?? 1,
        fields: head,
        status,
        bytes: response.length,
        durationMs: 0,
        version: null,
        upstream: null,
      });
    }
    if (close) this.#close();
  }

  #close(): void {
    if (this.#state === State.Closed) return;
    this.#state = State.Closed;
    this.#buf = null;
    this.socket.end();
    if (this.#ended) this.socket.destroySoon();
    this.deadline = performance.now() + LINGER_MS;
  }

  #flow(): void {
    const pause = this.#holdUpstream || this.#holdBuffer || this.#holdWrite;
    if (pause === this.#paused) return;
    this.#paused = pause;
    if (pause) this.socket.pause();
    else this.socket.resume();
  }
}
