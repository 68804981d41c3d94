/** The restart policy's count: restarts within a sliding window, as Docker's `restart_policy` counts them. */

/** Counts restarts of one instance within the last `windowMs`; past `maxAttempts` the instance gives up. */
export class RestartWindow {
  readonly #maxAttempts: number;
  readonly #windowMs: number;
  #restarts: number[] = [];

  constructor(policy: { maxAttempts: number; windowMs: number }) {
    this.#maxAttempts = policy.maxAttempts;
    this.#windowMs = policy.windowMs;
  }

  /** Records a restart at `now` and returns its number in the window, or undefined when it exceeds the limit. */
  take(now = Date.now()): number | undefined {
    this.#restarts = this.#restarts.filter((at) => now - at < this.#windowMs);
    if (this.#restarts.length >= this.#maxAttempts) return undefined;
    this.#restarts.push(now);
    return this.#restarts.length;
  }
}
