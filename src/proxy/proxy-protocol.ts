/** The messages between the proxy's host and its worker thread. */
import type { ProxyOptions } from './proxy-options.js';
import type { ProxyMetricsSnapshot } from './proxy-server.js';
import type { DrainResult } from './router.js';
import type { RoutingTable } from './routing-table.js';

/** What the host may ask of the proxy worker, each with the result it gets back. */
export interface ProxyCommands {
  setRoutes: { args: { table: RoutingTable }; result: null };
  drain: { args: { version: string; timeoutMs: number }; result: DrainResult };
  getMetrics: { args: { windowSeconds: number }; result: ProxyMetricsSnapshot };
  close: { args: { graceMs: number }; result: null };
}

/** A command message from the host; `id` pairs it with its reply. */
export type HostMessage = {
  [K in keyof ProxyCommands]: { id: number; type: K } & ProxyCommands[K]['args'];
}[keyof ProxyCommands];

/** A message from the worker: startup outcome, a reply, or a periodic metrics push. */
export type WorkerMessage =
  | { type: 'ready'; address: { host: string; port: number } }
  | { type: 'failed'; error: string }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string; code: string }
  | { type: 'metrics'; snapshot: ProxyMetricsSnapshot };

/** The worker's start parameters (`workerData`). */
export interface ProxyWorkerData {
  options: ProxyOptions;
  /** Push a metrics snapshot this often; 0 turns pushing off. */
  metricsIntervalMs: number;
  metricsWindowSeconds: number;
}
