/**
 * The versions the shared store says run, for a runner on a machine that did not start them (a CI job in a fresh
 * workspace): the stable version, and the new version of an interrupted release once it had started.
 */
import { TERMINAL_RELEASE_STATUSES, type Store } from '../store/index.js';
import { readState } from './release-state.js';

/** A version the record says runs, with its share of traffic. */
export interface VersionOnRecord {
  version: string;
  weight: number;
}

/** Oldest first: the stable version, then an interrupted release's new version with the split it last applied. */
export async function versionsOnRecord(store: Store, service: string): Promise<VersionOnRecord[]> {
  const releases = await store.releases.listByService(service, { limit: 200 });
  const active = releases.find((release) => !TERMINAL_RELEASE_STATUSES.includes(release.status));
  if (active) {
    const state = readState(active.state, { canary: active.version, stable: active.previousVersion });
    const applied = Object.keys(state.weights).length > 0;
    const versions: VersionOnRecord[] = [];
    if (state.stable !== null) versions.push({ version: state.stable, weight: applied ? (state.weights[state.stable] ?? 0) : 100 });
    // Before the rollout phase the new version may not have started; the resumed release starts it.
    if (state.phase === 'rollout' || state.phase === 'finish') versions.push({ version: state.canary, weight: state.weights[state.canary] ?? 0 });
    return versions;
  }
  const stable = releases.find((release) => release.status === 'succeeded');
  return stable ? [{ version: stable.version, weight: 100 }] : [];
}
