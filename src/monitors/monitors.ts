/**
 * The daemon's monitors: every check with an `interval` of the plan in force, each beating on the scheduler, its
 * state kept in the store. A new plan starts new monitors, restarts changed ones and stops removed ones.
 */
import { checkEntryRunner, type NamedCheckResult } from '../preflight/plan-checks.js';
import type { CheckVariables } from '../checks/check.js';
import type { Plan } from '../plan/plan-schema.js';
import type { CheckEntry } from '../plan/schema/checks.js';
import type { Clock } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import type { MonitorStateRecord, Store } from '../store/index.js';
import { BeatWriter } from './beat-writer.js';
import { nextMonitorState, type MonitorMemory, type MonitorStatus, type MonitorTiming } from './monitor-state.js';
import type { ScheduleHandle, Scheduler } from '../scheduler/scheduler.js';
import { firstRunOffsetMs } from '../scheduler/spread.js';

/** A state change of a monitor, as the daemon reports it. */
export interface MonitorChange {
  name: string;
  from: MonitorStatus;
  to: MonitorStatus;
  at: string;
  detail: string;
}

/** What the monitors need from the daemon. */
export interface MonitorsDeps {
  service: string;
  plan: Plan;
  cwd: string;
  variables: CheckVariables;
  store: Pick<Store, 'monitors'>;
  scheduler: Scheduler;
  clock: Clock;
  onChange(change: MonitorChange): void;
  onError(name: string, error: unknown): void;
  /**
   * Write beats to the store in batches, one transaction every this many ms (the daemon: {@link BEAT_BATCH_MS});
   * unset or 0, each beat is written as it ends. The state in memory, and so alerts, never wait for it.
   */
  beatBatchMs?: number;
}

/** How often the daemon writes its monitors' beats, in one transaction: 200 monitors at 10 s make 20 beats a second. */
export const BEAT_BATCH_MS = 1_000;

/** One monitor as the plan defines it. */
export interface MonitorDefinition {
  name: string;
  entry: CheckEntry;
  timing: MonitorTiming;
}

/** The plan's checks that have an `interval`, as monitors. */
export function monitorDefinitions(plan: Plan): MonitorDefinition[] {
  return Object.entries(plan.checks).flatMap(([name, entry]) => {
    if (entry.interval === undefined) return [];
    return [{ name, entry, timing: { intervalMs: entry.interval, retryIntervalMs: entry.retryInterval ?? entry.interval, retries: entry.retries } }];
  });
}

/** The scheduler's name of a monitor's beats. */
export function monitorScheduleName(name: string): string {
  return `monitor:${name}`;
}

/** Runs the plan's monitors until stopped. */
export class Monitors {
  readonly #deps: MonitorsDeps;
  readonly #running = new Map<string, { definition: MonitorDefinition; fingerprint: string; handle: ScheduleHandle }>();
  readonly #current = new Map<string, MonitorStateRecord>();
  readonly #writer: BeatWriter;
  /** Each definition's check, built at its first beat and run at every beat after it. */
  readonly #checks = new WeakMap<MonitorDefinition, (signal: AbortSignal) => Promise<NamedCheckResult>>();
  #plan: Plan;
  #definitions: MonitorDefinition[];

  constructor(deps: MonitorsDeps) {
    this.#deps = deps;
    this.#plan = deps.plan;
    this.#definitions = monitorDefinitions(deps.plan);
    this.#writer = new BeatWriter(deps.service, deps.store, deps.beatBatchMs ?? 0, (error) => this.#deps.onError('*', new Error(`record monitor beats: ${describeError(error)}`, { cause: error })));
  }

  /** The definitions of the plan in force. */
  get definitions(): MonitorDefinition[] {
    return this.#definitions;
  }

  /**
   * Loads the persisted states and starts every monitor, their first beats spread over their interval (see
   * {@link firstRunOffsetMs}): all at once, they would stay in step and beat in one burst each interval.
   */
  async start(): Promise<void> {
    const { store, service } = this.#deps;
    for (const saved of await store.monitors.states(service)) this.#current.set(saved.name, saved);
    this.#apply(this.#plan, true);
  }

  /**
   * Makes `plan`'s monitors the ones that run: a new one beats right away, a changed one (its check or timing)
   * starts again with its state kept, a removed one stops; the others go on beating undisturbed.
   */
  apply(plan: Plan): void {
    this.#apply(plan, false);
  }

  #apply(plan: Plan, spread: boolean): void {
    this.#plan = plan;
    this.#definitions = monitorDefinitions(plan);
    const wanted = new Map(this.definitions.map((d) => [d.name, d]));
    for (const [name, running] of this.#running) {
      const next = wanted.get(name);
      if (next && JSON.stringify(next) === running.fingerprint) continue;
      void running.handle.stop();
      this.#running.delete(name);
    }
    const starting = [...wanted.values()].filter((definition) => !this.#running.has(definition.name));
    for (const [index, definition] of starting.entries()) {
      const firstMs = spread ? firstRunOffsetMs(index, starting.length, definition.timing.intervalMs) : 0;
      const handle = this.#deps.scheduler.repeat(monitorScheduleName(definition.name), firstMs, ({ signal }) => this.#beat(definition, signal), {
        onError: (error) => this.#deps.onError(definition.name, error),
      });
      this.#running.set(definition.name, { definition, fingerprint: JSON.stringify(definition), handle });
    }
  }

  /** The current status of a monitor (`unknown` before its first beat). */
  status(name: string): MonitorStatus {
    return (this.#current.get(name)?.status as MonitorStatus | undefined) ?? 'unknown';
  }

  /** Stops every monitor; a beat running now is aborted, and awaited. */
  async stop(): Promise<void> {
    const handles = [...this.#running.values()].map((r) => r.handle);
    this.#running.clear();
    await Promise.all(handles.map((handle) => handle.stop()));
    await this.#writer.close();
  }

  async #beat(definition: MonitorDefinition, signal: AbortSignal): Promise<number> {
    const { name, entry, timing } = definition;
    let check = this.#checks.get(definition);
    if (!check) {
      // One attempt per beat: retries are the monitor's pending beats, not attempts within one.
      check = checkEntryRunner(name, { ...entry, retries: 0 }, { cwd: this.#deps.cwd, variables: this.#deps.variables });
      this.#checks.set(definition, check);
    }
    const result = await check(signal);
    if (signal.aborted) return timing.intervalMs;
    const saved = this.#current.get(name);
    const previous: MonitorMemory = { status: (saved?.status as MonitorStatus | undefined) ?? 'unknown', failures: saved?.failures ?? 0 };
    const step = nextMonitorState(previous, result.status === 'pass', timing);
    const at = this.#deps.clock.now().toISOString();
    const state: MonitorStateRecord = {
      name,
      status: step.memory.status,
      failures: step.memory.failures,
      since: step.changed || !saved ? at : saved.since,
      checkedAt: at,
      detail: result.detail,
      durationMs: result.durationMs,
    };
    this.#current.set(name, state);
    try {
      await this.#writer.write({ state, change: step.changed ? { from: previous.status } : undefined, up: result.status === 'pass' });
    } catch (error) {
      this.#deps.onError(name, new Error(`record monitor ${name}: ${describeError(error)}`, { cause: error }));
    }
    if (step.changed) this.#deps.onChange({ name, from: previous.status, to: step.memory.status, at, detail: result.detail });
    return step.nextInMs;
  }
}
