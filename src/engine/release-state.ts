/** The engine's resumable state of a release, kept in the release row's `state` JSON column. */
import type { MeasurementRecord } from '../analysis/measurement.js';
import type { JsonObject } from '../store/index.js';

/** Where a release is in its pipeline; a resumed release continues at this phase. */
export type ReleasePhase = 'preflight' | 'backup' | 'migrate' | 'start' | 'rollout' | 'finish';

/** Why a release waits for a person, and what `resume` does then. */
export interface PauseState {
  /** `promote-wait`: a `pause: {}` step; `manual`: `glidepath pause`; `analysis`: onFailure/onInconclusive pause. */
  kind: 'promote-wait' | 'manual' | 'analysis';
  reason: string;
  since: string;
}

/** Everything a restarted engine needs to continue a release. */
export interface ReleaseState {
  phase: ReleasePhase;
  /** Holder name of the service's release lock, so a restarted engine can take it over. */
  lockHolder: string;
  /** Confirmations were given with `--yes` (a resumed preflight may confirm again). */
  yes: boolean;
  firstRelease: boolean;
  stable: string | null;
  canary: string;
  canaryUrl: string | null;
  /** Index of the next rollout action. */
  cursor: number;
  /** The split last applied, in percent per version. */
  weights: Record<string, number>;
  /** When that split was applied: measurements after it are the evidence for raising the new version's share. */
  weightSince: string | null;
  /** Deadline of the timed pause in progress. */
  pauseUntil: string | null;
  paused: PauseState | null;
  /** A person promoted: remaining weights and pauses are skipped. */
  promoted: boolean;
  /** The rollout wants analysis running (from its first weight until promotion). */
  analysisActive: boolean;
  /** When the current analysis run started; measurements from then on count towards its limits. */
  analysisSince: string | null;
  analysis: MeasurementRecord[];
  /** Until when the replaced version stays warm (blue-green `keepOld`). */
  keepOldUntil: string | null;
}

/** The state of a release about to start. */
export function initialState(input: { lockHolder: string; yes: boolean; stable: string | null; canary: string }): ReleaseState {
  return {
    phase: 'preflight',
    lockHolder: input.lockHolder,
    yes: input.yes,
    firstRelease: input.stable === null,
    stable: input.stable,
    canary: input.canary,
    canaryUrl: null,
    cursor: 0,
    weights: {},
    weightSince: null,
    pauseUntil: null,
    paused: null,
    promoted: false,
    analysisActive: false,
    analysisSince: null,
    analysis: [],
    keepOldUntil: null,
  };
}

/** Reads a stored state; fields a crash left unwritten take their starting values. */
export function readState(json: JsonObject, fallback: { canary: string; stable: string | null }): ReleaseState {
  const base = initialState({ lockHolder: '', yes: false, stable: fallback.stable, canary: fallback.canary });
  return { ...base, ...(json as Partial<ReleaseState>) };
}

/** The state as the store's JSON column takes it. */
export function stateJson(state: ReleaseState): JsonObject {
  return { ...state };
}
