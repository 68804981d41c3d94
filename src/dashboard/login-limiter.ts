/** Login rate limiting: a fixed number of attempts per client address in a sliding window. */

/** Attempts one address may make in a window before it waits. */
export const DEFAULT_LOGIN_ATTEMPTS = 10;
/** The window over which attempts are counted. */
export const DEFAULT_LOGIN_WINDOW_MS = 60_000;
const MAX_TRACKED = 10_000;

/** Counts login attempts per address; `take` says whether one more is allowed now, and else how long to wait. */
export class LoginLimiter {
  readonly #attempts = new Map<string, number[]>();
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(options: { limit?: number; windowMs?: number; now?: () => number } = {}) {
    this.#limit = options.limit ?? DEFAULT_LOGIN_ATTEMPTS;
    this.#windowMs = options.windowMs ?? DEFAULT_LOGIN_WINDOW_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Records an attempt from `address`: allowed, or refused with the seconds until the next is. */
  take(address: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.#now();
    const recent = (this.#attempts.get(address) ?? []).filter((at) => at > now - this.#windowMs);
    if (recent.length >= this.#limit) {
      this.#attempts.set(address, recent);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(((recent[0] ?? now) + this.#windowMs - now) / 1000)) };
    }
    recent.push(now);
    if (!this.#attempts.has(address) && this.#attempts.size >= MAX_TRACKED) this.#attempts.delete(this.#attempts.keys().next().value as string);
    this.#attempts.set(address, recent);
    return { allowed: true };
  }
}
