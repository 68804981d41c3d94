/** One instance of a version across its restarts: its port, its log, its current process and that process's pipes. */
import { join } from 'node:path';
import { adoptProcess, launchProcess, LaunchError } from './instance-process.js';
import type { InstanceProcess } from './instance-process.js';
import { launchSpec } from './launch-spec.js';
import { createPipes, formatLogLine, openPipeWriters, PipeReader, removePipes } from './log-pipe.js';
import { allocatePort } from './ports.js';
import { RestartWindow } from './restart-window.js';
import { RotatingLog } from './rotating-log.js';
import type { LogRotation } from './rotating-log.js';
import type { ProcessRecord, VersionSpec } from './types.js';

/** Longest wait for an instance's last output after its group is gone. */
const OUTPUT_SETTLE_MS = 2_000;

/** Where a version keeps its files. */
export interface VersionPaths {
  /** `<stateDir>/logs/<version>`: `<index>.log` and its rotations. */
  logs: string;
  /** `<stateDir>/run/<version>`: the named pipes of running instances. */
  pipes: string;
}

/** Lifecycle of an instance: `starting` until ready, `waiting` between an exit and the restart. */
export type SlotState = 'starting' | 'ready' | 'waiting' | 'stopped';

/** One instance slot of a version; the version runner drives it. */
export class InstanceSlot {
  readonly index: number;
  readonly log: RotatingLog;
  readonly restarts: RestartWindow;
  state: SlotState = 'starting';
  port: number | undefined;
  process: InstanceProcess | undefined;
  #reader: PipeReader | undefined;
  readonly #spec: VersionSpec;
  readonly #paths: VersionPaths;
  readonly #takenPorts: Set<number>;

  constructor(spec: VersionSpec, index: number, paths: VersionPaths, rotation: LogRotation, takenPorts: Set<number>) {
    this.#spec = spec;
    this.index = index;
    this.#paths = paths;
    this.#takenPorts = takenPorts;
    this.log = new RotatingLog(join(paths.logs, `${index}.log`), rotation);
    this.restarts = new RestartWindow(spec.restart);
  }

  /** Notes a supervisor event in the instance's log. */
  note(text: string): void {
    this.log.writeLine(formatLogLine('sys', text));
  }

  /** Starts a new process on the previous port when free (else a new one); throws LaunchError when it cannot run. */
  async launch(): Promise<InstanceProcess> {
    const previous = this.port;
    const port = await allocatePort(this.#takenPorts, previous);
    if (previous !== undefined && previous !== port) this.#takenPorts.delete(previous);
    this.#takenPorts.add(port);
    this.port = port;
    let launch: ReturnType<typeof launchSpec>;
    try {
      launch = launchSpec(this.#spec, port);
    } catch (error) {
      throw new LaunchError((error as Error).message);
    }
    const pipes = await createPipes(this.#paths.pipes, String(this.index));
    const writers = openPipeWriters(pipes);
    const reader = new PipeReader(pipes, this.log);
    try {
      this.process = await launchProcess({ ...launch, pipes, stdio: writers });
    } catch (error) {
      reader.close();
      await removePipes(pipes);
      this.note(`cannot start: ${(error as Error).message}`);
      throw error;
    } finally {
      writers.close();
    }
    this.#reader = reader;
    // the program only: its arguments may carry values the plan took from the environment (secrets)
    this.note(`started pid ${this.process.pid} on port ${port}: ${launch.argv[0] ?? ''}`);
    return this.process;
  }

  /** Watches a process a previous daemon started and keeps reading its pipes. */
  adopt(record: ProcessRecord, pollMs: number): InstanceProcess {
    this.port = record.port;
    this.#takenPorts.add(record.port);
    this.process = adoptProcess({ pid: record.pid, startTicks: record.startTicks, startedAt: record.startedAt, argv: record.command, pipes: record.pipes }, pollMs);
    try {
      this.#reader = new PipeReader(record.pipes, this.log);
    } catch {
      // The pipes are gone (removed by hand): the process runs on, its output is lost.
    }
    this.note(`adopted pid ${record.pid} on port ${record.port}`);
    return this.process;
  }

  /** The record of the current process for processes.json, if one runs. */
  record(): ProcessRecord | undefined {
    const proc = this.process;
    if (!proc || this.port === undefined) return undefined;
    const { service, version } = this.#spec;
    return { service, version, index: this.index, pid: proc.pid, pgid: proc.pid, port: this.port, startedAt: proc.startedAt, startTicks: proc.startTicks, command: proc.argv.slice(0, 1), pipes: proc.pipes };
  }

  /** Stops the current process's group, collects its last output and removes its pipes. */
  async stopProcess(graceMs: number): Promise<void> {
    const proc = this.process;
    if (!proc) return;
    await proc.stop(graceMs);
    const reader = this.#reader;
    if (reader) {
      await Promise.race([reader.ended, new Promise((resolve) => setTimeout(resolve, OUTPUT_SETTLE_MS))]);
      reader.close();
    }
    await removePipes(proc.pipes);
    this.#reader = undefined;
    this.process = undefined;
  }

  /** Frees the port and closes the log once the slot is done for good. */
  async close(): Promise<void> {
    this.state = 'stopped';
    if (this.port !== undefined) this.#takenPorts.delete(this.port);
    await this.log.close();
  }

  /** Lets go of the process without stopping it (the next daemon adopts it) and closes the log. */
  async release(): Promise<void> {
    this.process?.release();
    this.#reader?.close();
    this.#reader = undefined;
    this.process = undefined;
    await this.close();
  }
}
