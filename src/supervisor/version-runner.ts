/** Runs one version: its instances, readiness, the restart policy, failure, stop and hand-over to the next daemon. */
import { sleepLong } from '../shared/long-timer.js';
import { InstanceSlot } from './instance-slot.js';
import type { VersionPaths } from './instance-slot.js';
import type { InstanceProcess } from './instance-process.js';
import { readLogs } from './log-reader.js';
import { sleep, waitReady } from './readiness.js';
import type { LogRotation } from './rotating-log.js';
import { INSTANCE_HOST } from './types.js';
import type { InstanceAddress, ProcessRecord, SupervisorEvent, VersionOutcome, VersionSpec } from './types.js';

/** What a runner needs from its supervisor. */
export interface RunnerContext {
  paths: VersionPaths;
  rotation: LogRotation;
  pollMs: number;
  /** Time between SIGTERM and SIGKILL when the runner itself stops a process (failure, unready, leftovers). */
  killGraceMs: number;
  /** Ports handed to any instance of any version of this supervisor. */
  takenPorts: Set<number>;
  emit(event: Omit<SupervisorEvent, 'service' | 'version' | 'at'>): void;
  /** The set of running processes changed (persist it). */
  changed(): void;
}

/** Where a version is in its life. */
export type VersionState = 'starting' | 'ready' | 'failed' | 'stopping' | 'stopped';

/** One version's instances under the restart policy; settles `outcome` once all are ready or the version failed. */
export class VersionRunner {
  readonly spec: VersionSpec;
  readonly outcome: Promise<VersionOutcome>;
  #state: VersionState = 'starting';
  readonly #context: RunnerContext;
  readonly #slots: InstanceSlot[];
  readonly #abort = new AbortController();
  #loops: Promise<void>[] = [];
  #settle!: (outcome: VersionOutcome) => void;
  #teardown: Promise<void> | undefined;

  constructor(spec: VersionSpec, context: RunnerContext) {
    this.spec = spec;
    this.#context = context;
    this.#slots = Array.from({ length: spec.instances }, (_, index) => new InstanceSlot(spec, index, context.paths, context.rotation, context.takenPorts));
    this.outcome = new Promise((resolve) => (this.#settle = resolve));
  }

  /** The version's state. */
  get state(): VersionState {
    return this.#state;
  }

  /** Starts every instance (adopting those `adopted` has a record for) and resolves with the version's outcome. */
  async run(adopted: ReadonlyMap<number, ProcessRecord> = new Map()): Promise<VersionOutcome> {
    this.#loops = this.#slots.map((slot) => this.#runSlot(slot, adopted.get(slot.index)));
    const outcome = await this.outcome;
    // A failed start resolves only once what it started is gone.
    if (outcome.status === 'failed') await this.#teardown;
    return outcome;
  }

  /** Ready instances and where they answer. */
  addresses(): InstanceAddress[] {
    return this.#slots.flatMap((slot) =>
      slot.state === 'ready' && slot.process && slot.port !== undefined ? [{ index: slot.index, pid: slot.process.pid, port: slot.port, host: INSTANCE_HOST }] : [],
    );
  }

  /** Records of the running processes. */
  records(): ProcessRecord[] {
    return this.#slots.flatMap((slot) => slot.record() ?? []);
  }

  /** Process group ids of the running processes. */
  pgids(): number[] {
    return this.#slots.flatMap((slot) => (slot.process ? [slot.process.pid] : []));
  }

  /** Stops every instance (after `drainMs`, SIGTERM, then SIGKILL after `graceMs`); resolves when all are gone. */
  stop(graceMs: number, drainMs = 0): Promise<void> {
    if (this.#teardown) return this.#teardown;
    this.#state = 'stopping';
    this.#settle({ status: 'failed', version: this.spec.version, reason: 'stopped before it was ready' });
    this.#abort.abort();
    this.#teardown = (async () => {
      if (drainMs > 0) await sleepLong(drainMs);
      await this.#stopEverything(graceMs);
      this.#state = 'stopped';
    })();
    return this.#teardown;
  }

  /** Stops supervising but leaves the processes running and recorded, as a daemon that dies would. */
  async detach(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#loops);
    await Promise.all(this.#slots.map((slot) => slot.release()));
    this.#state = 'stopped';
  }

  #fail(reason: string, graceMs: number): void {
    if (this.#teardown) return;
    this.#state = 'failed';
    this.#context.emit({ type: 'version.failed', reason });
    this.#settle({ status: 'failed', version: this.spec.version, reason });
    this.#abort.abort();
    this.#teardown = this.#stopEverything(graceMs);
  }

  async #stopEverything(graceMs: number): Promise<void> {
    // Every loop returns promptly once aborted; after that the slots and their processes are ours alone.
    await Promise.all(this.#loops);
    await Promise.all(
      this.#slots.map(async (slot) => {
        const pid = slot.process?.pid;
        if (pid !== undefined) {
          await slot.stopProcess(graceMs);
          slot.note(`stopped pid ${pid}`);
          this.#context.emit({ type: 'instance.stopped', index: slot.index, pid });
        }
        await slot.close();
      }),
    );
    this.#context.changed();
    this.#context.emit({ type: 'version.stopped' });
  }

  async #runSlot(slot: InstanceSlot, record: ProcessRecord | undefined): Promise<void> {
    const { ready, restart } = this.spec;
    const signal = this.#abort.signal;
    const grace = this.#context.killGraceMs;
    let proc: InstanceProcess | undefined;
    let attempt = 0;
    let adopted = record !== undefined;
    let lastExit = 'exited';
    if (record) {
      proc = slot.adopt(record, this.#context.pollMs);
      this.#context.emit({ type: 'instance.adopted', index: slot.index, pid: proc.pid, port: record.port });
    }
    while (!signal.aborted) {
      if (!proc) {
        try {
          proc = await slot.launch();
        } catch (error) {
          return this.#fail(`instance ${slot.index} cannot start: ${(error as Error).message}`, grace);
        }
        if (signal.aborted) return;
        const type = attempt === 0 ? 'instance.started' : 'instance.restarted';
        this.#context.emit({ type, index: slot.index, pid: proc.pid, port: slot.port, ...(attempt > 0 && { attempt }) });
      }
      slot.state = 'starting';
      this.#context.changed();
      const current = proc;
      const exited = new AbortController();
      void current.exited.then(() => exited.abort());
      const probed = await waitReady({
        port: slot.port as number,
        path: ready.path,
        timeoutMs: ready.timeoutMs,
        intervalMs: ready.intervalMs,
        probeTimeoutMs: ready.probeTimeoutMs,
        signal: AbortSignal.any([signal, exited.signal]),
      });
      const readiness = probed.result;
      if (signal.aborted) return;
      if (readiness === 'ready') {
        slot.state = 'ready';
        slot.note('ready');
        this.#context.emit({ type: 'instance.ready', index: slot.index, pid: current.pid, port: slot.port, host: INSTANCE_HOST });
        this.#maybeReady();
        await untilAborted(current.exited, signal);
        if (signal.aborted) return;
      }
      slot.state = 'waiting';
      if (readiness === 'timeout') {
        const reason = `not ready within ${ready.timeoutMs}ms${probed.lastSeen === undefined ? '' : ` (last probe: ${probed.lastSeen})`}`;
        // A version's first start has no second chance: the version that never gets ready fails.
        if (this.#state === 'starting' && attempt === 0 && !adopted) return this.#fail(`instance ${slot.index} ${reason}`, grace);
        slot.note(reason);
        this.#context.emit({ type: 'instance.unready', index: slot.index, pid: current.pid, port: slot.port, reason });
      } else {
        const exit = await current.exited;
        // An adopted process is not our child, so its exit status is unknown.
        lastExit = exit.signal ? `exited on signal ${exit.signal}` : exit.code === null ? 'exited' : `exited with code ${exit.code}`;
        slot.note(lastExit);
        this.#context.emit({ type: 'instance.exited', index: slot.index, pid: current.pid, code: exit.code, signal: exit.signal });
      }
      await slot.stopProcess(grace);
      this.#context.changed();
      if (signal.aborted) return;
      const taken = slot.restarts.take();
      if (taken === undefined) {
        const again = `again after ${restart.maxAttempts} restarts within ${restart.windowMs}ms`;
        if (readiness === 'timeout') return this.#fail(`instance ${slot.index} was not ready ${again} (last probe: ${probed.lastSeen ?? 'none'})`, grace);
        return this.#fail(`instance ${slot.index} ${lastExit} ${again}${await this.#stderrTail(slot)}`, grace);
      }
      await sleep(restart.delayMs, signal);
      attempt = taken;
      adopted = false;
      proc = undefined;
    }
  }

  /** The last lines an instance wrote to stderr, and where to read more, for a failure's reason. */
  async #stderrTail(slot: InstanceSlot): Promise<string> {
    const more = `; see more with \`glidepath logs ${this.spec.version}\``;
    try {
      await slot.log.drained();
      const lines: string[] = [];
      for await (const line of readLogs(this.#context.paths.logs, { lines: STDERR_SCAN_LINES, index: slot.index })) {
        // Only what the last process wrote: the log spans every restart.
        if (line.stream === 'sys' && line.text.startsWith('started pid ')) lines.length = 0;
        if (line.stream === 'err') lines.push(clip(line.text));
      }
      const last = lines.slice(-STDERR_TAIL_LINES);
      if (last.length === 0) return `; it wrote nothing to stderr${more}`;
      return `; the last lines of its stderr:\n${last.map((text) => `  ${text}`).join('\n')}\n${more.slice(2)}`;
    } catch {
      return more;
    }
  }

  #maybeReady(): void {
    if (this.#state !== 'starting' || !this.#slots.every((slot) => slot.state === 'ready')) return;
    this.#state = 'ready';
    this.#context.emit({ type: 'version.ready' });
    this.#settle({ status: 'ready', version: this.spec.version, instances: this.addresses() });
  }
}

/** Stderr lines a failure's reason quotes, and how many log lines are searched for them. */
const STDERR_TAIL_LINES = 5;
const STDERR_SCAN_LINES = 200;
const MAX_QUOTED_LINE = 300;

function clip(text: string): string {
  return text.length > MAX_QUOTED_LINE ? `${text.slice(0, MAX_QUOTED_LINE)}…` : text;
}

/** Waits for `promise` or for `signal` to abort, whichever comes first, without leaving a listener behind. */
async function untilAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => signal.addEventListener('abort', (onAbort = () => resolve()), { once: true }))]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
