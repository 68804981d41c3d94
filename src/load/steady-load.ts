/**
 * Steady, bounded load on a loopback URL: `clients` keep-alive connections, each with one GET in flight and a pause
 * of `gapMs` after every answer (or, with `rate`, a fixed arrival rate on those connections), for at most
 * `maxSeconds` or until stopped. It runs on the same connections and scheduler as `glidepath bench` (LoadEngine);
 * it counts status codes, the versions that answered (a response header) and connection errors, and can hand every
 * response to a callback with its times. The demo runs it as its users' traffic; the release e2e tests and the
 * benchmarks measure with it. A request is never sent twice (see HttpConnection for connection reuse).
 */
import { LoadEngine } from './load-engine.js';
import { prepareMix } from './request-mix.js';

/** How much steady load to send, and where. */
export interface LoadOptions {
  /** Loopback URL every request goes to, e.g. `http://127.0.0.1:8080/`. */
  url: string;
  /** Concurrent keep-alive connections, each with at most one request in flight (default 4). */
  clients?: number;
  /** Hard upper bound on how long the load runs, whatever happens (default 60). */
  maxSeconds: number;
  /** Pause each client takes after a response before its next request (default 10 ms), to keep the rate steady. */
  gapMs?: number;
  /** Requests per second on a fixed schedule, sent on whichever client is idle (open model; `gapMs` then unused). */
  rate?: number;
  /** Time a single request may take before it fails with `TIMEOUT` (default 10 000 ms, as `glidepath bench`). */
  requestTimeoutMs?: number;
  /** Response header that names the version that answered (default `x-version`). */
  versionHeader?: string;
  /** Called for every finished request, in the order they finish. */
  onResponse?: (sample: LoadSample) => void;
}

/** One finished request: a status (0 when the connection failed) with the version that answered. */
export interface LoadSample {
  /** `Date.now()` when the request was sent and when it finished. */
  sentAt: number;
  at: number;
  status: number;
  version: string | undefined;
  /** Error code (ECONNRESET, ECONNREFUSED, TIMEOUT, EPROTO …) when the request got no answer. */
  error?: string;
}

/** Requests and failed requests (non-2xx or no response) of one version. */
export interface VersionCounts {
  requests: number;
  failed: number;
}

/** What a steady load saw: requests, failures and their kinds. */
export interface LoadReport {
  requests: number;
  /** Requests a user saw fail: non-2xx answers and connection errors. */
  failed: number;
  /** Every request by the version that answered (`?` when none did), failed ones included. */
  byVersion: Record<string, VersionCounts>;
  /** Responses by status code. */
  statuses: Record<string, number>;
  /** 2xx responses by the version that answered (the version header's value, or `?`). */
  versions: Record<string, number>;
  /** Responses whose status is not 2xx. */
  non2xx: number;
  /** Requests that got no response at all, by error code. */
  connectionErrors: Record<string, number>;
  connectionErrorCount: number;
  /** Wall time the load ran (since the last `reset`). */
  seconds: number;
  /** Why it stopped: `stopped` (by the caller) or `deadline` (maxSeconds elapsed). */
  ended: 'stopped' | 'deadline' | 'running';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** A running load; `stop()` ends it, waits for in-flight requests and returns the report. */
export class Load {
  readonly #engine: LoadEngine;
  readonly #running: Promise<void>;
  readonly #onResponse: LoadOptions['onResponse'];
  readonly #statuses = new Map<number, number>();
  readonly #versions = new Map<string, number>();
  readonly #errors = new Map<string, number>();
  readonly #byVersion = new Map<string, VersionCounts>();
  #startedAt = Date.now();
  readonly #deadline: NodeJS.Timeout;
  #requests = 0;
  #ended: LoadReport['ended'] = 'running';
  #endedAt: number | undefined;

  private constructor(options: LoadOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'http:') throw new Error(`load goes over http:// only, not ${url.protocol}`);
    if (!LOOPBACK.has(url.hostname)) throw new Error(`load goes to loopback addresses only, not ${url.hostname}`);
    this.#onResponse = options.onResponse;
    this.#engine = new LoadEngine({
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(url.port || 80),
      mix: prepareMix([{ path: `${url.pathname}${url.search}` }], url.host),
      connections: options.clients ?? 4,
      // the deadline timer below may fire late; no request goes out after the bound even so
      endAt: performance.now() + options.maxSeconds * 1_000,
      rate: options.rate,
      gapMs: options.gapMs ?? 10,
      timeoutMs: options.requestTimeoutMs,
      captureHeader: options.versionHeader ?? 'x-version',
      onResult: (_index, status, error, version, _intendedAt, sentAt, now) => this.#count(status, error, version, now - sentAt),
    });
    this.#deadline = setTimeout(() => this.#end('deadline'), options.maxSeconds * 1_000);
    this.#running = this.#engine.start();
  }

  /** Starts `clients` clients at once. */
  static start(options: LoadOptions): Load {
    return new Load(options);
  }

  /** Whether the load still runs. */
  get running(): boolean {
    return this.#ended === 'running';
  }

  /** The counts so far. */
  report(): LoadReport {
    const statuses = Object.fromEntries([...this.#statuses].map(([code, n]) => [String(code), n]));
    const connectionErrors = Object.fromEntries(this.#errors);
    const non2xx = [...this.#statuses].filter(([code]) => code < 200 || code > 299).reduce((sum, [, n]) => sum + n, 0);
    const connectionErrorCount = [...this.#errors.values()].reduce((sum, n) => sum + n, 0);
    return {
      requests: this.#requests,
      failed: non2xx + connectionErrorCount,
      byVersion: Object.fromEntries([...this.#byVersion].map(([v, c]) => [v, { ...c }])),
      statuses,
      versions: Object.fromEntries(this.#versions),
      non2xx,
      connectionErrors,
      connectionErrorCount,
      seconds: ((this.#endedAt ?? Date.now()) - this.#startedAt) / 1_000,
      ended: this.#ended,
    };
  }

  /** The counts since the start or the last reset, then counting afresh (between releases, say). */
  reset(): LoadReport {
    const report = this.report();
    this.#requests = 0;
    this.#statuses.clear();
    this.#versions.clear();
    this.#errors.clear();
    this.#byVersion.clear();
    this.#startedAt = Date.now();
    return report;
  }

  /** Ends the load (no new requests), waits for the in-flight ones, closes every socket, and reports. */
  async stop(): Promise<LoadReport> {
    this.#end('stopped');
    await this.#running;
    this.#engine.close();
    return this.report();
  }

  /** Resolves once `n` more requests finished, or rejects after `timeoutMs`. */
  async waitForRequests(n: number, timeoutMs = 10_000): Promise<void> {
    const target = this.#requests + n;
    const deadline = Date.now() + timeoutMs;
    while (this.#requests < target) {
      if (!this.running) throw new Error(`the load ended (${this.#ended}) after ${this.#requests} requests, before ${target}`);
      if (Date.now() > deadline) throw new Error(`only ${this.#requests} of ${target} requests finished within ${timeoutMs}ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  #end(why: 'stopped' | 'deadline'): void {
    if (this.#ended !== 'running') return;
    this.#ended = why;
    this.#endedAt = Date.now();
    clearTimeout(this.#deadline);
    this.#engine.stop();
  }

  #count(status: number, error: string | undefined, header: string | undefined, tookMs: number): void {
    // CLOSED: this side closed the connection under the request (it never does before the request ended)
    if (error === 'CLOSED') return;
    this.#requests++;
    const ok = error === undefined && status >= 200 && status < 300;
    const version = header ?? '?';
    if (error !== undefined) this.#errors.set(error, (this.#errors.get(error) ?? 0) + 1);
    else this.#statuses.set(status, (this.#statuses.get(status) ?? 0) + 1);
    if (ok) this.#versions.set(version, (this.#versions.get(version) ?? 0) + 1);
    let counts = this.#byVersion.get(version);
    if (counts === undefined) this.#byVersion.set(version, (counts = { requests: 0, failed: 0 }));
    counts.requests++;
    if (!ok) counts.failed++;
    if (this.#onResponse === undefined) return;
    const at = Date.now();
    this.#onResponse({ sentAt: at - Math.round(tookMs), at, status, version: header, ...(error === undefined ? {} : { error }) });
  }
}
