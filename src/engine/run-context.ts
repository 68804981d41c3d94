/** What every part of a running release shares: the plan, the target, the clock, its recorder and its state. */
import type { Confirmer } from '../preflight/preflight.js';
import type { Plan } from '../plan/plan-schema.js';
import type { Clock } from '../shared/clock.js';
import { GlidepathError } from '../shared/errors.js';
import type { Store } from '../store/index.js';
import type { Target } from '../targets/target.js';
import type { ReleaseRecorder } from './release-recorder.js';
import type { ReleaseState } from './release-state.js';

/** What a database-safety hook reports: the backup or migration phase's outcome with its evidence. */
export interface HookOutcome {
  ok: boolean;
  detail: string;
  evidence?: Record<string, unknown>;
}

/** What a hook is told about the release it runs for. */
export interface HookContext {
  releaseId: string;
  service: string;
  version: string;
  previousVersion: string | null;
  signal: AbortSignal;
}

/** Call points of the database-safety work: a backup before migrations or the deploy, and the migrations. */
export interface ReleaseHooks {
  backup?: (context: HookContext) => Promise<HookOutcome>;
  migrate?: (context: HookContext) => Promise<HookOutcome>;
}

/** The shared parts of one running release. */
export interface RunContext {
  plan: Plan;
  planDir: string;
  store: Store;
  target: Target;
  clock: Clock;
  confirmer: Confirmer;
  hooks: ReleaseHooks;
  recorder: ReleaseRecorder;
  state: ReleaseState;
  /** Aborts when the engine shuts down; the release is then left as persisted, to be resumed. */
  signal: AbortSignal;
  /** How long a stopped version's in-flight requests may take (the target's `drain`). */
  drainMs: number | undefined;
  fetch?: typeof fetch;
}

/** The error a release's `finished` rejects with when the engine shut down under it; it resumes on the next start. */
export class EngineClosedError extends GlidepathError {
  constructor(releaseId: string) {
    super(`the release engine shut down during release ${releaseId}; it resumes when the engine starts again`, { code: 'engine_closed' });
  }
}

/** Thrown to unwind a release whose terminal status is already recorded. */
export class ReleaseHalted extends Error {
  constructor() {
    super('release halted');
  }
}

/** The split that gives the new version `weight` percent and the stable version the rest; zero shares are left out. */
export function splitWeights(state: ReleaseState, weight: number): Record<string, number> {
  const weights: Record<string, number> = {};
  if (weight > 0) weights[state.canary] = weight;
  if (state.stable !== null && weight < 100) weights[state.stable] = 100 - weight;
  return weights;
}

/** Whether two splits are the same, ignoring zero shares. */
export function sameWeights(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const nonZero = (w: Readonly<Record<string, number>>) => Object.entries(w).filter(([, share]) => share > 0).sort(([x], [y]) => x.localeCompare(y));
  return JSON.stringify(nonZero(a)) === JSON.stringify(nonZero(b));
}
