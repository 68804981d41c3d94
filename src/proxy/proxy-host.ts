/** The proxy on its own worker thread, driven from the daemon's thread by messages. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { GlidepathError } from '../shared/errors.js';
import type { ProxyOptions } from './proxy-options.js';
import type { HostMessage, ProxyCommands, ProxyWorkerData, WorkerMessage } from './proxy-protocol.js';
import type { ProxyMetricsSnapshot } from './proxy-server.js';
import type { DrainResult } from './router.js';
import { parseStickyMode, validateRoutingTable, type RoutingTable } from './routing-table.js';

/** Options of `ProxyHost.start`: the proxy's own plus how often it pushes metrics. */
export interface ProxyHostOptions extends ProxyOptions {
  /** Push a metrics snapshot to `onMetrics` listeners this often; 0 (default) turns pushing off. */
  metricsIntervalMs?: number;
  /** Window of pushed snapshots, in seconds (default 60). */
  metricsWindowSeconds?: number;
}

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };

// From the TypeScript sources (tests, tsx) the worker must load through tsx; from dist it is plain JavaScript.
function workerSource(): { code: string; eval: true } | { url: URL; eval: false } {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return { url: new URL('./proxy-worker.js', self), eval: false };
  const tsx = join(dirname(createRequire(self).resolve('tsx/package.json')), 'dist/esm/api/index.mjs');
  const entry = new URL('./proxy-worker.ts', self).href;
  const code = `import(${JSON.stringify(pathToFileURL(tsx).href)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return { code, eval: true };
}

/** Runs the proxy on its own worker thread, so a busy control plane never delays proxied requests. */
export class ProxyHost {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(snapshot: ProxyMetricsSnapshot) => void>();
  #nextId = 1;
  #exited: Error | null = null;
  #address: { host: string; port: number } = { host: '', port: 0 };

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Starts the worker and resolves once the proxy listens. */
  static async start(options: ProxyHostOptions = {}): Promise<ProxyHost> {
    const { metricsIntervalMs = 0, metricsWindowSeconds = 60, ...proxyOptions } = options;
    if (proxyOptions.sticky !== undefined) parseStickyMode(proxyOptions.sticky);
    const data: ProxyWorkerData = { options: proxyOptions, metricsIntervalMs, metricsWindowSeconds };
    const src = workerSource();
    const worker = src.eval
      ? new Worker(src.code, { eval: true, workerData: data })
      : new Worker(src.url, { workerData: data });
    const host = new ProxyHost(worker);
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number) => reject(new GlidepathError(`proxy worker exited (${code}) before it listened`));
      worker.once('exit', onExit);
      worker.once('error', reject);
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') {
          host.#address = msg.address;
          worker.off('exit', onExit);
          worker.off('error', reject);
          resolve();
        } else if (msg.type === 'failed') {
          reject(new GlidepathError(`proxy could not listen: ${msg.error}`, { code: 'proxy_listen' }));
          void worker.terminate();
        } else {
          host.#onMessage(msg);
        }
      });
    });
    worker.on('error', (err: Error) => host.#fail(err));
    worker.on('exit', (code) => host.#fail(new GlidepathError(`proxy worker exited with code ${code}`)));
    return host;
  }

  /** The address the proxy listens on. */
  get address(): { host: string; port: number } {
    return this.#address;
  }

  /** Replaces the routing table atomically; rejects (changing nothing) when it is invalid. */
  async setRoutes(table: RoutingTable): Promise<void> {
    await this.#call('setRoutes', { table: validateRoutingTable(table) });
  }

  /** Stops new requests to `version`; resolves when its in-flight requests finished or `timeoutMs` passed. */
  drain(version: string, timeoutMs: number): Promise<DrainResult> {
    return this.#call('drain', { version, timeoutMs });
  }

  /** Every version's metrics over the last `windowSeconds`. */
  getMetrics(windowSeconds = 60): Promise<ProxyMetricsSnapshot> {
    return this.#call('getMetrics', { windowSeconds });
  }

  /** Calls `listener` with every pushed snapshot (see `metricsIntervalMs`); returns the unsubscribe function. */
  onMetrics(listener: (snapshot: ProxyMetricsSnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Closes the proxy (in-flight requests get up to `graceMs`) and ends the worker. */
  async close(graceMs = 5000): Promise<void> {
    if (this.#exited) return;
    await this.#call('close', { graceMs });
    await this.#worker.terminate();
  }

  #call<K extends keyof ProxyCommands>(type: K, args: ProxyCommands[K]['args']): Promise<ProxyCommands[K]['result']> {
    if (this.#exited) return Promise.reject(this.#exited);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const message = { id, type, ...args } as HostMessage;
      this.#worker.postMessage(message);
    });
  }

  #onMessage(msg: WorkerMessage): void {
    if (msg.type === 'metrics') {
      for (const l of this.#listeners) l(msg.snapshot);
    } else if (msg.type === 'reply') {
      const p = this.#pending.get(msg.id);
      if (p === undefined) return;
      this.#pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new GlidepathError(msg.error, { code: msg.code }));
    }
  }

  #fail(err: Error): void {
    this.#exited ??= err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
