/** Keep-alive connection pools to upstream instances, bounded per instance. */
import { performance } from 'node:perf_hooks';
import { connect, type Socket } from 'node:net';
import { sharedReadBuffer } from './read-buffer.js';
import type { UpstreamInstance } from './routing-table.js';

/** Settings of the upstream keep-alive pools. */
export interface PoolOptions {
  maxPerUpstream: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
}

/** Defaults of the upstream keep-alive pools. */
export const DEFAULT_POOL: PoolOptions = {
  /** Open connections per instance address, idle ones included. */
  maxPerUpstream: 256,
  /** Below Node's default server keep-alive timeout (5 s) so the proxy, not the upstream, closes idle sockets. */
  idleTimeoutMs: 4000,
  connectTimeoutMs: 3000,
};

/** Whoever currently uses an upstream connection; receives its socket events. */
export interface UpstreamOwner {
  /**
   * Bytes from the upstream. `chunk` lies in the shared read buffer that the next read on any socket overwrites:
   * whatever is kept or written on past this call must be copied first (see read-buffer.ts).
   */
  onUpstreamData(chunk: Buffer): void;
  onUpstreamEnd(): void;
  onUpstreamClose(error: Error | null): void;
  onUpstreamDrain(): void;
}

/** A socket to one instance, either idle in its pool or owned by one exchange. */
export class UpstreamConnection {
  readonly socket: Socket;
  readonly key: string;
  owner: UpstreamOwner | null = null;
  /** Responses this connection has already carried; above 0 a failure may be a stale keep-alive. */
  uses = 0;
  idleSince = 0;
  #error: Error | null = null;

  /** Takes `n` bytes just read into `buf` (the shared read buffer). */
  onRead(n: number, buf: Buffer): void {
    const owner = this.owner;
    if (owner !== null) owner.onUpstreamData(buf.subarray(0, n));
    else this.socket.destroy(); // bytes on an idle connection: the stream is out of step
  }

  constructor(socket: Socket, key: string, pool: UpstreamPool) {
    this.socket = socket;
    this.key = key;
    socket.on('end', () => {
      if (this.owner) this.owner.onUpstreamEnd();
      else socket.destroy();
    });
    socket.on('drain', () => this.owner?.onUpstreamDrain());
    socket.on('error', (err) => {
      this.#error = err;
    });
    socket.on('close', () => {
      pool.forget(this);
      const owner = this.owner;
      this.owner = null;
      owner?.onUpstreamClose(this.#error);
    });
  }
}

/** Who asked for a connection: gets one (owned from then on) or the reason none could be had. */
export interface ConnectionRequester {
  onAcquired(conn: UpstreamConnection | null, error: Error | null, timedOut: boolean): void;
}

interface Entry {
  idle: UpstreamConnection[];
  open: number;
  waiting: Array<{ instance: UpstreamInstance; requester: ConnectionRequester; timer: NodeJS.Timeout }>;
}

/** Keep-alive connection pools, one per instance address, with a cap, an idle timeout and a connect timeout. */
export class UpstreamPool {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #idleMs: number;
  readonly #connectMs: number;
  readonly #sweep: NodeJS.Timeout;
  #closed = false;

  constructor(options: Partial<PoolOptions> = {}) {
    this.#max = options.maxPerUpstream ?? DEFAULT_POOL.maxPerUpstream;
    this.#idleMs = options.idleTimeoutMs ?? DEFAULT_POOL.idleTimeoutMs;
    this.#connectMs = options.connectTimeoutMs ?? DEFAULT_POOL.connectTimeoutMs;
    this.#sweep = setInterval(() => this.#closeStale(), Math.max(50, Math.min(1000, this.#idleMs / 4)));
    this.#sweep.unref();
  }

  /** Hands over an idle connection to `instance`, opens one, or queues until one frees up. */
  acquire(instance: UpstreamInstance, key: string, requester: ConnectionRequester): void {
    const e = this.#entry(key);
    const conn = e.idle.pop();
    if (conn !== undefined) {
      requester.onAcquired(conn, null, false);
      return;
    }
    if (e.open < this.#max) {
      this.#open(instance, key, e, requester);
      return;
    }
    const waiter = {
      instance,
      requester,
      // a connection freed meanwhile serves the waiter
      timer: timeoutAfterReadyEvents(() => {
        const i = e.waiting.indexOf(waiter);
        if (i < 0) return;
        e.waiting.splice(i, 1);
        requester.onAcquired(null, new Error(`no free connection to ${key} within ${this.#connectMs} ms`), true);
      }, this.#connectMs),
    };
    e.waiting.push(waiter);
  }

  /** Returns a connection whose last exchange ended cleanly, at `now` (`performance.now()`); to a waiter or idle. */
  release(conn: UpstreamConnection, now = performance.now()): void {
    conn.owner = null;
    conn.uses++;
    const e = this.#entries.get(conn.key);
    if (this.#closed || e === undefined || conn.socket.destroyed) {
      conn.socket.destroy();
      return;
    }
    const waiter = e.waiting.shift();
    if (waiter !== undefined) {
      clearTimeout(waiter.timer);
      waiter.requester.onAcquired(conn, null, false);
      return;
    }
    conn.idleSince = now;
    e.idle.push(conn);
  }

  /** Destroys a connection that must not be reused (error, abort, unread body). */
  discard(conn: UpstreamConnection): void {
    conn.owner = null;
    conn.socket.destroy();
  }

  /** Bookkeeping when a socket closed, from the connection itself. */
  forget(conn: UpstreamConnection): void {
    const e = this.#entries.get(conn.key);
    if (e === undefined) return;
    e.open--;
    const i = e.idle.indexOf(conn);
    if (i >= 0) e.idle.splice(i, 1);
    const waiter = e.waiting.shift();
    if (waiter !== undefined) {
      clearTimeout(waiter.timer);
      this.#open(waiter.instance, conn.key, e, waiter.requester);
    } else if (e.open === 0) {
      this.#entries.delete(conn.key);
    }
  }

  /** Closes the idle connections of every address not in `keep`. */
  closeIdleExcept(keep: Set<string>): void {
    for (const [key, e] of this.#entries) {
      if (keep.has(key)) continue;
      for (const conn of e.idle.splice(0)) conn.socket.destroy();
    }
  }

  /** Open connections (idle and busy) per address. */
  stats(): Record<string, { open: number; idle: number; waiting: number }> {
    const out: Record<string, { open: number; idle: number; waiting: number }> = {};
    for (const [k, e] of this.#entries) out[k] = { open: e.open, idle: e.idle.length, waiting: e.waiting.length };
    return out;
  }

  /** Closes idle connections and stops the sweeper; busy ones close when their exchange ends. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweep);
    for (const e of this.#entries.values()) {
      for (const conn of e.idle.splice(0)) conn.socket.destroy();
      for (const w of e.waiting.splice(0)) {
        clearTimeout(w.timer);
        w.requester.onAcquired(null, new Error('proxy closing'), false);
      }
    }
  }

  #entry(key: string): Entry {
    let e = this.#entries.get(key);
    if (e === undefined) {
      e = { idle: [], open: 0, waiting: [] };
      this.#entries.set(key, e);
    }
    return e;
  }

  #open(instance: UpstreamInstance, key: string, e: Entry, requester: ConnectionRequester): void {
    e.open++;
    const socket = connect({
      host: instance.host,
      port: instance.port,
      noDelay: true,
      onread: {
        buffer: sharedReadBuffer(),
        // reads start once connected, long after `conn` is set
        callback: (n, buf) => {
          conn.onRead(n, buf as Buffer);
          return true;
        },
      },
    });
    const conn = new UpstreamConnection(socket, key, this);
    let settled = false;
    // A connect that completed while this thread was busy past the timeout is no failure of the instance.
    const timer = timeoutAfterReadyEvents(() => {
      if (settled) return;
      settled = true;
      socket.destroy();
      requester.onAcquired(null, new Error(`connect to ${key} timed out after ${this.#connectMs} ms`), true);
    }, this.#connectMs);
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      requester.onAcquired(null, new Error(`connect to ${key}: ${err.message}`, { cause: err }), false);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.removeListener('error', fail);
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      requester.onAcquired(conn, null, false);
    });
  }

  #closeStale(): void {
    const limit = performance.now() - this.#idleMs;
    for (const e of this.#entries.values()) {
      // idle lists are LIFO, so the oldest sit at the front
      while (e.idle.length > 0 && (e.idle[0] as UpstreamConnection).idleSince < limit) {
        (e.idle.shift() as UpstreamConnection).socket.destroy();
      }
    }
  }
}

/**
 * setTimeout whose callback runs only once the socket events ready by then have been handled: setImmediate runs
 * after the event loop's poll, and Node runs due timers before it, so after this thread was busy past the timeout
 * an answer that arrived in time is seen first. The callback must check whether it is still wanted.
 */
function timeoutAfterReadyEvents(callback: () => void, ms: number): NodeJS.Timeout {
  return setTimeout(() => setImmediate(callback), ms);
}
