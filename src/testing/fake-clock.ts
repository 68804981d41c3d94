/** A Clock for tests: time stands still until the test advances it, and sleeps resolve in due order. */
import type { Clock } from '../shared/clock.js';

interface Sleeper {
  due: number;
  seq: number;
  resolve: () => void;
  cleanup: () => void;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A manual clock: `advance(ms)` fires due sleeps in order, letting the code under test run between them. */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #activity = 0;
  readonly #sleepers = new Set<Sleeper>();

  constructor(start: string | Date = '2025-01-01T00:00:00.000Z') {
    this.#now = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = () => {
        this.#sleepers.delete(sleeper);
        this.#activity++;
        reject(signal?.reason as Error);
      };
      const sleeper: Sleeper = {
        due: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.add(sleeper);
      this.#activity++;
    });
  }

  /** Sleeps not yet due, for asserting that nothing was left behind. */
  get pendingSleeps(): number {
    return this.#sleepers.size;
  }

  /** Moves time forward by `ms`, waking each sleep at its due time and letting the woken code run. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await this.runUntilIdle();
      const next = [...this.#sleepers].filter((s) => s.due <= end).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.#now = Math.max(this.#now, next.due);
      this.#sleepers.delete(next);
      next.cleanup();
      this.#activity++;
      next.resolve();
    }
    this.#now = end;
    await this.runUntilIdle();
  }

  /**
   * Lets promise chains and I/O callbacks run, without moving time, until the code under test stops starting or
   * ending sleeps for a while (`quietTurns` event-loop turns).
   */
  async runUntilIdle(quietTurns = 25): Promise<void> {
    let seen = this.#activity;
    let quiet = 0;
    for (let turn = 0; turn < 10_000 && quiet < quietTurns; turn++) {
      await nextTurn();
      if (this.#activity === seen) quiet++;
      else {
        seen = this.#activity;
        quiet = 0;
      }
    }
  }
}
