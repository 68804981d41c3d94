/**
 * The `nginx` target: versions run as local processes (the supervisor, like the process target) or on servers
 * elsewhere, and an nginx that glidepath reconfigures splits traffic between them. Each change renders the file
 * glidepath owns, checks it with `nginx -t` and reloads nginx gracefully; the built-in metrics come from the
 * access log nginx writes in glidepath's format.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { NginxTargetConfig } from '../../plan/schema/target.js';
import { GlidepathError } from '../../shared/errors.js';
import { ProcessSupervisor } from '../../supervisor/process-supervisor.js';
import type { SupervisorEvent } from '../../supervisor/types.js';
import { versionSpecOf } from '../local-version-spec.js';
import { WEIGHTS_UNSUPPORTED, type AppliedWeights, type StartOutcome, type Target, type TargetEvent, type TargetNotice, type TargetVersion, type VersionMetrics } from '../target.js';
import { AccessLogTail } from './access-log-tail.js';
import { adoptLocalVersions, listRemoteVersions, type RestoredNginxVersion } from './adopt-versions.js';
import { applyConfig, readConfig, type NginxCommands } from './apply-config.js';
import { LogCounters, parseLogLine } from './log-counters.js';
import { generationUrl, renderedGeneration, renderedWeights, renderNginxConfig } from './nginx-config.js';
import { runVersionCommand, serversOf, waitServersReady } from './remote-servers.js';

/** How long nginx's check, its reload and the `deploy`/`remove` commands may take. */
const COMMAND_TIMEOUT_MS = 60_000;

/** What an nginx target needs: its plan section, the service, and the project and state directories. */
export interface NginxTargetOptions {
  config: NginxTargetConfig;
  service: string;
  planDir: string;
  stateDir: string;
  /** How long nginx's new workers may take to answer after a reload (tests shorten it). */
  confirmTimeoutMs?: number;
}

interface VersionState {
  weight: number;
  state: TargetVersion['state'];
  /** `host:port` of each ready instance, by instance index. */
  servers: Map<number, string>;
}

/** Drives an nginx: renders its upstreams and split, checks, reloads, and reads its access log. */
export class NginxTarget implements Target {
  readonly type = 'nginx';
  readonly serviceUrl: string;
  readonly #options: NginxTargetOptions;
  readonly #configPath: string;
  readonly #accessLog: string;
  readonly #commands: NginxCommands;
  readonly #supervisor: ProcessSupervisor | undefined;
  readonly #versions = new Map<string, VersionState>();
  readonly #events = new EventEmitter();
  readonly #counters = new LogCounters();
  readonly #tail: AccessLogTail;
  readonly #cpu = new Map<string, { seconds: number; at: number }>();
  /** Config changes, one after the other, so an older file never lands after a newer one. */
  #applying: Promise<void> = Promise.resolve();
  /** Set by `detach()` and `close()`: what the supervisor reports then no longer changes nginx's file. */
  #leaving = false;
  /** How each version nginx served came back when the target started (`start()`); empty for `new`. */
  #restored: RestoredNginxVersion[] = [];

  constructor(options: NginxTargetOptions) {
    const { config, planDir } = options;
    this.#options = options;
    this.serviceUrl = `http://${config.listen}`;
    this.#configPath = resolve(planDir, config.config);
    this.#accessLog = resolve(planDir, config.accessLog ?? resolve(options.stateDir, 'nginx-access.log'));
    // nginx opens the log when it loads the file; the default one lives in the state directory, maybe not made yet.
    if (config.accessLog === undefined) mkdirSync(dirname(this.#accessLog), { recursive: true });
    mkdirSync(options.stateDir, { recursive: true });
    this.#commands = { test: config.test, reload: config.reload, cwd: resolve(planDir), timeoutMs: COMMAND_TIMEOUT_MS, generationUrl: generationUrl(config.listen, options.service), ...(options.confirmTimeoutMs === undefined ? {} : { confirmTimeoutMs: options.confirmTimeoutMs }) };
    this.#tail = new AccessLogTail(this.#accessLog, resolve(options.stateDir, 'nginx-access-log.position.json'));
    if (config.start !== undefined) {
      this.#supervisor = new ProcessSupervisor({ stateDir: options.stateDir });
      this.#supervisor.onEvent((event) => this.#onSupervisorEvent(event));
    }
  }

  /**
   * The target of a daemon that starts: the split is read back from the file glidepath owns; versions run locally
   * are adopted from the supervisor's records (those with a share whose processes are gone are started again),
   * versions on servers elsewhere are taken as the file names them. nginx is reloaded only when what it serves moved.
   */
  static async start(options: NginxTargetOptions): Promise<NginxTarget> {
    const target = new NginxTarget(options);
    const { config, service, planDir, stateDir } = options;
    const configText = readConfig(target.#configPath);
    const supervisor = target.#supervisor;
    const restore =
      supervisor && config.start !== undefined
        ? await adoptLocalVersions(supervisor, { service, stateDir, configText, specOf: (version) => versionSpecOf({ ...config, start: config.start as string }, service, version, planDir) })
        : listRemoteVersions(configText);
    target.#restored = restore.versions;
    for (const outcome of restore.versions) {
      if (outcome.how !== 'failed') target.#versions.set(outcome.version, { weight: restore.weights[outcome.version] ?? 0, state: 'ready', servers: outcome.servers });
    }
    if (restore.renderNeeded) {
      try {
        await target.#render(target.#weights());
      } catch (error) {
        // The versions keep running, recorded, for a daemon that can reload nginx.
        await supervisor?.detach();
        throw error;
      }
    }
    return target;
  }

  /** Says how each version that served before came back (adopted, started again) or why not. */
  onNotice(listener: (notice: TargetNotice) => void): void {
    for (const restored of this.#restored) {
      const { version } = restored;
      if (restored.how === 'failed') listener({ level: 'error', fields: { version }, message: `${version} served through nginx before but cannot start again: ${restored.reason}` });
      else if (restored.how !== 'listed') listener({ level: 'info', fields: { version }, message: `${version} serves again through nginx (${restored.how === 'adopted' ? 'its running processes adopted' : 'its processes were gone: started again'})` });
    }
  }

  /** Where nginx writes the service's requests in glidepath's format. */
  get accessLog(): string {
    return this.#accessLog;
  }

  #emit(type: TargetEvent['type'], version: string, reason?: string): void {
    this.#events.emit('event', { type, version, at: new Date().toISOString(), ...(reason === undefined ? {} : { reason }) } satisfies TargetEvent);
  }

  #onSupervisorEvent(event: SupervisorEvent): void {
    if (event.service !== this.#options.service) return;
    const state = this.#versions.get(event.version);
    if (state && state.state !== 'starting' && event.index !== undefined && !this.#leaving) {
      // A restarted instance comes back on a new port: nginx follows.
      if (event.type === 'instance.ready' && event.port !== undefined) state.servers.set(event.index, `127.0.0.1:${event.port}`);
      else if (event.type === 'instance.exited' || event.type === 'instance.stopped') state.servers.delete(event.index);
      if (event.type === 'instance.ready' || event.type === 'instance.exited') void this.#render(this.#weights()).catch(() => undefined);
    }
    if (event.type === 'version.failed' && state) state.state = 'failed';
    const forwarded = ['version.failed', 'instance.restarted', 'instance.exited'] as const;
    const type = forwarded.find((t) => t === event.type);
    if (type) this.#emit(type, event.version, event.reason);
  }

  #weights(): Record<string, number> {
    return Object.fromEntries([...this.#versions].filter(([, s]) => s.weight > 0).map(([version, s]) => [version, s.weight]));
  }

  /** Renders the split over the ready versions, and puts it in force; calls run one after the other. */
  #render(weights: Readonly<Record<string, number>>, leaving?: string): Promise<void> {
    const { config, service } = this.#options;
    const versions = [...this.#versions]
      .filter(([version, s]) => version !== leaving && (s.state === 'ready' || s.state === 'failed'))
      .map(([version, s]) => ({ version, weight: weights[version] ?? 0, servers: [...s.servers.values()] }));
    const text = renderNginxConfig({ service, listen: config.listen, accessLog: this.#accessLog, sticky: config.sticky, clientKeepalive: config.clientKeepalive, versions });
    const generation = renderedGeneration(text) ?? '';
    const next = this.#applying.catch(() => undefined).then(() => applyConfig(this.#configPath, text, generation, this.#commands));
    this.#applying = next;
    return next;
  }

  async startVersion(version: string, options: { signal?: AbortSignal }): Promise<StartOutcome> {
    const existing = this.#versions.get(version);
    if (existing?.state === 'ready') return { status: 'ready', version, url: this.#urlOf(existing) };
    const state: VersionState = { weight: 0, state: 'starting', servers: new Map() };
    this.#versions.set(version, state);
    const failure = await this.#bringUp(version, state, options.signal ?? new AbortController().signal);
    if (failure !== undefined) {
      this.#versions.delete(version);
      return { status: 'failed', version, reason: failure };
    }
    state.state = 'ready';
    this.#emit('version.ready', version);
    return { status: 'ready', version, url: this.#urlOf(state) };
  }

  /** Starts the version's processes, or deploys it and probes its servers; returns why it failed, or undefined. */
  async #bringUp(version: string, state: VersionState, signal: AbortSignal): Promise<string | undefined> {
    const { config, service, planDir } = this.#options;
    if (this.#supervisor && config.start !== undefined) {
      const outcome = await this.#supervisor.startVersion(versionSpecOf({ ...config, start: config.start }, service, version, planDir), { signal });
      if (outcome.status === 'failed') return outcome.reason;
      for (const instance of outcome.instances) state.servers.set(instance.index, `${instance.host}:${instance.port}`);
      return undefined;
    }
    const servers = config.servers ? serversOf(config.servers, version) : undefined;
    if (servers === undefined) return `target.servers names no servers for ${version}`;
    const cwd = resolve(planDir);
    if (config.deploy !== undefined) {
      const failed = await runVersionCommand('deploy', config.deploy, version, cwd, COMMAND_TIMEOUT_MS);
      if (failed !== undefined) return failed;
    }
    const notReady = await waitServersReady(servers, config.ready, signal);
    if (notReady !== undefined) {
      if (config.remove !== undefined) await runVersionCommand('remove', config.remove, version, cwd, COMMAND_TIMEOUT_MS);
      return notReady;
    }
    servers.forEach((server, index) => state.servers.set(index, server));
    return undefined;
  }

  #urlOf(state: VersionState): string {
    const first = [...state.servers.entries()].sort(([a], [b]) => a - b)[0];
    return first ? `http://${first[1]}` : this.serviceUrl;
  }

  async setWeights(weights: Readonly<Record<string, number>>): Promise<void> {
    for (const [version, share] of Object.entries(weights)) {
      const state = this.#versions.get(version);
      if (state?.state !== 'ready') throw new GlidepathError(`cannot route to ${version}: it is not running and ready`);
      if (share > 0 && state.servers.size === 0) throw new GlidepathError(`cannot route to ${version}: none of its servers is ready`);
    }
    await this.#render(weights);
    for (const [version, state] of this.#versions) state.weight = weights[version] ?? 0;
  }

  /** The split in the file glidepath wrote and nginx accepted; `unsupported` when the file is not glidepath's. */
  async currentWeights(): Promise<AppliedWeights> {
    await this.#applying.catch(() => undefined);
    const text = readConfig(this.#configPath);
    return (text === undefined ? undefined : renderedWeights(text)) ?? WEIGHTS_UNSUPPORTED;
  }

  async stopVersion(version: string, options: { drainMs?: number }): Promise<void> {
    const state = this.#versions.get(version);
    if (!state) return;
    const { config, planDir } = this.#options;
    if (state.state === 'ready' || state.state === 'failed') {
      const weights = this.#weights();
      delete weights[version];
      state.state = 'draining';
      state.weight = 0;
      await this.#render(weights, version);
      // nginx's old workers finish the requests they hold; the version serves them until the drain time is up.
      await new Promise((done) => setTimeout(done, options.drainMs ?? config.drain));
    }
    if (this.#supervisor) await this.#supervisor.stopVersion(version);
    else if (config.remove !== undefined) await runVersionCommand('remove', config.remove, version, resolve(planDir), COMMAND_TIMEOUT_MS);
    this.#versions.delete(version);
    this.#cpu.delete(version);
    this.#emit('version.stopped', version);
  }

  versions(): TargetVersion[] {
    return [...this.#versions].map(([version, s]) => ({ version, state: s.state, weight: s.weight, instances: s.servers.size, url: s.servers.size > 0 ? this.#urlOf(s) : undefined }));
  }

  /** Built-in metrics of a version over the last whole seconds of `windowMs`, counted from nginx's access log. */
  async metrics(version: string, windowMs: number): Promise<VersionMetrics | undefined> {
    if (!this.#versions.has(version)) return undefined;
    for (const line of this.#tail.read()) {
      const request = parseLogLine(line);
      if (request) this.#counters.add(request);
    }
    const seconds = Math.max(1, Math.ceil(windowMs / 1000));
    const now = Math.floor(Date.now() / 1000) * 1000;
    const window = this.#counters.window(version, now - seconds * 1000, now);
    const usage = this.#supervisor ? await this.#supervisor.usage(version).catch(() => undefined) : undefined;
    return {
      version,
      windowMs: seconds * 1000,
      requests: window.requests,
      rps: window.requests / seconds,
      errors: window.errors,
      errorRate: window.requests === 0 ? 0 : window.errors / window.requests,
      p50: window.p50,
      p95: window.p95,
      p99: window.p99,
      cpu: usage ? this.#coresSince(version, usage.cpuSeconds) : null,
      memory: usage?.rssBytes ?? null,
      totals: this.#counters.totals(version),
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

  onEvent(listener: (event: TargetEvent) => void): () => void {
    this.#events.on('event', listener);
    return () => this.#events.off('event', listener);
  }

  /**
   * Lets go of the versions, still running and recorded, and of nginx, which keeps serving them: the next daemon's
   * `start()` adopts them (`down --keep-serving`). A change of the file in progress finishes first.
   */
  async detach(): Promise<void> {
    this.#leaving = true;
    await this.#applying.catch(() => undefined);
    await this.#supervisor?.detach();
  }

  /** Stops the processes it started; nginx and the file stay as they are (servers elsewhere keep running). */
  async close(): Promise<void> {
    this.#leaving = true;
    await this.#applying.catch(() => undefined);
    await this.#supervisor?.shutdown();
  }
}
