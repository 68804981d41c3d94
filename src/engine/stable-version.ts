/** Which version serves a service now: the newest succeeded release whose version the target still runs. */
import type { Store } from '../store/index.js';
import type { Target } from '../targets/target.js';

/** Whether the target runs a version in a state that can serve (ready, or coming up). */
export function targetRuns(target: Target, version: string): boolean {
  return target.versions().some((v) => v.version === version && (v.state === 'ready' || v.state === 'starting'));
}

/** The stable version, or null for a service's first release (nothing succeeded, or the target runs none of it). */
export async function findStableVersion(store: Store, service: string, target: Target): Promise<string | null> {
  const releases = await store.releases.listByService(service, { limit: 200 });
  const latest = releases.find((release) => release.status === 'succeeded');
  return latest && targetRuns(target, latest.version) ? latest.version : null;
}
