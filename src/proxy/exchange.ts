/** One request's trip through the proxy: pick an instance, connect (with retries), forward, stream the response back. */
import { performance } from 'node:perf_hooks';
import { BODY_ERROR, BODY_MORE, BodyTracker } from './body-tracker.js';
import { RequestBody } from './request-body.js';
import { clientResponseBytes, clientResponseHead, proxyResponse, upstreamRequestHead } from './forward-head.js';
import { HeadError, findHeadEnd } from './header-fields.js';
import { logExchange } from './exchange-log.js';
import { checkTransition, type ExchangeEnding, type ExchangeState } from './exchange-state.js';
import type { ExchangeHost } from './proxy-context.js';
import { isRetryable, type RequestHead } from './request-head.js';
import { parseResponseHead, type ResponseHead } from './response-head.js';
import type { InstanceState, Route } from './router.js';
import { copyOf } from './read-buffer.js';
import type { ConnectionRequester, UpstreamConnection, UpstreamOwner } from './upstream-pool.js';

const MAX_RESPONSE_HEAD = 64 * 1024;
const MAX_STALE_RETRIES = 2;
// wall time of performance.now()'s zero, to turn one clock reading into both a latency and a wall time
const TIME_ORIGIN = performance.timeOrigin;

/**
 * One request's trip to an upstream instance and back: connect (with retries), forward, stream the response.
 * Its life is the state machine of `exchange-state.ts`: `#to` makes every move, `#settle` every ending.
 */
export class Exchange implements UpstreamOwner, ConnectionRequester {
  #state: ExchangeState = 'connecting';
  readonly #host: ExchangeHost;
  readonly #req: RequestHead;
  readonly #route: Route;
  #instance: InstanceState;
  #conn: UpstreamConnection | null = null;
  #upstreamHead: string | null = null;
  // the request's body, when it has one
  readonly #reqBody: RequestBody | null;
  #reqDone: boolean;
  #respBuf: Buffer | null = null;
  #resp: ResponseHead | null = null;
  readonly #respBody = new BodyTracker();
  #closeClient: boolean;
  #tried: InstanceState[] | null = null;
  #staleRetries = 0;
  // the upstream is paused because the client does not take the response fast enough
  #clientStalled = false;
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
    this.#reqBody = req.chunked || req.contentLength > 0 ? new RequestBody(host, req) : null;
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
    const end = (this.#reqBody as RequestBody).feed(buf, start, this.#conn);
    if (end === BODY_ERROR) this.#settle('refused', 400, 'malformed chunked request body', true);
    else if (end !== BODY_MORE) this.#reqDone = true;
    return end;
  }

  /** The client went away or broke the connection: drop the upstream side without reusing it. */
  abort(): void {
    this.#settle('aborted', 0, '', true);
  }

  /** The timeout in force expired: the upstream's silence, or a client that stopped sending or reading. */
  timeout(): void {
    if (this.#state === 'settled') return;
    if (this.#clientStalled) {
      // the client stopped reading the response for longer than an idle connection is kept: its fault
      this.abort();
      this.#host.destroy();
    } else if (this.#state === 'streaming') {
      this.#settle('broken', 502, '', true);
    } else if (!this.#reqDone && !(this.#reqBody as RequestBody).upstreamFull) {
      // the upstream cannot answer a request it has not received whole: the client is too slow (RFC 9110 §15.5.9)
      this.#settle('refused', 408, 'request body not received in time', true);
    } else {
      this.#settle('refused', 504, 'upstream did not answer in time', false);
    }
  }

  /** The client can take more response bytes again. */
  onClientDrain(): void {
    if (this.#conn === null || this.#state === 'settled') return;
    this.#clientStalled = false;
    this.#conn.socket.resume();
    this.#host.setDeadline(this.#host.ctx.options.upstreamResponseTimeoutMs);
  }

  onUpstreamDrain(): void {
    if (this.#reqBody !== null) this.#reqBody.upstreamFull = false;
    this.#host.holdClient(false);
  }

  onUpstreamData(chunk: Buffer): void {
    const state = this.#state;
    if (state === 'settled') return;
    if (state === 'streaming') this.#bodyBytes(chunk, 0, null);
    else {
      if (state === 'awaiting-head') this.#to('reading-head');
      this.#headBytes(chunk);
    }
    // more of the response is awaited: the upstream's silence is timed afresh (a finished exchange set its own)
    if (this.#state !== 'settled' && !this.#clientStalled) this.#host.setDeadline(this.#host.ctx.options.upstreamResponseTimeoutMs);
  }

  onUpstreamEnd(): void {
    if (this.#state === 'settled') return;
    if (this.#state === 'streaming' && (this.#resp as ResponseHead).framing === 'close') {
      this.#answered();
      return;
    }
    this.#upstreamLost(null);
  }

  onUpstreamClose(error: Error | null): void {
    if (this.#state === 'settled') return;
    if (this.#state === 'streaming' && (this.#resp as ResponseHead).framing === 'close' && error === null) {
      this.#conn = null;
      this.#answered();
      return;
    }
    this.#upstreamLost(error);
  }

  // moves to `to`, a state `exchange-state.ts` allows after the one in force
  #to(to: ExchangeState): void {
    checkTransition(this.#state, to);
    this.#state = to;
  }

  #acquire(): void {
    if (this.#state !== 'connecting') this.#to('connecting');
    this.#host.ctx.pool.acquire(this.#instance, this.#instance.key, this);
  }

  onAcquired(conn: UpstreamConnection | null, _error: Error | null, timedOut: boolean): void {
    if (this.#state === 'settled') {
      if (conn !== null) this.#host.ctx.pool.release(conn);
      return;
    }
    if (conn === null) {
      this.#connectFailed(timedOut ? 504 : 502);
      return;
    }
    this.#conn = conn;
    conn.owner = this;
    this.#to('awaiting-head');
    this.#send(conn);
  }

  #send(conn: UpstreamConnection): void {
    const head = (this.#upstreamHead ??= upstreamRequestHead(this.#req, this.#host.forwarded, this.#instance.key));
    if (this.#reqBody !== null) this.#reqBody.send(conn, head);
    else if (!conn.socket.write(head, 'latin1')) this.#host.holdClient(true);
    this.#host.setDeadline(this.#host.ctx.options.upstreamResponseTimeoutMs);
  }

  #connectFailed(status: 502 | 504): void {
    const ctx = this.#host.ctx;
    ctx.metrics(this.#route.state.version).connectionFailure(Date.now());
    if (isRetryable(this.#req)) {
      (this.#tried ??= []).push(this.#instance);
      const next = ctx.router.pickInstance(this.#route, this.#tried);
      if (next !== null) {
        ctx.router.end(this.#route.state, this.#instance);
        this.#instance = next;
        ctx.router.begin(this.#route.state, next);
        this.#acquire();
        return;
      }
    }
    this.#settle('refused', status, status === 504 ? 'upstream connect timed out' : 'upstream unreachable', false);
  }

  // the upstream closed or failed before the response was complete
  #upstreamLost(_error: Error | null): void {
    const conn = this.#conn;
    this.#conn = null;
    if (conn !== null) this.#host.ctx.pool.discard(conn);
    if (this.#state === 'streaming') {
      this.#settle('broken', 502, '', true);
      return;
    }
    // a reused keep-alive connection may have been closed (FIN) or reset (RST) by the upstream just as we reused it
    const stale = conn === null ? false : conn.uses > 0;
    const gotBytes = this.#state === 'reading-head';
    if (!gotBytes && isRetryable(this.#req)) {
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
    if (!gotBytes) this.#host.ctx.metrics(this.#route.state.version).connectionFailure(Date.now());
    this.#settle('refused', 502, 'upstream closed the connection', false);
  }

  #headBytes(chunk: Buffer): void {
    // `chunk` lies in the upstream read buffer; a concatenation is a copy of its own
    const volatile = this.#respBuf === null;
    let buf = volatile ? chunk : Buffer.concat([this.#respBuf as Buffer, chunk]);
    for (;;) {
      const end = findHeadEnd(buf, 0);
      if (end < 0 ? buf.length > MAX_RESPONSE_HEAD : end > MAX_RESPONSE_HEAD) {
        this.#settle('refused', 502, 'upstream response head too large', true);
        return;
      }
      if (end < 0) {
        this.#respBuf = volatile ? copyOf(buf) : buf;
        return;
      }
      this.#respBuf = null;
      const head = parseResponseHead(buf.toString('latin1', 0, end), this.#req.method === 'HEAD', buf);
      if (head instanceof HeadError) {
        this.#settle('refused', 502, head.reason, true);
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
        this.#settle('refused', 502, 'upstream switched protocols unasked', true);
        return;
      }
      this.#host.write(clientResponseHead(head, false, this.#extras(version)));
      const conn = this.#conn as UpstreamConnection;
      this.#settle('upgraded', 101, '', false);
      const [router, state, inst] = [ctx.router, this.#route.state, this.#instance];
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
    this.#to('streaming');
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
      // nothing went to the client yet when the head is still to be written: it can still be told
      if (head !== null) this.#settle('refused', 502, 'upstream sent a malformed chunked body', true);
      else this.#settle('broken', 502, '', true);
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
    this.#answered();
  }

  // the upstream's whole response went to the client
  #answered(): void {
    this.#settle('answered', (this.#resp as ResponseHead).status, '', false);
  }

  // The one way an exchange ends, once (later calls do nothing). `status` is what the version's metrics and the
  // access log record; `message` and `close` serve a `refused` exchange: the proxy's own answer, and whether
  // the client connection ends after it. A `broken` exchange cuts the client connection: the upstream failed
  // after the response head went out (closed early, fell silent, broke the framing), and the version is charged
  // an error, as a 502 would have been. An `upgraded` one leaves the upstream connection to the tunnel.
  #settle(ending: ExchangeEnding, status: number, message: string, close: boolean): void {
    if (this.#state === 'settled') return;
    this.#state = 'settled';
    const ctx = this.#host.ctx;
    const conn = this.#conn;
    this.#conn = null;
    const now = performance.now();
    const version = this.#route.state.version;
    if (conn !== null && ending !== 'upgraded') {
      const resp = this.#resp;
      const reusable = ending === 'answered' && resp !== null && resp.reusable && resp.framing !== 'close';
      if (reusable && this.#reqDone) ctx.pool.release(conn, now);
      else ctx.pool.discard(conn);
    }
    if (ending === 'aborted') {
      ctx.metrics(version).abort(Date.now());
    } else {
      if (ending === 'refused') {
        if (close || !this.#reqDone) this.#closeClient = true;
        this.#host.write(proxyResponse(status, message, this.#closeClient, ctx.versionLine(version)));
      }
      ctx.metrics(version).record(status, now - this.#t0, TIME_ORIGIN + now);
      const log = ctx.accessLog;
      if (log !== null) logExchange(log, this.#host, this.#req, this.#instance, version, status, this.#sent0, now - this.#t0);
    }
    // a tunnel counts as in flight until it closes (its own end), so drain waits for it
    if (ending === 'upgraded') return;
    ctx.router.end(this.#route.state, this.#instance);
    if (ending === 'broken') this.#host.destroy();
    else if (ending !== 'aborted') this.#host.exchangeDone(!this.#closeClient && this.#reqDone, now);
  }
}
