/**
 * The daemon's scheduler: named schedules on croner's cron reading or plain intervals, an overlap guard, and the
 * lateness of every run measured. Time comes from an injectable clock, so tests run it on a fake one.
 */
import type { Clock } from '../shared/clock.js';
import { nextFire, type ScheduleSpec } from './schedule-spec.js';

/** What a scheduled function is given: the time it was due and a signal that aborts when it is stopped. */
export interface RunContext {
  scheduledAt: Date;
  /** How late the run started, in ms (the clock's now minus `scheduledAt`). */
  latenessMs: number;
  signal: AbortSignal;
}

/** Options of one schedule. */
export interface ScheduleOptions {
  /** Start a run while the previous one still runs (default false: the due run is skipped). */
  overlap?: boolean;
  /** Called for a due run skipped because the previous one still runs. */
  onSkip?: (scheduledAt: Date) => void;
  /** Called when a run throws (a run should report failures as values; this is the last resort). */
  onError?: (error: unknown) => void;
}

/** A running schedule. */
export interface ScheduleHandle {
  readonly name: string;
  readonly spec: ScheduleSpec;
  /** When it fires next, or undefined once stopped (or when the pattern has no future time). */
  nextRun(): Date | undefined;
  /** Whether a run is in progress. */
  running(): boolean;
  /** Lateness of recent runs in ms, oldest first (at most {@link LATENESS_SAMPLES}). */
  lateness(): readonly number[];
  /** Stops firing and aborts runs in progress; resolves once they have ended. */
  stop(): Promise<void>;
}

/** How many lateness samples a schedule keeps. */
export const LATENESS_SAMPLES = 256;

/** Options of a scheduler. */
export interface SchedulerOptions {
  /** Told the lateness of every run of every schedule as it starts (the daemon exports it on /metrics). */
  onLateness?: (latenessMs: number, name: string) => void;
  /**
   * Moves the due time of every `repeat` run to the nearest multiple of this many ms of the clock (default 0:
   * exact), so runs due close together share one wake-up: 200 monitors at 10 s wake the process twice a second
   * instead of 20 times at 500 ms, and a wake-up costs more than the work of one check. A run then starts at most
   * half of it before or after its delay, and a repeating schedule keeps its cadence on average.
   */
  coalesceMs?: number;
}

/** Fires named schedules on a clock. */
export class Scheduler {
  readonly #clock: Clock;
  readonly #handles = new Map<string, ScheduleHandle>();
  readonly #onLateness: (latenessMs: number, name: string) => void;
  readonly #coalesceMs: number;

  constructor(clock: Clock, options: SchedulerOptions = {}) {
    this.#clock = clock;
    this.#onLateness = options.onLateness ?? (() => undefined);
    this.#coalesceMs = Math.max(0, options.coalesceMs ?? 0);
  }

  // `delayMs` from now, moved to the nearest point of the coalescing grid (never before now): runs keep their
  // cadence on average, each at most half the grid early or late.
  #dueIn(delayMs: number): Date {
    const now = this.#clock.now().getTime();
    const due = now + Math.max(0, delayMs);
    const grid = this.#coalesceMs;
    return new Date(grid > 0 ? Math.max(now, Math.round(due / grid) * grid) : due);
  }

  /** The schedules in force, by name. */
  get handles(): ReadonlyMap<string, ScheduleHandle> {
    return this.#handles;
  }

  /** Starts firing `run` on `spec`; a schedule already under `name` is stopped first (without waiting). */
  schedule(name: string, spec: ScheduleSpec, run: (context: RunContext) => Promise<void>, options: ScheduleOptions = {}): ScheduleHandle {
    void this.#handles.get(name)?.stop();
    const clock = this.#clock;
    const stopper = new AbortController();
    const inFlight = new Set<Promise<void>>();
    const samples: number[] = [];
    const anchor = clock.now();
    let next = nextFire(spec, anchor, anchor);
    const fire = (scheduledAt: Date) => {
      const latenessMs = Math.max(0, clock.now().getTime() - scheduledAt.getTime());
      samples.push(latenessMs);
      if (samples.length > LATENESS_SAMPLES) samples.shift();
      this.#onLateness(latenessMs, name);
      if (inFlight.size > 0 && !options.overlap) {
        options.onSkip?.(scheduledAt);
        return;
      }
      const running = run({ scheduledAt, latenessMs, signal: stopper.signal })
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
    };
    const loop = async () => {
      while (next !== undefined && !stopper.signal.aborted) {
        const wait = next.getTime() - clock.now().getTime();
        try {
          if (wait > 0) await clock.sleep(wait, stopper.signal);
        } catch {
          return;
        }
        const due = next;
        // The next time counts from the due time, not from now: a late wake-up neither skips nor repeats a slot.
        next = nextFire(spec, new Date(Math.max(due.getTime(), clock.now().getTime() - 1)), anchor);
        fire(due);
      }
    };
    const looping = loop();
    const handle: ScheduleHandle = {
      name,
      spec,
      nextRun: () => (stopper.signal.aborted ? undefined : next),
      running: () => inFlight.size > 0,
      lateness: () => samples,
      stop: async () => {
        if (this.#handles.get(name) === handle) this.#handles.delete(name);
        stopper.abort(new Error(`schedule ${name} stopped`));
        await looping;
        await Promise.all([...inFlight]);
      },
    };
    this.#handles.set(name, handle);
    return handle;
  }

  /**
   * Runs `run` after `firstMs`, then again each time after the delay the previous run returned, counted from its
   * end: one run at a time, a slow run delays the next and never overlaps it (how a monitor beats: its next beat
   * depends on what the last one saw). Lateness is measured as for `schedule`; a run that throws is reported to
   * `onError` and the next one is due after the last delay a run returned (at least a second, so an error never
   * spins). A schedule already under `name` is stopped first.
   */
  repeat(name: string, firstMs: number, run: (context: RunContext) => Promise<number>, options: Pick<ScheduleOptions, 'onError'> = {}): ScheduleHandle {
    void this.#handles.get(name)?.stop();
    const clock = this.#clock;
    const stopper = new AbortController();
    const samples: number[] = [];
    let next: Date | undefined = this.#dueIn(firstMs);
    let busy = false;
    let lastDelay = 0;
    const loop = async () => {
      while (next !== undefined && !stopper.signal.aborted) {
        const wait = next.getTime() - clock.now().getTime();
        try {
          // Always through the clock, even when due now: a run never starts inside the call that scheduled it.
          await clock.sleep(Math.max(0, wait), stopper.signal);
        } catch {
          return;
        }
        const scheduledAt = next;
        const latenessMs = Math.max(0, clock.now().getTime() - scheduledAt.getTime());
        samples.push(latenessMs);
        if (samples.length > LATENESS_SAMPLES) samples.shift();
        this.#onLateness(latenessMs, name);
        busy = true;
        let delay: number;
        try {
          delay = lastDelay = await run({ scheduledAt, latenessMs, signal: stopper.signal });
        } catch (error) {
          options.onError?.(error);
          delay = Math.max(lastDelay, 1000);
        } finally {
          busy = false;
        }
        next = this.#dueIn(delay);
      }
    };
    const looping = loop();
    const handle: ScheduleHandle = {
      name,
      spec: { everyMs: firstMs },
      nextRun: () => (stopper.signal.aborted || busy ? undefined : next),
      running: () => busy,
      lateness: () => samples,
      stop: async () => {
        if (this.#handles.get(name) === handle) this.#handles.delete(name);
        stopper.abort(new Error(`schedule ${name} stopped`));
        await looping;
      },
    };
    this.#handles.set(name, handle);
    return handle;
  }

  /** Stops every schedule and waits for their runs to end. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#handles.values()].map((handle) => handle.stop()));
  }
}
