/** The daemon: the composition root that wires the store, the API and the runtime, and stops them cleanly. */
import type { FastifyInstance } from 'fastify';
import type { StatusDocument } from '../api/contract.js';
import { buildApiServer } from '../api/server.js';
import { loadOrCreateTokens } from '../api/tokens.js';
import type { LoadedPlan } from '../plan/load.js';
import { UnavailableError, describeError } from '../shared/errors.js';
import { glidepathVersion } from '../shared/version.js';
import { openStore, type Store } from '../store/index.js';
import { EventBus } from './event-bus.js';
import { DaemonMetrics } from './daemon-metrics.js';
import { clearDaemonInfo, stateDirOf, writeDaemonInfo, type StateDir } from './state-dir.js';

export interface DaemonOptions {
  loaded: LoadedPlan;
  storeUrl: string;
  log: (line: string) => void;
}

/** A running daemon; `stopped` resolves once everything it started is gone. */
export class Daemon {
  readonly url: string;
  readonly stopped: Promise<void>;
  readonly #api: FastifyInstance;
  readonly #store: Store;
  readonly #dir: StateDir;
  readonly #log: (line: string) => void;
  #stopping: Promise<void> | undefined;
  #resolveStopped: () => void = () => undefined;

  private constructor(parts: { url: string; api: FastifyInstance; store: Store; dir: StateDir; log: (line: string) => void }) {
    this.url = parts.url;
    this.#api = parts.api;
    this.#store = parts.store;
    this.#dir = parts.dir;
    this.#log = parts.log;
    this.stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
  }

  /** Opens the store, starts the API on the plan's daemon address and records where it listens. */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const { plan, file, dir: planDir } = options.loaded;
    const dir = stateDirOf(planDir);
    const store = await openStore(options.storeUrl, { baseDir: planDir });
    const startedAt = new Date();
    const events = new EventBus(store);
    const metrics = new DaemonMetrics(plan.service);
    let daemon: Daemon | undefined;
    const status = (): Promise<StatusDocument> => Promise.resolve({ service: plan.service, stable: null, canary: null, release: null });
    try {
      const api = await buildApiServer({
        service: plan.service,
        store,
        tokens: loadOrCreateTokens(dir.token),
        startedAt,
        glidepathVersion: glidepathVersion(),
        subscribe: (listener) => events.subscribe(listener),
        status,
        metrics: () => metrics.exposition(),
        shutdown: () => void daemon?.stop('asked over the API'),
      });
      const [host, port] = splitListen(plan.daemon.listen);
      await api.listen({ host, port }).catch((error: unknown) => {
        throw new UnavailableError(`daemon cannot listen on ${plan.daemon.listen}: ${describeError(error)}`, error);
      });
      const url = `http://${plan.daemon.listen}`;
      daemon = new Daemon({ url, api, store, dir, log: options.log });
      writeDaemonInfo(dir, { pid: process.pid, url, service: plan.service, plan: file, startedAt: startedAt.toISOString() });
      await events.record({ service: plan.service, type: 'daemon.started', data: { pid: process.pid, url } });
      options.log(`glidepath daemon for ${plan.service} listening on ${url} (pid ${process.pid})`);
      return daemon;
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
  }

  /** Stops the API, then the runtime, then the store; safe to call more than once. */
  stop(reason: string): Promise<void> {
    this.#stopping ??= (async () => {
      this.#log(`stopping: ${reason}`);
      await this.#api.close().catch(() => undefined);
      clearDaemonInfo(this.#dir, process.pid);
      await this.#store.close().catch(() => undefined);
      this.#resolveStopped();
    })();
    return this.#stopping;
  }
}

function splitListen(listen: string): [string, number] {
  const at = listen.lastIndexOf(':');
  return [listen.slice(0, at).replace(/^\[|\]$/g, ''), Number(listen.slice(at + 1))];
}
