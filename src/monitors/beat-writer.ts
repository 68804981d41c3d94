/**
 * Monitor beats on their way to the store: written at once, or gathered and written together in one transaction
 * every so often, so that 20 beats a second cost one commit instead of twenty.
 */
import type { MonitorBeat, Store } from '../store/index.js';

/** Writes a service's monitor beats to the store, one at a time or in batches. */
export class BeatWriter {
  readonly #service: string;
  readonly #store: Pick<Store, 'monitors'>;
  readonly #batchMs: number;
  readonly #onError: (error: unknown) => void;
  #queue: MonitorBeat[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  /** `batchMs` 0 writes each beat as it comes; `onError` hears of a batch that could not be written. */
  constructor(service: string, store: Pick<Store, 'monitors'>, batchMs: number, onError: (error: unknown) => void) {
    this.#service = service;
    this.#store = store;
    this.#batchMs = batchMs;
    this.#onError = onError;
  }

  /** Writes a beat, or queues it for the next batch (a batch that fails goes to `onError`, not to the caller). */
  async write(beat: MonitorBeat): Promise<void> {
    if (this.#batchMs <= 0) return this.#store.monitors.recordBeats(this.#service, [beat]);
    this.#queue.push(beat);
    // A real timer, not the daemon's clock: batching is how the beats are written, not when anything is due.
    this.#timer ??= setTimeout(() => void this.flush(), this.#batchMs).unref();
  }

  /** Writes the queued beats now, after a batch still being written. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const beats = this.#queue;
    this.#queue = [];
    this.#flushing = this.#flushing.then(async () => {
      try {
        await this.#store.monitors.recordBeats(this.#service, beats);
      } catch (error) {
        this.#onError(error);
      }
    });
    await this.#flushing;
  }

  /** Writes what is queued; nothing waits for a timer afterwards. */
  async close(): Promise<void> {
    await this.flush();
  }
}
