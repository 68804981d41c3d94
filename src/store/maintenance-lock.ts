/**
 * The maintenance lock of a service (Kamal's `kamal lock`): a person holds it, with a message, until someone
 * releases it; while it is held the daemon refuses new releases. It is a lease of the store's locks table that never
 * expires, under a name apart from the release lock's.
 */
import type { LockRepository } from './lock-repository.js';

/** Who holds a service's maintenance lock, why, and since when. */
export interface MaintenanceLock {
  by: string;
  message: string | null;
  since: string;
}

/** A lease that lasts until it is released: the end of the representable ISO years. */
const UNTIL_RELEASED = Date.parse('9999-12-31T00:00:00.000Z');

/** Name of a service's maintenance lock in the locks table. */
export function maintenanceLockName(service: string): string {
  return `maintenance:${service}`;
}

function decode(holder: string, since: string): MaintenanceLock {
  try {
    const parsed = JSON.parse(holder) as { by?: unknown; message?: unknown };
    return { by: typeof parsed.by === 'string' ? parsed.by : holder, message: typeof parsed.message === 'string' ? parsed.message : null, since };
  } catch {
    return { by: holder, message: null, since };
  }
}

/** The service's maintenance lock, or undefined when nobody holds it. */
export async function readMaintenanceLock(locks: LockRepository, service: string): Promise<MaintenanceLock | undefined> {
  const lease = await locks.get(maintenanceLockName(service));
  return lease && decode(lease.holder, lease.acquiredAt);
}

/**
 * Takes the maintenance lock for `by` (its holder may take it again, with a new message); resolves with the lock as
 * it stands and whether `by` holds it now.
 */
export async function acquireMaintenanceLock(
  locks: LockRepository,
  service: string,
  by: string,
  message: string | null,
  now: () => Date = () => new Date(),
): Promise<{ acquired: boolean; lock: MaintenanceLock }> {
  const name = maintenanceLockName(service);
  const current = await locks.get(name);
  if (current && decode(current.holder, current.acquiredAt).by === by) await locks.release(name, current.holder);
  const holder = JSON.stringify({ by, message });
  const acquired = await locks.tryAcquire(name, holder, UNTIL_RELEASED - now().getTime());
  const lock = await readMaintenanceLock(locks, service);
  return { acquired: acquired && lock?.by === by, lock: lock ?? { by, message, since: now().toISOString() } };
}

/** Releases the maintenance lock, whoever holds it; resolves with the lock it ended, if any. */
export async function releaseMaintenanceLock(locks: LockRepository, service: string): Promise<MaintenanceLock | undefined> {
  const name = maintenanceLockName(service);
  const current = await locks.get(name);
  if (!current) return undefined;
  await locks.release(name, current.holder);
  return decode(current.holder, current.acquiredAt);
}
