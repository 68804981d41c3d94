/**
 * An in-memory Target for engine unit tests: it records every call, lets a test script each version's metrics,
 * start failures and HTTP answers, and serves each version on a real loopback port so checks can reach `{url}`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StartOutcome, Target, TargetEvent, TargetVersion, VersionCounters, VersionMetrics } from '../targets/target.js';

/** How a version behaves. */
export interface TestVersionScript {
  /** startVersion fails with this reason. */
  startFails?: string;
  /** Status code of every answer of the version's direct address (default 200). */
  status?: number;
  errorRate?: number;
  /** Latencies in ms (defaults 20, 50, 80). */
  p50?: number;
  p95?: number;
  p99?: number;
  cpu?: number;
  memory?: number;
  /** Monotonic counters the version reports (`totals`), read at each call; none by default. */
  counters?: () => VersionCounters;
}

interface Running {
  server: Server;
  url: string;
}

async function listen(handler: () => number, body: () => string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.statusCode = handler();
    res.end(body());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** The in-memory target; create it with `TestTarget.create()` and `close()` it after the test. */
export class TestTarget implements Target {
  readonly type = 'test';
  readonly serviceUrl: string;
  /** Every setWeights call, in order. */
  readonly weightChanges: Record<string, number>[] = [];
  readonly startCalls: string[] = [];
  readonly stopCalls: { version: string; drainMs: number | undefined }[] = [];
  /** Every openPreview call, in order (the preview itself is not served). */
  readonly previewCalls: { version: string; listen: string }[] = [];
  /** Requests per second the whole service gets; a version gets its weight's share. */
  rps = 100;
  /** When set, currentWeights answers this instead of the applied split (a target that misapplied it). */
  misreport: Record<string, number> | undefined;
  readonly #service: Server;
  readonly #scripts = new Map<string, TestVersionScript>();
  readonly #running = new Map<string, Running>();
  readonly #listeners = new Set<(event: TargetEvent) => void>();
  #weights: Record<string, number> = {};

  private constructor(service: { server: Server; url: string }) {
    this.#service = service.server;
    this.serviceUrl = service.url;
  }

  /** Starts the target's service address (it answers as the version with the most traffic). */
  static async create(): Promise<TestTarget> {
    const ref: { target?: TestTarget } = {};
    const service = await listen(
      () => (ref.target ? ref.target.#serviceStatus() : 503),
      () => (ref.target ? (ref.target.#leader() ?? 'no version') : 'no version'),
    );
    ref.target = new TestTarget(service);
    return ref.target;
  }

  /** Sets how a version behaves from now on (merged into what was set before). */
  script(version: string, script: TestVersionScript): this {
    this.#scripts.set(version, { ...this.#scripts.get(version), ...script });
    return this;
  }

  /** Makes a version vanish as if its processes died with the daemon. */
  async crash(version: string, options: { failed?: string } = {}): Promise<void> {
    const running = this.#running.get(version);
    this.#running.delete(version);
    delete this.#weights[version];
    if (running) await closeServer(running.server);
    // As a real target does once a version kept crashing past its restart policy.
    if (options.failed !== undefined) this.#emit({ type: 'version.failed', version, reason: options.failed, at: new Date().toISOString() });
  }

  async startVersion(version: string): Promise<StartOutcome> {
    this.startCalls.push(version);
    const script = this.#scripts.get(version) ?? {};
    if (script.startFails !== undefined) return { status: 'failed', version, reason: script.startFails };
    const existing = this.#running.get(version);
    if (existing) return { status: 'ready', version, url: existing.url };
    const started = await listen(
      () => this.#scripts.get(version)?.status ?? 200,
      () => version,
    );
    this.#running.set(version, started);
    this.#emit({ type: 'version.ready', version, at: new Date().toISOString() });
    return { status: 'ready', version, url: started.url };
  }

  async setWeights(weights: Readonly<Record<string, number>>): Promise<void> {
    const sum = Object.values(weights).reduce((a, b) => a + b, 0);
    if (Object.keys(weights).length > 0 && sum !== 100) throw new Error(`weights must sum to 100, got ${sum}`);
    for (const version of Object.keys(weights)) {
      if (!this.#running.has(version)) throw new Error(`version ${version} is not running`);
    }
    this.weightChanges.push({ ...weights });
    this.#weights = Object.fromEntries(Object.entries(weights).filter(([, w]) => w > 0));
  }

  async currentWeights(): Promise<Record<string, number>> {
    return { ...(this.misreport ?? this.#weights) };
  }

  async openPreview(version: string, listen: string): Promise<string> {
    if (!this.#running.has(version)) throw new Error(`cannot preview ${version}: it is not running`);
    this.previewCalls.push({ version, listen });
    return `http://${listen}`;
  }

  async stopVersion(version: string, options: { drainMs?: number }): Promise<void> {
    this.stopCalls.push({ version, drainMs: options.drainMs });
    await this.crash(version);
    this.#emit({ type: 'version.stopped', version, at: new Date().toISOString() });
  }

  versions(): TargetVersion[] {
    return [...this.#running].map(([version, running]) => ({
      version,
      state: 'ready',
      weight: this.#weights[version] ?? 0,
      instances: 1,
      url: running.url,
    }));
  }

  async metrics(version: string, windowMs: number): Promise<VersionMetrics | undefined> {
    if (!this.#running.has(version)) return undefined;
    const script = this.#scripts.get(version) ?? {};
    const requests = Math.round((this.rps * (this.#weights[version] ?? 0) * windowMs) / 100 / 1000);
    const errors = Math.round(requests * (script.errorRate ?? 0));
    const latency = (value: number) => (requests > 0 ? value : null);
    return {
      version,
      windowMs,
      requests,
      rps: requests / (windowMs / 1000),
      errors,
      errorRate: requests > 0 ? errors / requests : 0,
      p50: latency(script.p50 ?? 20),
      p95: latency(script.p95 ?? 50),
      p99: latency(script.p99 ?? 80),
      cpu: script.cpu ?? null,
      memory: script.memory ?? null,
      ...(script.counters ? { totals: script.counters() } : {}),
    };
  }

  onEvent(listener: (event: TargetEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const version of [...this.#running.keys()]) await this.crash(version);
    await closeServer(this.#service);
  }

  #emit(event: TargetEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  #leader(): string | undefined {
    return Object.entries(this.#weights).sort((a, b) => b[1] - a[1])[0]?.[0];
  }

  #serviceStatus(): number {
    const leader = this.#leader();
    return leader === undefined ? 503 : (this.#scripts.get(leader)?.status ?? 200);
  }
}
