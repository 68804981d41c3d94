/** Which phase a service's release is in, from the engine's record: the release status and the step it runs. */
import type { JsonObject, ReleaseStatus, ReleaseStep, Store } from '../store/index.js';

/** Every phase `glidepath_release_phase` reports, one series each (1 for the current phase, 0 for the rest). */
export const RELEASE_PHASES = [
  'idle',
  'preflight',
  'backup',
  'migrate',
  'starting',
  'progressing',
  'pausing',
  'analysing',
  'waiting_for_promotion',
  'paused',
  'verifying',
  'rolling_back',
] as const;

/** A phase of `RELEASE_PHASES`. */
export type ReleasePhaseName = (typeof RELEASE_PHASES)[number];

const BY_STEP: Record<string, ReleasePhaseName> = {
  rollback: 'rolling_back',
  abort: 'rolling_back',
  start: 'starting',
  preview: 'starting',
  'await-analysis': 'analysing',
  verify: 'verifying',
  bench: 'verifying',
};

/**
 * The phase of a running release (`idle` without one): a step that sends traffic back is `rolling_back` whatever the
 * status; a release paused by a `pause: {}` step waits for promotion, one paused otherwise is `paused`; a timed
 * `pause` step is `pausing`; else the step or the status says it.
 */
export function releasePhase(release: { status: ReleaseStatus; state: JsonObject } | undefined, steps: readonly Pick<ReleaseStep, 'kind' | 'status' | 'detail'>[]): ReleasePhaseName {
  if (!release) return 'idle';
  const running = steps.filter((s) => s.status === 'running').at(-1);
  if (running && (running.kind === 'rollback' || running.kind === 'abort')) return 'rolling_back';
  if (release.status === 'paused') {
    // A `pause: {}` step pauses the release until `glidepath promote`; `glidepath pause` and analysis pause it too.
    const paused = release.state.paused as { kind?: unknown } | null | undefined;
    const kind = typeof paused === 'object' && paused !== null ? paused.kind : undefined;
    return kind === 'promote-wait' ? 'waiting_for_promotion' : 'paused';
  }
  if (running?.kind === 'pause') return running.detail.until === 'promote' ? 'waiting_for_promotion' : 'pausing';
  if (running && BY_STEP[running.kind]) return BY_STEP[running.kind] as ReleasePhaseName;
  switch (release.status) {
    case 'preflight':
    case 'backup':
    case 'migrate':
      return release.status;
    case 'verify':
      return 'verifying';
    case 'pending':
      return 'starting';
    case 'rollout':
      return 'progressing';
    default:
      return 'idle';
  }
}

/** The phase of the release `releaseId` (the engine's running one), read from the store; `idle` without one. */
export async function currentReleasePhase(store: Pick<Store, 'releases' | 'steps'>, releaseId: string | undefined): Promise<ReleasePhaseName> {
  if (releaseId === undefined) return 'idle';
  const release = await store.releases.get(releaseId);
  return releasePhase(release, release ? await store.steps.listForRelease(releaseId) : []);
}
