/**
 * The service's release lock in the store: a lease taken before a release, renewed while it runs, given up at its
 * end. A runner that dies stops renewing; once the lease lapses the next runner (a daemon, a CI job) takes it over.
 */
import type { Clock } from '../shared/clock.js';
import { LockHeldError } from '../shared/errors.js';
import type { Store } from '../store/index.js';
import { describeHolder } from './runner-identity.js';

/** How long a lease lasts without renewal: a crashed holder blocks the next release at most this long. */
export const DEFAULT_LOCK_TTL_MS = 60_000;

/** Name of the lock that serialises the releases of a service. */
export function releaseLockName(service: string): string {
  return `release:${service}`;
}

/** The error for a lease another runner holds: which release, which runner, and when the lease lapses. */
export async function leaseHeldError(store: Store, service: string): Promise<LockHeldError> {
  const running = await store.releases.active(service);
  const lock = await store.locks.get(releaseLockName(service));
  const id = running?.id ?? lock?.holder ?? 'another release';
  const what = `release ${id} of ${service} is running${running ? ` (${running.version}, ${running.status})` : ''}`;
  const lease = lock
    ? `; ${describeHolder(lock.holder)} holds its lease until ${lock.expiresAt} and renews it while it runs; once the lease lapses the next runner takes the release over`
    : '';
  return new LockHeldError(service, id, `${what}${lease}; wait for it or abort it`);
}

/** A held lock, renewed every third of its TTL until released or abandoned. */
export class LockLease {
  readonly holder: string;
  readonly #store: Store;
  readonly #name: string;
  readonly #renewing = new AbortController();
  readonly #lost = new AbortController();
  #loop: Promise<void> | undefined;

  private constructor(store: Store, name: string, holder: string) {
    this.#store = store;
    this.#name = name;
    this.holder = holder;
  }

  /** Takes the service's lock for `holder`, or throws LockHeldError naming the release, its runner and the lease's end. */
  static async acquire(store: Store, service: string, holder: string, clock: Clock, ttlMs = DEFAULT_LOCK_TTL_MS): Promise<LockLease> {
    const name = releaseLockName(service);
    if (!(await store.locks.tryAcquire(name, holder, ttlMs))) throw await leaseHeldError(store, service);
    const lease = new LockLease(store, name, holder);
    lease.#loop = lease.#renew(clock, ttlMs);
    return lease;
  }

  /** Aborts when a renewal finds the lease taken over by another runner (this one stalled past its TTL). */
  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  /** Stops renewing and gives the lock up. */
  async release(): Promise<void> {
    await this.abandon();
    await this.#store.locks.release(this.#name, this.holder).catch(() => false);
  }

  /** Stops renewing but keeps the lock until it expires (the engine shuts down; a restart takes it over). */
  async abandon(): Promise<void> {
    this.#renewing.abort(new Error('lease ended'));
    await this.#loop;
  }

  async #renew(clock: Clock, ttlMs: number): Promise<void> {
    const signal = this.#renewing.signal;
    while (!signal.aborted) {
      let renewed: boolean | undefined;
      try {
        await clock.sleep(Math.max(1, Math.floor(ttlMs / 3)), signal);
        renewed = await this.#store.locks.tryAcquire(this.#name, this.holder, ttlMs);
      } catch {
        // An aborted sleep ends the loop; a store hiccup is retried at the next renewal, well within the TTL.
      }
      if (renewed === false) {
        // Another runner holds it now: whatever this one does next would fight it.
        this.#lost.abort(new Error(`the release lease was taken over by ${await this.#holderNow()}`));
        return;
      }
    }
  }

  async #holderNow(): Promise<string> {
    const lock = await this.#store.locks.get(this.#name).catch(() => undefined);
    return lock ? describeHolder(lock.holder) : 'another runner';
  }
}
