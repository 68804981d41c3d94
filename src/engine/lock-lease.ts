/** The service's release lock in the store: taken before a release, renewed while it runs, given up at its end. */
import type { Clock } from '../shared/clock.js';
import { LockHeldError } from '../shared/errors.js';
import type { Store } from '../store/index.js';

/** How long a lease lasts without renewal: a crashed holder blocks the next release at most this long. */
export const DEFAULT_LOCK_TTL_MS = 60_000;

/** Name of the lock that serialises the releases of a service. */
export function releaseLockName(service: string): string {
  return `release:${service}`;
}

/** A held lock, renewed every third of its TTL until released or abandoned. */
export class LockLease {
  readonly #store: Store;
  readonly #name: string;
  readonly #holder: string;
  readonly #renewing = new AbortController();
  #loop: Promise<void> | undefined;

  private constructor(store: Store, name: string, holder: string) {
    this.#store = store;
    this.#name = name;
    this.#holder = holder;
  }

  /** Takes the service's lock for `holder`, or throws LockHeldError naming the release that runs. */
  static async acquire(store: Store, service: string, holder: string, clock: Clock, ttlMs = DEFAULT_LOCK_TTL_MS): Promise<LockLease> {
    const name = releaseLockName(service);
    if (!(await store.locks.tryAcquire(name, holder, ttlMs))) {
      const running = await store.releases.active(service);
      const lock = await store.locks.get(name);
      throw new LockHeldError(service, running?.id ?? lock?.holder ?? 'another release');
    }
    const lease = new LockLease(store, name, holder);
    lease.#loop = lease.#renew(clock, ttlMs);
    return lease;
  }

  /** Stops renewing and gives the lock up. */
  async release(): Promise<void> {
    await this.abandon();
    await this.#store.locks.release(this.#name, this.#holder).catch(() => false);
  }

  /** Stops renewing but keeps the lock until it expires (the engine shuts down; a restart takes it over). */
  async abandon(): Promise<void> {
    this.#renewing.abort(new Error('lease ended'));
    await this.#loop;
  }

  async #renew(clock: Clock, ttlMs: number): Promise<void> {
    const signal = this.#renewing.signal;
    while (!signal.aborted) {
      try {
        await clock.sleep(Math.max(1, Math.floor(ttlMs / 3)), signal);
        await this.#store.locks.tryAcquire(this.#name, this.#holder, ttlMs);
      } catch {
        // An aborted sleep ends the loop; a store hiccup is retried at the next renewal, well within the TTL.
      }
    }
  }
}
