/** The release runner's mailbox: steering commands from people and outcomes from analysis, taken one at a time. */
import type { MetricOutcome } from '../analysis/measurement.js';
import type { Clock } from '../shared/clock.js';

/** Something that may change the course of a release while it runs. */
export type SteeringCommand =
  /** `reason` is set when analysis promotes early (equivalence with stable shown), not a person. */
  | { kind: 'promote'; by: string; reason?: string }
  | { kind: 'pause'; by: string }
  | { kind: 'resume'; by: string }
  | { kind: 'abort'; by: string }
  | { kind: 'outcome'; outcome: MetricOutcome }
  /** The target gave up on the new version (it kept crashing past its restart policy). */
  | { kind: 'crashed'; reason: string }
  | { kind: 'round'; run: object; round: number };

/** A queue the runner waits on, with an optional deadline on the clock, cancelled by the engine's shutdown signal. */
export class Mailbox {
  readonly #queue: SteeringCommand[] = [];
  #wake: (() => void) | undefined;

  /** Adds a command and wakes the runner if it waits. */
  post(command: SteeringCommand): void {
    this.#queue.push(command);
    this.#wake?.();
  }

  /** Removes and returns the oldest queued command of a kind, leaving the others queued. */
  takeKind(kind: SteeringCommand['kind']): SteeringCommand | undefined {
    const index = this.#queue.findIndex((command) => command.kind === kind);
    return index < 0 ? undefined : this.#queue.splice(index, 1)[0];
  }

  /** The oldest queued command, without waiting. */
  take(): SteeringCommand | undefined {
    return this.#queue.shift();
  }

  /**
   * The next command, or `elapsed` once `ms` passed on the clock (never without `ms`); rejects with the signal's
   * reason when it aborts. Leaves no sleep behind either way.
   */
  async next(clock: Clock, ms: number | undefined, signal: AbortSignal): Promise<SteeringCommand | 'elapsed'> {
    const queued = this.#queue.shift();
    if (queued) return queued;
    if (signal.aborted) throw signal.reason;
    if (ms !== undefined && ms <= 0) return 'elapsed';
    const timer = new AbortController();
    let onAbort: (() => void) | undefined;
    try {
      const waiters: Promise<'posted' | 'elapsed' | 'stopped'>[] = [
        new Promise((resolve) => (this.#wake = () => resolve('posted'))),
        new Promise((resolve) => {
          onAbort = () => resolve('stopped');
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      ];
      if (ms !== undefined) waiters.push(clock.sleep(ms, timer.signal).then(() => 'elapsed' as const, () => 'stopped' as const));
      const woke = await Promise.race(waiters);
      if (signal.aborted) throw signal.reason;
      if (woke === 'posted') return this.#queue.shift() ?? 'elapsed';
      return 'elapsed';
    } finally {
      this.#wake = undefined;
      timer.abort();
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }
}
