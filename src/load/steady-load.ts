/**
 * Steady, bounded load on a loopback URL: `clients` concurrent keep-alive clients (node:http with one Agent)
 * sending GET requests for at most `maxSeconds` or until stopped. It counts status codes, the versions that
 * answered (a response header) and connection errors, and can hand every response to a callback with its time.
 * The demo runs it as its users' traffic; the release e2e tests and the rollback benchmark measure with it.
 */
import { Agent, request } from 'node:http';

/** How much steady load to send, and where. */
export interface LoadOptions {
  /** Loopback URL every request goes to, e.g. `http://127.0.0.1:8080/`. */
  url: string;
  /** Concurrent clients, each with at most one request in flight (default 4). */
  clients?: number;
  /** Hard upper bound on how long the load runs, whatever happens (default 60). */
  maxSeconds: number;
  /** Pause each client takes after a response before its next request (default 10 ms), to keep the rate steady. */
  gapMs?: number;
  /** Time a single request may take before it counts as a connection error (default 5000 ms). */
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
  /** Error code (ECONNRESET, ECONNREFUSED, timeout …) when the connection failed. */
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
  readonly #options: Required<Omit<LoadOptions, 'onResponse'>> & Pick<LoadOptions, 'onResponse'>;
  readonly #header: string;
  readonly #agent: Agent;
  readonly #url: URL;
  readonly #statuses = new Map<number, number>();
  readonly #versions = new Map<string, number>();
  readonly #errors = new Map<string, number>();
  readonly #byVersion = new Map<string, VersionCounts>();
  #startedAt = Date.now();
  readonly #deadline: NodeJS.Timeout;
  readonly #clients: Promise<void>[];
  #requests = 0;
  #ended: LoadReport['ended'] = 'running';
  #endedAt: number | undefined;
  #wake = new Set<() => void>();

  private constructor(options: LoadOptions) {
    this.#url = new URL(options.url);
    if (!LOOPBACK.has(this.#url.hostname)) throw new Error(`load goes to loopback addresses only, not ${this.#url.hostname}`);
    this.#options = { clients: 4, gapMs: 10, requestTimeoutMs: 5_000, versionHeader: 'x-version', onResponse: undefined, ...options };
    this.#header = this.#options.versionHeader.toLowerCase();
    this.#agent = new Agent({ keepAlive: true, maxSockets: this.#options.clients, keepAliveMsecs: 1_000 });
    this.#deadline = setTimeout(() => this.#end('deadline'), this.#options.maxSeconds * 1_000);
    this.#clients = Array.from({ length: this.#options.clients }, () => this.#client());
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
    await Promise.all(this.#clients);
    this.#agent.destroy();
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
    for (const wake of this.#wake) wake();
  }

  async #client(): Promise<void> {
    while (this.running) {
      const sample = await this.#once();
      this.#requests++;
      const ok = sample.error === undefined && sample.status >= 200 && sample.status < 300;
      const version = sample.version ?? '?';
      if (sample.error !== undefined) this.#errors.set(sample.error, (this.#errors.get(sample.error) ?? 0) + 1);
      else this.#statuses.set(sample.status, (this.#statuses.get(sample.status) ?? 0) + 1);
      if (ok) this.#versions.set(version, (this.#versions.get(version) ?? 0) + 1);
      let counts = this.#byVersion.get(version);
      if (counts === undefined) this.#byVersion.set(version, (counts = { requests: 0, failed: 0 }));
      counts.requests++;
      if (!ok) counts.failed++;
      this.#options.onResponse?.(sample);
      if (this.#options.gapMs > 0 && this.running) await this.#sleep(this.#options.gapMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake.add(done);
    });
  }

  #once(): Promise<LoadSample> {
    const sentAt = Date.now();
    return new Promise((resolve) => {
      let settled = false;
      const finish = (sample: Omit<LoadSample, 'sentAt' | 'at'>) => {
        if (settled) return;
        settled = true;
        resolve({ sentAt, at: Date.now(), ...sample });
      };
      const req = request(this.#url, { agent: this.#agent, method: 'GET', timeout: this.#options.requestTimeoutMs }, (res) => {
        const header = res.headers[this.#header];
        const version = Array.isArray(header) ? header[0] : header;
        res.on('data', () => undefined);
        res.on('end', () => finish({ status: res.statusCode ?? 0, version }));
        res.on('error', (error: NodeJS.ErrnoException) => finish({ status: 0, version, error: error.code ?? error.message }));
        // A response cut off mid-body is a failed request, whatever its status line said.
        res.on('close', () => finish(res.complete ? { status: res.statusCode ?? 0, version } : { status: 0, version, error: 'ABORTED' }));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { code: 'TIMEOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => finish({ status: 0, version: undefined, error: error.code ?? error.message }));
      req.end();
    });
  }
}
