/** The embedded `process` target: versions as local processes (the supervisor) behind the built-in proxy. */
import { EventEmitter } from 'node:events';
import type { ProcessTargetConfig, TargetConfig } from '../../plan/schema/target.js';
import type { ProxyHost, ProxyMetricsSnapshot, ProxyRemote } from '../../proxy/index.js';
import { GlidepathError } from '../../shared/errors.js';
import type { StartOutcome, Target, TargetEvent, TargetNotice, TargetVersion, VersionMetrics } from '../target.js';
import { ProcessSupervisor } from '../../supervisor/process-supervisor.js';
import { restoreServing, type RestoredVersion } from './restore-serving.js';
import { writeServingState } from './serving-file.js';
import { openServiceProxy, startPreviewProxy } from './serving-proxy.js';
import type { InstanceAddress, SupervisorEvent, VersionSpec } from '../../supervisor/types.js';
import { versionSpecOf } from '../local-version-spec.js';
import { ProxyEpochs } from './proxy-epochs.js';

/** What a process target needs: its plan section, the service, and the project and state directories. */
export interface ProcessTargetOptions {
  config: ProcessTargetConfig;
  service: string;
  planDir: string;
  /** The project's `.glidepath/` directory. */
  stateDir: string;
  /** Extra proxy settings (tests pin the seed). */
  proxy?: { seed?: number; metricsKeepSeconds?: number };
}

interface VersionState {
  weight: number;
  state: TargetVersion['state'];
  instances: Map<number, InstanceAddress>;
  spec: VersionSpec;
}

/** Runs versions as local processes behind the built-in proxy. */
export class ProcessTarget implements Target {
  readonly type = 'process';
  readonly serviceUrl: string;
  #options: ProcessTargetOptions;
  readonly #proxy: ProxyRemote;
  readonly #supervisor: ProcessSupervisor;
  readonly #versions = new Map<string, VersionState>();
  readonly #events = new EventEmitter();
  readonly #cpu = new Map<string, { seconds: number; at: number }>();
  readonly #epochs = new ProxyEpochs();
  /** How each version recorded as serving came back when this target started. */
  readonly restored: readonly RestoredVersion[];
  #closing = false;
  #routing: Promise<void> = Promise.resolve();
  #preview: { version: string; host: ProxyHost } | undefined;

  private constructor(options: ProcessTargetOptions, proxy: ProxyRemote, supervisor: ProcessSupervisor, restored: RestoredVersion[]) {
    this.#options = options;
    this.#proxy = proxy;
    this.#supervisor = supervisor;
    this.restored = restored;
    this.serviceUrl = `http://${options.config.listen}`;
    supervisor.onEvent((event) => this.#onSupervisorEvent(event));
    // A proxy process that died comes back with its persisted table; the current one follows at once.
    proxy.onRestart(() => void this.#pushRoutes().catch(() => undefined));
  }

  /**
   * Brings back the versions that served before (adopting those still running, starting those gone), then starts
   * the proxy on `listen` and routes as before.
   */
  static async start(options: ProcessTargetOptions): Promise<ProcessTarget> {
    // Restore first, listen after: a restarted daemon's proxy must never answer while it knows no version.
    const supervisor = new ProcessSupervisor({ stateDir: options.stateDir });
    const { service, planDir } = options;
    const restored = await restoreServing(supervisor, { service, stateDir: options.stateDir, specOf: (version) => versionSpecOf(options.config, service, version, planDir) });
    const weights = restored.serving.weights;
    let proxy: ProxyRemote;
    try {
      proxy = await openServiceProxy(options);
    } catch (error) {
      // The versions keep running, recorded, for a daemon that can listen.
      await supervisor.detach();
      throw error;
    }
    const target = new ProcessTarget(options, proxy, supervisor, restored.versions);
    for (const outcome of restored.versions) {
      if (outcome.how === 'failed') continue;
      const instances = new Map(outcome.instances.map((i) => [i.index, i]));
      target.#versions.set(outcome.version, { weight: weights[outcome.version] ?? 0, state: 'ready', instances, spec: outcome.spec });
    }
    await target.#pushRoutes();
    return target;
  }

  /**
   * Takes a new configuration for what starts from now on (command, env, readiness, instances, restart, drain);
   * running versions keep theirs. The proxy's own settings (listen, sticky, versionHeader) are fixed at start.
   */
  reconfigure(config: TargetConfig): void {
    if (config.type === 'process') this.#options = { ...this.#options, config };
  }

  /** Says how the proxy and each version that served before came back (adopted, started again) or why not, then each proxy restart. */
  onNotice(listener: (notice: TargetNotice) => void): void {
    const proxy = this.#proxy.info;
    listener({ level: 'info', fields: { pid: proxy.pid }, message: `proxy process ${proxy.how} (pid ${proxy.pid}) on ${this.serviceUrl}` });
    this.onProxyRestart((ms, reason) =>
      listener({ level: 'warn', fields: { pid: this.#proxy.info.pid, ms }, message: `proxy process restarted in ${ms}ms (${reason}); it serves its persisted routing table` }),
    );
    for (const restored of this.restored) {
      const { version } = restored;
      if (restored.how === 'failed') listener({ level: 'error', fields: { version }, message: `${version} served before but cannot start again: ${restored.reason}` });
      else listener({ level: 'info', fields: { version }, message: `${version} serves again (${restored.how === 'adopted' ? 'its running processes adopted' : 'its processes were gone: started again'})` });
    }
  }

  #onSupervisorEvent(event: SupervisorEvent): void {
    if (event.service !== this.#options.service) return;
    const state = this.#versions.get(event.version);
    if (state && event.index !== undefined) {
      if (event.type === 'instance.ready' && event.port !== undefined && event.pid !== undefined) {
        state.instances.set(event.index, { index: event.index, pid: event.pid, port: event.port, host: '127.0.0.1' });
        void this.#pushRoutes().catch(() => undefined);
      } else if (event.type === 'instance.exited' || event.type === 'instance.unready' || event.type === 'instance.stopped') {
        state.instances.delete(event.index);
        void this.#pushRoutes().catch(() => undefined);
      }
    }
    if (event.type === 'version.failed' && state) state.state = 'failed';
    const forwarded: Partial<Record<SupervisorEvent['type'], TargetEvent['type']>> = {
      'version.failed': 'version.failed',
      'version.ready': 'version.ready',
      'version.stopped': 'version.stopped',
      'instance.restarted': 'instance.restarted',
      'instance.exited': 'instance.exited',
    };
    const type = forwarded[event.type];
    if (type) this.#events.emit('event', { type, version: event.version, reason: event.reason, at: event.at } satisfies TargetEvent);
  }

  /** Sends the routing table to the proxy; calls are serialised so an older table never lands after a newer one. */
  #pushRoutes(): Promise<void> {
    const table = {
      versions: [...this.#versions.entries()]
        .filter(([, s]) => s.state === 'ready' || s.state === 'draining')
        .map(([version, s]) => ({ version, weight: s.weight, instances: [...s.instances.values()].map(({ host, port }) => ({ host, port })), draining: s.state === 'draining' })),
    };
    const preview = this.#preview;
    const previewed = preview && table.versions.find((v) => v.version === preview.version);
    this.#routing = this.#routing
      .catch(() => undefined)
      .then(async () => {
        await this.#proxy.setRoutes(table);
        if (preview && previewed) await preview.host.setRoutes({ versions: [{ ...previewed, weight: 100, draining: false }] });
      });
    return this.#routing;
  }

  async startVersion(version: string, options: { signal?: AbortSignal }): Promise<StartOutcome> {
    const existing = this.#versions.get(version);
    if (existing?.state === 'ready') return { status: 'ready', version, url: this.#urlOf(existing) ?? this.serviceUrl };
    const spec = versionSpecOf(this.#options.config, this.#options.service, version, this.#options.planDir);
    const state: VersionState = { weight: 0, state: 'starting', instances: new Map(), spec };
    this.#versions.set(version, state);
    const outcome = await this.#supervisor.startVersion(spec, options);
    if (outcome.status === 'failed') {
      this.#versions.delete(version);
      return outcome;
    }
    state.state = 'ready';
    for (const instance of outcome.instances) state.instances.set(instance.index, instance);
    await this.#pushRoutes();
    this.#saveServing();
    return { status: 'ready', version, url: this.#urlOf(state) ?? this.serviceUrl };
  }

  #urlOf(state: VersionState): string | undefined {
    const first = [...state.instances.values()].sort((a, b) => a.index - b.index)[0];
    return first ? `http://${first.host}:${first.port}` : undefined;
  }

  async setWeights(weights: Readonly<Record<string, number>>): Promise<void> {
    for (const version of Object.keys(weights)) {
      if (this.#versions.get(version)?.state !== 'ready') throw new GlidepathError(`cannot route to ${version}: it is not running and ready`);
    }
    for (const [version, state] of this.#versions) state.weight = weights[version] ?? 0;
    await this.#pushRoutes();
    this.#saveServing();
  }

  /** Records the ready versions, their weights and specs, so the next daemon brings them back; `close()` keeps it. */
  #saveServing(): void {
    if (this.#closing) return;
    const ready = [...this.#versions.entries()].filter(([, s]) => s.state === 'ready');
    writeServingState(this.#options.stateDir, {
      weights: Object.fromEntries(ready.map(([version, s]) => [version, s.weight])),
      versions: Object.fromEntries(ready.map(([version, s]) => [version, s.spec])),
    });
  }

  async currentWeights(): Promise<Record<string, number>> {
    const snapshot = await this.#proxy.getMetrics(1);
    return Object.fromEntries(snapshot.versions.filter((v) => v.weight !== null && !v.draining).map((v) => [v.version, v.weight as number]));
  }

  async openPreview(version: string, listen: string): Promise<string> {
    if (this.#versions.get(version)?.state !== 'ready') throw new GlidepathError(`cannot preview ${version}: it is not running and ready`);
    await this.#closePreview();
    this.#preview = { version, host: await startPreviewProxy(this.#options, listen) };
    await this.#pushRoutes();
    return `http://${listen}`;
  }

  async #closePreview(): Promise<void> {
    const preview = this.#preview;
    this.#preview = undefined;
    await preview?.host.close().catch(() => undefined);
  }

  async stopVersion(version: string, options: { drainMs?: number }): Promise<void> {
    if (this.#preview?.version === version) await this.#closePreview();
    const state = this.#versions.get(version);
    if (state?.state === 'ready') {
      state.state = 'draining';
      state.weight = 0;
      await this.#pushRoutes();
      await this.#proxy.drain(version, options.drainMs ?? this.#options.config.drain);
    }
    await this.#supervisor.stopVersion(version);
    this.#versions.delete(version);
    this.#cpu.delete(version);
    this.#epochs.forget(version);
    await this.#pushRoutes();
    this.#saveServing();
  }

  versions(): TargetVersion[] {
    return [...this.#versions.entries()].map(([version, s]) => ({
      version,
      state: s.state,
      weight: s.weight,
      instances: s.instances.size,
      url: this.#urlOf(s),
    }));
  }

  async metrics(version: string, windowMs: number): Promise<VersionMetrics | undefined> {
    if (!this.#versions.has(version)) return undefined;
    // The proxy counts in one-second buckets and the newest is still filling: one more keeps N full seconds in view.
    const seconds = Math.max(1, Math.ceil(windowMs / 1000)) + 1;
    const snapshot: ProxyMetricsSnapshot = await this.#proxy.getMetrics(seconds);
    const found = snapshot.versions.find((v) => v.version === version);
    const totals = this.#epochs.read(version, snapshot, seconds, this.#proxy.info.restarts.length > 0);
    const window = found?.window;
    const usage = await this.#supervisor.usage(version).catch(() => undefined);
    const requests = window ? window.requests + window.connectionFailures : 0;
    return {
      version,
      windowMs: seconds * 1000,
      requests,
      rps: window?.rps ?? 0,
      errors: window ? window.byClass['5xx'] + window.connectionFailures : 0,
      errorRate: window?.errorRate ?? 0,
      p50: window?.p50 ?? null,
      p95: window?.p95 ?? null,
      p99: window?.p99 ?? null,
      cpu: usage ? this.#coresSince(version, usage.cpuSeconds) : null,
      memory: usage?.rssBytes ?? null,
      totals,
    };
  }

  /** CPU in cores since the previous reading of this version (null on the first). */
  #coresSince(version: string, seconds: number): number | null {
    const now = performance.now();
    const previous = this.#cpu.get(version);
    this.#cpu.set(version, { seconds, at: now });
    if (!previous || now <= previous.at) return null;
    return (seconds - previous.seconds) / ((now - previous.at) / 1000);
  }

  /** The proxy's live metrics snapshot of every version, for the daemon's exporter. */
  proxyMetrics(windowSeconds: number): Promise<ProxyMetricsSnapshot> {
    return this.#proxy.getMetrics(windowSeconds);
  }

  onEvent(listener: (event: TargetEvent) => void): () => void {
    this.#events.on('event', listener);
    return () => this.#events.off('event', listener);
  }

  /** How the proxy process came to be (adopted, started, replaced) and its restarts since. */
  get proxyProcess(): ProxyRemote['info'] {
    return this.#proxy.info;
  }

  /** Calls `listener` each time the proxy process died and was restarted, with how long that took and why. */
  onProxyRestart(listener: (ms: number, reason: string) => void): void {
    this.#proxy.onRestart(() => {
      const last = this.#proxy.info.restarts.at(-1);
      if (last) listener(last.ms, last.reason);
    });
  }

  /** Lets go of the proxy process and the versions, which keep serving for the next daemon to adopt. */
  async detach(): Promise<void> {
    this.#closing = true;
    await this.#closePreview();
    await this.#proxy.detach();
    await this.#supervisor.detach();
  }

  /** Stops the proxy and every version; what served stays recorded, for the next start to bring back. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#closePreview();
    await this.#proxy.close().catch(() => undefined);
    await this.#supervisor.shutdown();
  }
}
