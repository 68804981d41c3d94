/** One request's trip through the proxy: pick an instance, connect (with retries), forward, stream the response back. */
import { performance } from 'node:perf_hooks';
import { BODY_ERROR, BODY_MORE, BodyTracker } from './body-tracker.js';
import { clientResponseBytes, clientResponseHead, proxyResponse, upstreamRequestHead } from './forward-head.js';
import { HeadError, findHeadEnd } from './header-fields.js';
import type { ExchangeHost } from './proxy-context.js';
import { isRetryable, type RequestHead } from './request-head.js';
import { parseResponseHead, type ResponseHead } from './response-head.js';
import type { InstanceState, Route } from './router.js';
import { copyOf, keepable } from './read-buffer.js';
import type { ConnectionRequester, UpstreamConnection, UpstreamOwner } from './upstream-pool.js';

const MAX_RESPONSE_HEAD = 64 * 1024;
// request body bytes kept while the exchange waits for an upstream connection before the client is paused
const MAX_QUEUED_BODY = 64 * 1024;
const MAX_STALE_RETRIES = 2;
// wall time of performance.now()'s zero, to turn one clock reading into both a latency and a wall time
const TIME_ORIGIN = performance.timeOrigin;

/** One request's trip to an upstream instance and back: connect (with retries), forward, stream the response. */
export class Exchange implements UpstreamOwner, ConnectionRequester {
  readonly #host: ExchangeHost;
  readonly #req: RequestHead;
  readonly #route: Route;
  #instance: InstanceState;
  #conn: UpstreamConnection | null = null;
  #upstreamHead: string | null = null;
  readonly #reqBody: BodyTracker | null;
  #reqDone: boolean;
  #queued: Buffer[] | null = null;
  #queuedBytes = 0;
  #respBuf: Buffer | null = null;
  #resp: ResponseHead | null = null;
  readonly #respBody = new BodyTracker();
  #headSent = false;
  #gotBytes = false;
  #closeClient: boolean;
  #done = false;
  #tried: InstanceState[] | null = null;
  #staleRetries = 0;
  // the upstream is paused because the client does not take the response fast enough
  #clientStalled = false;
  // the request body waits because the upstream does not take it
  #upstreamFull = false;
  readonly #t0 = performance.now();
  readonly #setCookie: string | null;
  // the client socket's bytesWritten when the exchange began, for the access log's byte count
  readonly #sent0: number;

  constructor(host: ExchangeHost, req: RequestHead, route: Route, instance: InstanceState, setCookie: string | null) {
    this.#host = host;
    this.#req = req;
    this.#route = route;
    this.#instance = instance;
    this.#setCookie = setCookie;
    this.#sent0 = host.ctx.accessLog === null ? 0 : host.socket.bytesWritten;
    this.#closeClient = !req.keepAlive;
    if (req.chunked) this.#reqBody = new BodyTracker().chunked(host.ctx.options.maxHeaderBytes);
    else if (req.contentLength > 0) this.#reqBody = new BodyTracker().length(req.contentLength);
    else this.#reqBody = null;
    this.#reqDone = this.#reqBody === null;
    host.ctx.router.begin(route.state, instance);
  }

  /** Whether the whole request body has been received from the client. */
  get requestDone(): boolean {
    return this.#reqDone;
  }

  /** Starts the exchange: takes an upstream connection and sends the request head. */
  start(): void {
    this.#acquire();
  }

  /** Forwards request body bytes from `buf[start…]`; returns where the body ended, `BODY_MORE` or `BODY_ERROR`. */
  feedBody(buf: Buffer, start: number): number {
    const body = this.#reqBody as BodyTracker;
    const end = body.feed(buf, start);
    if (end === BODY_ERROR) {
      this.#fail(400, 'malformed chunked request body', true);
      return end;
    }
    if (end !== BODY_MORE) this.#reqDone = true;
    const stop = end === BODY_MORE ? buf.length : end;
    if (stop > start) {
      // `buf` may lie in the shared read buffer; a socket write can hold on to what it is given
      const part = keepable(start === 0 && stop === buf.length ? buf : buf.subarray(start, stop));
      if (this.#conn === null) {
        (this.#queued ??= []).push(part);
        // no upstream to write to yet: stop reading the client once a socket buffer's worth waits here
        this.#queuedBytes += part.length;
        if (this.#queuedBytes > MAX_QUEUED_BODY) this.#host.holdClient(true);
      } else {
        if (!this.#conn.socket.write(part)) {
          this.#upstreamFull = true;
          this.#host.holdClient(true);
        }
        this.#host.setDeadline(this.#host.ctx.options.upstreamResponseTimeoutMs);
      }
    }
    return end;
  }

  /** The client went away or broke the connection: drop the upstream side without reusing it. */
  abort(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#conn !== null) this.#host.ctx.pool.discard(this.#conn);
    this.#conn = null;
    this.#host.ctx.metrics(this.#route.state.version).abort(Date.now());
    this.#host.ctx.router.end(this.#route.state, this.#instance);
  }

  /** The timeout in force expired: the upstream's silence, or a client that stopped sending or reading. */
  timeout(): void {
    if (this.#done) return;
    if (this.#clientStalled) {
      // the client stopped reading the response for longer than an idle connection is kept: its fault
      this.abort();
      this.#host.destroy();
    } else if (this.#headSent) {
      this.#broken();
    } else if (!this.#reqDone && !this.#upstreamFull) {
      // the upstream cannot answer a request it has not received whole: the client is too slow (RFC 9110 §15.5.9)
      this.#fail(408, 'request body not received in time', true);
    } else {
      this.#fail(504, 'upstream did not answer in time', !this.#reqDone);
    }
  }

  /** The client can take more response bytes again. */
  onClientDrain(): void {
    if (this.#conn === null || this.#done) return;
    this.#clientStalled = false;
    this.#conn.socket.resume();
    this.#host.setDeadline(this.#host.ctx.options.upstreamResponseTimeoutMs);
  }

  // The upstream failed after the response head went to the client (closed early, fell silent, broke the
  // framing): the client connection is cut, and the version is charged an error, as a 502 would have been.
  #broken(): void {
    this.#done = true;
    if (this.#conn !== null) this.#host.ctx.pool.discard(this.#conn);
    this.#conn = null;
    const now = performance.now();
    this.#host.ctx.metrics(this.#route.state.version).record(502, now - this.#t0, TIME_ORIGIN + now);
    this.#log(502, now);
    this.#host.ctx.router.end(this.#route.state, this.#instance);
    this.#host.destroy();
  }

  onUpstreamDrain(): void {
    this.#upstreamFull = false;
    this.#host.holdClient(false);
  }

  onUpstreamData(chunk: Buffer): void {
    if (this.#done) return;
    this.#gotBytes = true;
    if (this.#resp === null) this.#headBytes(chunk);
    else this.#bodyBytes(chunk, 0, null);
    // more of the response is awaited: the upstream's silence is timed afresh (a finished exchange set its own)
    if (!this.#done && !this.#clientStalled) this.#host.setDeadline(this.#host.ctx.options.upstreamResponseTimeoutMs);
  }

  onUpstreamEnd(): void {
    if (this.#done) return;
    if (this.#resp !== null && this.#resp.framing === 'close') {
      this.#finish();
      return;
    }
    this.#upstreamLost(null);
  }

  onUpstreamClose(error: Error | null): void {
    if (this.#done) return;
    if (this.#resp !== null && this.#resp.framing === 'close' && error === null) {
      this.#conn = null;
      this.#finish();
      return;
    }
    this.#upstreamLost(error);
  }

  #acquire(): void {
    this.#host.ctx.pool.acquire(this.#instance, this.#instance.key, this);
  }

  onAcquired(conn: UpstreamConnection | null, _error: Error | null, timedOut: boolean): void {
    if (this.#done) {
      if (conn !== null) this.#host.ctx.pool.release(conn);
      return;
    }
    if (conn === null) {
      this.#connectFailed(timedOut ? 504 : 502);
      return;
    }
    this.#conn = conn;
    conn.owner = this;
    this.#send(conn);
  }

  #send(conn: UpstreamConnection): void {
    const ctx = this.#host.ctx;
    this.#upstreamHead ??= upstreamRequestHead(this.#req, this.#host.forwarded, this.#instance.key);
    const queued = this.#queued;
    this.#queued = null;
    let ok: boolean;
    if (queued === null) {
      ok = conn.socket.write(this.#upstreamHead, 'latin1');
    } else {
      conn.socket.cork();
      conn.socket.write(this.#upstreamHead, 'latin1');
      for (const q of queued) conn.socket.write(q);
      ok = conn.socket.writableLength < conn.socket.writableHighWaterMark;
      conn.socket.uncork();
    }
    if (!ok) {
      this.#upstreamFull = true;
      this.#host.holdClient(true);
    } else if (this.#queuedBytes > MAX_QUEUED_BODY) this.#host.holdClient(false); // the queue that held it is sent
    this.#queuedBytes = 0;
    this.#host.setDeadline(ctx.options.upstreamResponseTimeoutMs);
  }

  #connectFailed(status: 502 | 504): void {
    const ctx = this.#host.ctx;
    ctx.metrics(this.#route.state.version).connectionFailure(Date.now());
    if (isRetryable(this.#req)) {
      (this.#tried ??= []).push(this.#instance);
      const next = this.#otherInstance();
      if (next !== null) {
        ctx.router.end(this.#route.state, this.#instance);
        this.#instance = next;
        ctx.router.begin(this.#route.state, next);
        this.#acquire();
        return;
      }
    }
    this.#fail(status, status === 504 ? 'upstream connect timed out' : 'upstream unreachable', !this.#reqDone);
  }

  #otherInstance(): InstanceState | null {
    return this.#host.ctx.router.pickInstance(this.#route, this.#tried);
  }

  // the upstream closed or failed before the response was complete
  #upstreamLost(_error: Error | null): void {
    const conn = this.#conn;
    this.#conn = null;
    if (conn !== null) this.#host.ctx.pool.discard(conn);
    if (this.#headSent) {
      this.#broken();
      return;
    }
    // a reused keep-alive connection may have been closed (FIN) or reset (RST) by the upstream just as we reused it
    const stale = conn === null ? false : conn.uses > 0;
    if (!this.#gotBytes && isRetryable(this.#req)) {
      // a keep-alive connection the upstream closed just as we reused it: the instance is fine, try afresh
      if (stale && this.#staleRetries < MAX_STALE_RETRIES) {
        this.#staleRetries++;
        this.#respBuf = null;
        this.#acquire();
        return;
      }
      this.#connectFailed(502);
      return;
    }
    if (!this.#gotBytes) this.#host.ctx.metrics(this.#route.state.version).connectionFailure(Date.now());
    this.#fail(502, 'upstream closed the connection', !this.#reqDone);
  }

  #headBytes(chunk: Buffer): void {
    // `chunk` lies in the upstream read buffer; a concatenation is a copy of its own
    const volatile = this.#respBuf === null;
    let buf = volatile ? chunk : Buffer.concat([this.#respBuf as Buffer, chunk]);
    for (;;) {
      const end = findHeadEnd(buf, 0);
      if (end < 0) {
        if (buf.length > MAX_RESPONSE_HEAD) this.#fail(502, 'upstream response head too large', true);
        else this.#respBuf = volatile ? copyOf(buf) : buf;
        return;
      }
      this.#respBuf = null;
      if (end > MAX_RESPONSE_HEAD) {
        this.#fail(502, 'upstream response head too large', true);
        return;
      }
      const head = parseResponseHead(buf.toString('latin1', 0, end), this.#req.method === 'HEAD', buf);
      if (head instanceof HeadError) {
        this.#fail(502, head.reason, true);
        return;
      }
      if (head.status >= 200 || head.status === 101) {
        this.#response(head, buf, end);
        return;
      }
      // 1xx interim responses go to HTTP/1.1 clients as they are; the final response follows
      if (this.#req.minor === 1) this.#host.write(volatile ? copyOf(buf.subarray(0, end)) : buf.subarray(0, end));
      buf = buf.subarray(end);
      if (buf.length === 0) return;
    }
  }

  #response(head: ResponseHead, buf: Buffer, end: number): void {
    const ctx = this.#host.ctx;
    const version = this.#route.state.version;
    if (head.status === 101) {
      if (this.#req.upgrade === null) {
        this.#fail(502, 'upstream switched protocols unasked', true);
        return;
      }
      this.#resp = head;
      this.#headSent = true;
      this.#host.write(clientResponseHead(head, false, this.#extras(version)));
      ctx.metrics(version).record(101, performance.now() - this.#t0, Date.now());
      this.#log(101, performance.now());
      const conn = this.#conn as UpstreamConnection;
      this.#conn = null;
      this.#done = true;
      const router = ctx.router;
      const state = this.#route.state;
      const inst = this.#instance;
      // a tunnel counts as in flight until it closes, so drain waits for it
      this.#host.startTunnel(conn, end < buf.length ? copyOf(buf.subarray(end)) : null, () => router.end(state, inst));
      return;
    }
    this.#resp = head;
    // an answer before the whole request body arrived: the rest of it will not be read, so the client connection
    // ends after this response, and the head says so (RFC 9110 §10.1.1)
    if (!this.#reqDone) this.#closeClient = true;
    if (head.framing === 'close') {
      // the body runs until the upstream closes (RFC 9112 §6.3): the client learns its end the same way
      this.#closeClient = true;
      this.#respBody.untilClose();
    } else if (head.framing === 'chunked') this.#respBody.chunked(MAX_RESPONSE_HEAD);
    else this.#respBody.length(head.framing === 'length' ? head.contentLength : 0);
    this.#headSent = true;
    this.#bodyBytes(buf, end, head);
  }

  #extras(version: string): { versionHeader: string | null; version: string; setCookie: string | null } | null {
    const vh = this.#host.ctx.options.versionHeader;
    return vh === null && this.#setCookie === null ? null : { versionHeader: vh, version, setCookie: this.#setCookie };
  }

  // Streams response body bytes from `buf[start…]`, prefixed by the response head (`head`, read from the start of
  // `buf`) when it is first written, as one write so that small responses leave in a single packet.
  #bodyBytes(buf: Buffer, start: number, head: ResponseHead | null): void {
    const end = this.#respBody.feed(buf, start);
    if (end === BODY_ERROR) {
      if (head !== null) {
        // nothing went to the client yet: it can still be told
        this.#fail(502, 'upstream sent a malformed chunked body', true);
        return;
      }
      this.#broken();
      return;
    }
    const stop = end === BODY_MORE ? buf.length : end;
    // copies: buf may be the upstream read buffer
    const out =
      head === null
        ? copyOf(start === 0 && stop === buf.length ? buf : buf.subarray(start, stop))
        : clientResponseBytes(head, buf, this.#closeClient, this.#extras(this.#route.state.version), start, stop);
    const flowing = out.length === 0 || this.#host.write(out);
    if (end === BODY_MORE) {
      if (!flowing && this.#conn !== null) {
        // held back for the client: the upstream's silence is not timed meanwhile, the client's is
        this.#conn.socket.pause();
        this.#clientStalled = true;
        this.#host.setDeadline(this.#host.ctx.options.keepAliveTimeoutMs);
      }
      return;
    }
    // bytes past the response's end mean the upstream is out of step: do not reuse its connection
    if (end < buf.length && this.#conn !== null) {
      this.#host.ctx.pool.discard(this.#conn);
      this.#conn = null;
    }
    // an upstream that answered before the whole request body arrived: the rest of it is not read
    if (!this.#reqDone) this.#closeClient = true;
    this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    const ctx = this.#host.ctx;
    const conn = this.#conn;
    this.#conn = null;
    const resp = this.#resp as ResponseHead;
    const now = performance.now();
    if (conn !== null) {
      if (resp.reusable && this.#reqDone && resp.framing !== 'close') ctx.pool.release(conn, now);
      else ctx.pool.discard(conn);
    }
    ctx.metrics(this.#route.state.version).record(resp.status, now - this.#t0, TIME_ORIGIN + now);
    if (ctx.accessLog !== null) this.#log(resp.status, now);
    ctx.router.end(this.#route.state, this.#instance);
    this.#host.exchangeDone(!this.#closeClient && this.#reqDone, now);
  }

  // one access log line for this exchange, when the log is on
  #log(status: number, now: number): void {
    const log = this.#host.ctx.accessLog;
    if (log === null) return;
    const req = this.#req;
    log.record({
      address: this.#host.address,
      method: req.method,
      target: req.target,
      minor: req.minor,
      fields: req,
      status,
      bytes: this.#host.socket.bytesWritten - this.#sent0,
      durationMs: now - this.#t0,
      version: this.#route.state.version,
      upstream: `${this.#instance.host}:${this.#instance.port}`,
    });
  }

  // answers the client by the proxy itself, before any upstream response byte was sent on
  #fail(status: number, message: string, close: boolean): void {
    if (this.#done) return;
    this.#done = true;
    const ctx = this.#host.ctx;
    if (this.#conn !== null) ctx.pool.discard(this.#conn);
    this.#conn = null;
    const version = this.#route.state.version;
    const closing = close || this.#closeClient || !this.#reqDone;
    this.#host.write(proxyResponse(status, message, closing, ctx.versionLine(version)));
    const now = performance.now();
    ctx.metrics(version).record(status, now - this.#t0, TIME_ORIGIN + now);
    this.#log(status, now);
    ctx.router.end(this.#route.state, this.#instance);
    this.#host.exchangeDone(!closing, now);
  }
}
