/**
 * Taking over a release another runner left: the rules a daemon restarting and a CI job share. A live lease is
 * refused (naming its runner and when it lapses) unless the caller knows its holder is gone; a lapsed one is taken.
 */
import type { Clock } from '../shared/clock.js';
import { LockHeldError } from '../shared/errors.js';
import type { Release, Store } from '../store/index.js';
import { LockLease, leaseHeldError, releaseLockName } from './lock-lease.js';
import type { ReleaseRecorder } from './release-recorder.js';
import { describeHolder, parseHolder } from './runner-identity.js';

/** Whether a live lease of `holder` may be taken at once, because the caller knows that runner has stopped. */
export type LiveTakeover = (holder: string) => boolean;

/**
 * Takes the service's release lease for `holder`: a live lease of another holder only when `mayTakeLive` says its
 * runner is gone; otherwise throws LockHeldError naming it and when its lease lapses.
 */
export async function takeOverLease(
  deps: { store: Store; clock: Clock; service: string; ttlMs: number },
  holder: string,
  mayTakeLive: LiveTakeover,
): Promise<LockLease> {
  const { store, clock, service, ttlMs } = deps;
  const name = releaseLockName(service);
  const live = await store.locks.get(name);
  if (live && live.holder !== holder) {
    if (!mayTakeLive(live.holder)) throw await leaseHeldError(store, service);
    await store.locks.release(name, live.holder);
  }
  return LockLease.acquire(store, service, holder, clock, ttlMs);
}

/** The refusal to start a release while an interrupted one waits to be taken over. */
export function interruptedReleaseError(release: Release, recordedHolder: string): LockHeldError {
  return new LockHeldError(
    release.service,
    release.id,
    `release ${release.id} of ${release.service} (${release.version}) was left ${release.status} by ${describeHolder(recordedHolder || 'an earlier runner')}, ` +
      'whose lease has lapsed; it is resumed or rolled back before another release starts (deploy --foreground and a starting daemon take it over)',
  );
}

/** Records who runs a release from now on (`release.runner`): who started it, or who took it over from whom. */
export async function recordRunner(recorder: ReleaseRecorder, holder: string, takenFrom?: string): Promise<void> {
  const runner = parseHolder(holder);
  await recorder.event('release.runner', {
    holder,
    role: takenFrom === undefined ? 'started' : 'took-over',
    ...(runner ? { kind: runner.kind, host: runner.host, pid: runner.pid, id: runner.id } : {}),
    ...(takenFrom === undefined ? {} : { from: takenFrom }),
  });
}
