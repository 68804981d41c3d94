/** The process target's supervisor: runs versions as local process groups, restarts, stops, logs, adopts. */
import { join } from 'node:path';
import { stopRecordedGroup } from './instance-process.js';
import { assertVersionName } from './launch-spec.js';
import { removePipes } from './log-pipe.js';
import { readLogs } from './log-reader.js';
import type { LogLine, ReadLogsOptions } from './log-reader.js';
import { groupsUsage, isSameProcess } from './proc-fs.js';
import type { ResourceUsage } from './proc-fs.js';
import { ProcessesFileWriter, readProcessesFile } from './processes-file.js';
import type { ProcessesSnapshot } from './processes-file.js';
import { DEFAULT_LOG_ROTATION } from './rotating-log.js';
import type { LogRotation } from './rotating-log.js';
import type { InstanceAddress, ProcessRecord, SupervisorEvent, SupervisorListener, VersionOutcome, VersionSpec } from './types.js';
import { VersionRunner } from './version-runner.js';
import type { VersionState } from './version-runner.js';

/** Time a process group gets between SIGTERM and SIGKILL unless told otherwise. */
export const DEFAULT_KILL_GRACE_MS = 10_000;

/** How often an adopted process (no longer our child) is checked for life. */
export const DEFAULT_ADOPTED_POLL_MS = 500;

/** Where the supervisor keeps its files and how it stops processes. */
export interface ProcessSupervisorOptions {
  /** `.glidepath/` of the project: `processes.json`, `logs/<version>/<index>.log`, `run/<version>/` (pipes). */
  stateDir: string;
  killGraceMs?: number;
  logRotation?: LogRotation;
  adoptedPollMs?: number;
  onEvent?: SupervisorListener;
}

/** What `adopt()` found in processes.json. */
export interface AdoptResult {
  /** Versions taken over, each once ready again (or failed and stopped). */
  versions: VersionOutcome[];
  /** Alive, ours, but not wanted: left running until `stopOrphans()`. */
  orphans: ProcessRecord[];
  /** Dead, or their pid now names another process: forgotten. */
  dropped: ProcessRecord[];
}

/** Runs each version of a service as `instances` process groups on loopback ports, under the restart policy. */
export class ProcessSupervisor {
  readonly #options: Required<Omit<ProcessSupervisorOptions, 'onEvent'>>;
  readonly #listeners = new Set<SupervisorListener>();
  readonly #runners = new Map<string, VersionRunner>();
  readonly #takenPorts = new Set<number>();
  readonly #file: ProcessesFileWriter;
  #orphans: ProcessesSnapshot['versions'] = [];
  #closed = false;
  #detached = false;

  constructor(options: ProcessSupervisorOptions) {
    this.#options = {
      stateDir: options.stateDir,
      killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
      logRotation: options.logRotation ?? DEFAULT_LOG_ROTATION,
      adoptedPollMs: options.adoptedPollMs ?? DEFAULT_ADOPTED_POLL_MS,
    };
    if (options.onEvent) this.#listeners.add(options.onEvent);
    this.#file = new ProcessesFileWriter(join(options.stateDir, 'processes.json'), () => this.#snapshot());
  }

  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(listener: SupervisorListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts a version and resolves once every instance is ready, or with the failure (its processes stopped). */
  async startVersion(spec: VersionSpec, options: { signal?: AbortSignal } = {}): Promise<VersionOutcome> {
    if (this.#closed) throw new Error('the process supervisor is shut down');
    assertVersionName(spec.version);
    if (!Number.isInteger(spec.instances) || spec.instances < 1) throw new Error(`instances must be a positive integer, got ${spec.instances}`);
    if (this.#runners.has(spec.version)) throw new Error(`version ${spec.version} of ${spec.service} is already running`);
    const runner = this.#runner(spec);
    const abort = () => void runner.stop(this.#options.killGraceMs);
    options.signal?.addEventListener('abort', abort, { once: true });
    if (options.signal?.aborted) abort();
    try {
      return await runner.run();
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
  }

  /** The ready instances of a version (empty when it does not run). */
  instances(version: string): InstanceAddress[] {
    return this.#runners.get(version)?.addresses() ?? [];
  }

  /** Versions that run now, with their state and ready instances. */
  versions(): Array<{ version: string; state: VersionState; instances: InstanceAddress[] }> {
    return [...this.#runners.values()].map((runner) => ({ version: runner.spec.version, state: runner.state, instances: runner.addresses() }));
  }

  /** Stops a version: after `drainMs` (default 0) SIGTERM to each group, SIGKILL after `graceMs`; resolves when all are gone. */
  async stopVersion(version: string, options: { graceMs?: number; drainMs?: number } = {}): Promise<void> {
    await this.#runners.get(version)?.stop(options.graceMs ?? this.#options.killGraceMs, options.drainMs ?? 0);
    await this.#file.save();
  }

  /** Stops every version and every recorded orphan. */
  async stopAll(options: { graceMs?: number } = {}): Promise<void> {
    await Promise.all([...this.#runners.keys()].map((version) => this.stopVersion(version, options)));
    await this.stopOrphans(options);
  }

  /** Stops everything for good, as the daemon exits; later starts are refused. */
  async shutdown(options: { graceMs?: number } = {}): Promise<void> {
    this.#closed = true;
    await this.stopAll(options);
    await this.#file.save();
  }

  /** Stops supervising but leaves processes running and recorded for the next daemon's `adopt()`. */
  async detach(): Promise<void> {
    await this.#file.save();
    this.#closed = true;
    this.#detached = true;
    await Promise.all([...this.#runners.values()].map((runner) => runner.detach()));
    this.#runners.clear();
  }

  /**
   * Reads processes.json after a daemon restart: processes still alive and still the same process (start time
   * matches) are adopted when `want` says so (default: all) and must pass readiness again; the rest are orphans
   * or dropped.
   */
  async adopt(options: { want?: (record: ProcessRecord) => boolean } = {}): Promise<AdoptResult> {
    if (this.#closed || this.#runners.size > 0) throw new Error('adopt() must come first, on a fresh supervisor');
    const snapshot = await readProcessesFile(join(this.#options.stateDir, 'processes.json'));
    const result: AdoptResult = { versions: [], orphans: [], dropped: [] };
    const starts: Array<Promise<VersionOutcome>> = [];
    for (const { spec, processes } of snapshot.versions) {
      const adopted = new Map<number, ProcessRecord>();
      const orphans: ProcessRecord[] = [];
      for (const record of processes) {
        if (!(await isSameProcess(record.pid, record.startTicks))) {
          result.dropped.push(record);
          await removePipes(record.pipes);
        } else if (options.want?.(record) ?? true) adopted.set(record.index, record);
        else orphans.push(record);
      }
      // The same version twice (a hand-edited file, say): the first entry runs, the rest are orphans.
      if (adopted.size > 0 && this.#runners.has(spec.version)) orphans.push(...adopted.values());
      else if (adopted.size > 0) starts.push(this.#runner(spec).run(adopted));
      if (orphans.length > 0) this.#orphans.push({ spec, processes: orphans });
      result.orphans.push(...orphans);
    }
    await this.#file.save();
    result.versions = await Promise.all(starts);
    return result;
  }

  /** Stops recorded processes that are alive but were not adopted; returns how many it stopped. */
  async stopOrphans(options: { graceMs?: number } = {}): Promise<number> {
    const orphans = this.#orphans.flatMap((entry) => entry.processes);
    await Promise.all(
      orphans.map(async (record) => {
        await stopRecordedGroup(record.pid, record.startTicks, options.graceMs ?? this.#options.killGraceMs);
        await removePipes(record.pipes);
      }),
    );
    this.#orphans = [];
    await this.#file.save();
    return orphans.length;
  }

  /** CPU seconds and resident memory of a version, summed over each instance's whole process group. */
  usage(version: string): Promise<ResourceUsage> {
    return groupsUsage(this.#runners.get(version)?.pgids() ?? []);
  }

  /** A version's log lines (running or not): the last `lines`, then with `follow` new ones until `signal` aborts. */
  readLogs(version: string, options: ReadLogsOptions = {}): AsyncGenerator<LogLine> {
    assertVersionName(version);
    return readLogs(join(this.#options.stateDir, 'logs', version), options);
  }

  #runner(spec: VersionSpec): VersionRunner {
    const { stateDir, killGraceMs, logRotation, adoptedPollMs } = this.#options;
    const runner: VersionRunner = new VersionRunner(spec, {
      paths: { logs: join(stateDir, 'logs', spec.version), pipes: join(stateDir, 'run', spec.version) },
      rotation: logRotation,
      pollMs: adoptedPollMs,
      killGraceMs,
      takenPorts: this.#takenPorts,
      emit: (event) => this.#emit(runner, event),
      changed: () => this.#persist(),
    });
    this.#runners.set(spec.version, runner);
    return runner;
  }

  #emit(runner: VersionRunner, event: Omit<SupervisorEvent, 'service' | 'version' | 'at'>): void {
    if (event.type === 'version.stopped' && this.#runners.get(runner.spec.version) === runner) {
      this.#runners.delete(runner.spec.version);
      this.#persist();
    }
    const full: SupervisorEvent = { ...event, service: runner.spec.service, version: runner.spec.version, at: new Date().toISOString() };
    for (const listener of this.#listeners) {
      try {
        listener(full);
      } catch {
        // A listener's failure must not stop supervision.
      }
    }
  }

  #persist(): void {
    // After detach() the file must keep describing the processes left running, for the next daemon.
    if (!this.#detached) void this.#file.save();
  }

  #snapshot(): ProcessesSnapshot {
    const running = [...this.#runners.values()].map((runner) => ({ spec: runner.spec, processes: runner.records() }));
    return { format: 1, versions: [...running.filter((entry) => entry.processes.length > 0), ...this.#orphans] };
  }
}
