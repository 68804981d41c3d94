/**
 * The load generator's scheduler, under both `glidepath bench` (runLoad) and the steady load of the demo, the
 * end-to-end tests and the benchmarks (Load): it drives keep-alive connections (HttpConnection) through a prepared
 * request mix until a request count, an end time or `stop()`. Closed model: each connection sends its next request
 * once the answer came (after an optional pause). Open model: requests have intended send times on a fixed schedule
 * and go out on whichever connection is idle, their latency counted from that intended time.
 */
import { HttpConnection } from './http-connection.js';
import type { RequestMix } from './request-mix.js';

/** Default time a request may take before it counts as a timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Receives each request's end, in the order they end: its index in the mix, its status (0 when there was none), the
 * error code that left it without one, the captured header, and `performance.now()` times: when it was meant to be
 * sent, when it was written, and now.
 */
export type EngineResultHandler = (
  index: number,
  status: number,
  error: string | undefined,
  header: string | undefined,
  intendedAt: number,
  sentAt: number,
  now: number,
) => void;

/** Where the load goes, what it sends and for how long. */
export interface EngineOptions {
  host: string;
  port: number;
  mix: RequestMix;
  connections: number;
  /** Stop sending after this many requests (default: no bound) … */
  count?: number;
  /** … or at this `performance.now()` time (default: no bound), or on `stop()`. */
  endAt?: number;
  /** Requests per second on a fixed schedule (open model); unset: closed model. */
  rate?: number;
  /** Closed model: the pause a connection takes after an answer before its next request (default 0). */
  gapMs?: number;
  /** Time a request may take before it fails with `TIMEOUT` (default DEFAULT_REQUEST_TIMEOUT_MS). */
  timeoutMs?: number;
  /** A response header whose value each result carries. */
  captureHeader?: string;
  onResult: EngineResultHandler;
}

interface Slot {
  index: number;
  intendedAt: number;
  sentAt: number;
  /** Closed model with a gap: the pause before this connection's next request. */
  pause: NodeJS.Timeout | undefined;
}

/** Sends the load of `EngineOptions`; `start()` resolves once nothing is left to send and nothing is in flight. */
export class LoadEngine {
  readonly #o: EngineOptions;
  readonly #connections: HttpConnection[];
  readonly #slots: Slot[];
  readonly #count: number;
  readonly #endAt: number;
  readonly #interval: number;
  readonly #gapMs: number;
  readonly #timeoutMs: number;
  #started = 0;
  #sent = 0;
  #inFlight = 0;
  #stopped = false;
  #done = false;
  #finish: () => void = () => undefined;
  readonly #finished = new Promise<void>((resolve) => (this.#finish = resolve));
  readonly #idle: number[] = [];
  #wakeTimer: NodeJS.Timeout | undefined;
  #sweep: NodeJS.Timeout | undefined;

  constructor(options: EngineOptions) {
    if (!Number.isInteger(options.connections) || options.connections < 1) throw new Error('a load needs at least one connection');
    if (options.rate !== undefined && !(options.rate > 0)) throw new Error('a load rate must be a positive number of requests per second');
    this.#o = options;
    this.#count = options.count ?? Number.POSITIVE_INFINITY;
    this.#endAt = options.endAt ?? Number.POSITIVE_INFINITY;
    this.#interval = options.rate === undefined ? 0 : 1_000 / options.rate;
    this.#gapMs = options.gapMs ?? 0;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#slots = Array.from({ length: options.connections }, () => ({ index: 0, intendedAt: 0, sentAt: 0, pause: undefined }));
    this.#connections = this.#slots.map(
      (slot, i) =>
        new HttpConnection({
          host: options.host,
          port: options.port,
          captureHeader: options.captureHeader,
          onResult: (status, error, header) => this.#ended(i, slot, status, error, header),
        }),
    );
  }

  /** `performance.now()` when the load started. */
  get started(): number {
    return this.#started;
  }

  /** Requests written so far. */
  get sent(): number {
    return this.#sent;
  }

  /** Starts sending; resolves when the load is over (every request ended, answered, failed or timed out). */
  start(): Promise<void> {
    this.#started = performance.now();
    this.#sweep = setInterval(() => this.#checkTimeouts(), Math.min(100, this.#timeoutMs / 4));
    if (this.#o.rate === undefined) {
      for (let i = 0; i < this.#connections.length; i++) {
        const now = performance.now();
        if (this.#more(now)) this.#launch(i, now, now);
      }
    } else {
      this.#idle.push(...this.#connections.keys());
      this.#pump();
    }
    this.#checkDone();
    return this.#finished;
  }

  /** Sends no new request; those in flight end as they will (answered, failed or timed out). */
  stop(): void {
    this.#stopped = true;
    for (const slot of this.#slots) this.#unpause(slot);
    this.#checkDone();
  }

  /** Stops and closes every connection now; requests in flight end with `CLOSED`. */
  abort(): void {
    this.stop();
    for (const connection of this.#connections) connection.close();
    this.#checkDone();
  }

  /** Releases the timers and the connections (after `start()` resolved, or to give up). */
  close(): void {
    this.#stopped = true;
    this.#done = true;
    clearInterval(this.#sweep);
    clearTimeout(this.#wakeTimer);
    for (const slot of this.#slots) this.#unpause(slot);
    for (const connection of this.#connections) connection.close();
    this.#finish();
  }

  #more(now: number): boolean {
    return !this.#stopped && this.#sent < this.#count && now < this.#endAt;
  }

  #checkDone(): void {
    if (this.#done || this.#inFlight > 0 || this.#more(performance.now())) return;
    if (this.#slots.some((slot) => slot.pause !== undefined)) return;
    this.#done = true;
    clearInterval(this.#sweep);
    clearTimeout(this.#wakeTimer);
    this.#finish();
  }

  #launch(i: number, intendedAt: number, now: number): void {
    const mix = this.#o.mix;
    const slot = this.#slots[i] as Slot;
    const index = mix.order[this.#sent % mix.order.length] as number;
    const request = mix.requests[index] as (typeof mix.requests)[number];
    slot.index = index;
    slot.intendedAt = intendedAt;
    slot.sentAt = now;
    this.#sent++;
    this.#inFlight++;
    (this.#connections[i] as HttpConnection).send(request.bytes, request.noBody);
  }

  #ended(i: number, slot: Slot, status: number, error: string | undefined, header: string | undefined): void {
    this.#inFlight--;
    const now = performance.now();
    this.#o.onResult(slot.index, status, error, header, slot.intendedAt, slot.sentAt, now);
    if (this.#o.rate !== undefined) {
      this.#idle.push(i);
      this.#pump();
    } else if (!this.#more(now)) this.#checkDone();
    else if (this.#gapMs <= 0) this.#launch(i, now, now);
    else
      slot.pause = setTimeout(() => {
        slot.pause = undefined;
        const at = performance.now();
        if (this.#more(at)) this.#launch(i, at, at);
        else this.#checkDone();
      }, this.#gapMs);
  }

  #unpause(slot: Slot): void {
    if (slot.pause === undefined) return;
    clearTimeout(slot.pause);
    slot.pause = undefined;
  }

  // open model: send every request whose time has come on an idle connection; wake up for the next one
  #pump(): void {
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    let now = performance.now();
    while (this.#idle.length > 0 && this.#more(now)) {
      const intendedAt = this.#started + this.#sent * this.#interval;
      if (intendedAt > now) break;
      this.#launch(this.#idle.pop() as number, intendedAt, now);
      now = performance.now();
    }
    if (this.#more(now)) {
      const wait = this.#started + this.#sent * this.#interval - now;
      // all connections busy with requests already due: the next answer pumps again
      if (this.#idle.length > 0 || wait > 0) this.#wakeTimer = setTimeout(() => this.#pump(), Math.max(1, Math.min(wait, this.#endAt - now)));
    } else this.#checkDone();
  }

  #checkTimeouts(): void {
    const now = performance.now();
    for (const connection of this.#connections) if (connection.busy && now - connection.sentAt > this.#timeoutMs) connection.timeOut();
    this.#checkDone();
  }
}
