/** A request body on its way upstream: bytes forwarded as they come from the client, queued until a connection. */
import { BODY_ERROR, BODY_MORE, BodyTracker } from './body-tracker.js';
import type { ExchangeHost } from './proxy-context.js';
import { keepable } from './read-buffer.js';
import type { RequestHead } from './request-head.js';
import type { UpstreamConnection } from './upstream-pool.js';

// request body bytes kept while the exchange waits for an upstream connection before the client is paused
const MAX_QUEUED_BODY = 64 * 1024;

/** The body of one request (with `Content-Length` or chunked), forwarded upstream as it arrives. */
export class RequestBody {
  readonly #host: ExchangeHost;
  readonly #tracker: BodyTracker;
  #queued: Buffer[] | null = null;
  #queuedBytes = 0;
  /** Whether the whole body has come from the client. */
  done = false;
  /** Whether the upstream does not take the body as fast as it comes: the client is held until it drains. */
  upstreamFull = false;

  constructor(host: ExchangeHost, req: RequestHead) {
    this.#host = host;
    this.#tracker = req.chunked
      ? new BodyTracker().chunked(host.ctx.options.maxHeaderBytes)
      : new BodyTracker().length(req.contentLength);
  }

  /**
   * Forwards body bytes from `buf[start…]` to `conn`, or queues them while there is none yet; returns where the
   * body ended, `BODY_MORE` or `BODY_ERROR`.
   */
  feed(buf: Buffer, start: number, conn: UpstreamConnection | null): number {
    const end = this.#tracker.feed(buf, start);
    if (end === BODY_ERROR) return end;
    if (end !== BODY_MORE) this.done = true;
    const stop = end === BODY_MORE ? buf.length : end;
    if (stop > start) {
      // `buf` may lie in the shared read buffer; a socket write can hold on to what it is given
      const part = keepable(start === 0 && stop === buf.length ? buf : buf.subarray(start, stop));
      if (conn === null) {
        (this.#queued ??= []).push(part);
        // no upstream to write to yet: stop reading the client once a socket buffer's worth waits here
        this.#queuedBytes += part.length;
        if (this.#queuedBytes > MAX_QUEUED_BODY) this.#host.holdClient(true);
      } else {
        if (!conn.socket.write(part)) {
          this.upstreamFull = true;
          this.#host.holdClient(true);
        }
        this.#host.setDeadline(this.#host.ctx.options.upstreamResponseTimeoutMs);
      }
    }
    return end;
  }

  /** Sends the request head (`head`) and the body bytes queued so far on `conn`, as one corked write. */
  send(conn: UpstreamConnection, head: string): void {
    const queued = this.#queued;
    this.#queued = null;
    let ok: boolean;
    if (queued === null) {
      ok = conn.socket.write(head, 'latin1');
    } else {
      conn.socket.cork();
      conn.socket.write(head, 'latin1');
      for (const q of queued) conn.socket.write(q);
      ok = conn.socket.writableLength < conn.socket.writableHighWaterMark;
      conn.socket.uncork();
    }
    if (!ok) {
      this.upstreamFull = true;
      this.#host.holdClient(true);
    } else if (this.#queuedBytes > MAX_QUEUED_BODY) this.#host.holdClient(false); // the queue that held it is sent
    this.#queuedBytes = 0;
  }
}
