/**
 * What a strategy is to the engine: a fixed list of rollout actions the release runner executes in order, so a
 * resumed release continues from the index it persisted.
 */

/** The strategies a release can run; `direct` when the plan names none (switch all traffic after verify). */
export type StrategyName = 'canary' | 'bluegreen' | 'rolling' | 'direct';

/** One thing the runner does during the rollout. */
export type RolloutAction =
  /** Give the new version this percent of traffic (the stable version gets the rest), then read it back. */
  | { kind: 'weight'; weight: number }
  /** Wait `ms` (analysis keeps running), or without `ms` until a person promotes or resumes. */
  | { kind: 'pause'; ms?: number }
  /** Serve the new version alone on the preview address, where people and smoke tests can reach it. */
  | { kind: 'preview'; listen: string }
  /** Start the background analysis of the new version; it runs until `promote`. */
  | { kind: 'analyze' }
  /** Wait for one complete round of analysis measurements at the current weight. */
  | { kind: 'await-analysis' }
  /** Run the plan's `bench:` load test against the new version (shorter when the step says so). */
  | { kind: 'bench'; durationMs?: number; count?: number }
  /** Run the plan's verify items against the new version. */
  | { kind: 'verify' }
  /** Give the new version all traffic in one change. */
  | { kind: 'promote' };

/** A strategy: its name, its actions, and how long the old version stays warm after promotion. */
export interface Strategy {
  readonly name: StrategyName;
  /** Time the old version keeps running after promotion for an instant rollback; 0 stops it right away. */
  readonly keepOldMs: number;
  readonly actions: readonly RolloutAction[];
}

/** Actions a manual promote skips: everything that only delays reaching 100%. Verify still runs. */
export function skippedByPromote(action: RolloutAction): boolean {
  return action.kind === 'weight' || action.kind === 'pause' || action.kind === 'await-analysis' || action.kind === 'analyze' || action.kind === 'bench';
}
