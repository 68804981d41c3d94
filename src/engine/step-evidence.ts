/**
 * The evidence rule of a traffic increase: the new version's share grows only once every metric has a conclusive
 * measurement at the current share. docs/analysis.md states it for users.
 */
import type { MeasurementRecord } from '../analysis/measurement.js';
import type { AnalysisConfig } from '../plan/schema/analysis.js';
import type { RolloutAction } from './strategies/index.js';

/** A metric without conclusive evidence at the current share, and why. */
export interface MissingEvidence {
  metric: string;
  reason: string;
}

/**
 * Whether `action` gives the new version more traffic than the `current` share it already serves (a share of 0 —
 * a blue-green preview — has no traffic to judge and gates nothing).
 */
export function raisesTraffic(action: RolloutAction, current: number): boolean {
  if (current <= 0) return false;
  if (action.kind === 'weight') return action.weight > current;
  return action.kind === 'promote' && current < 100;
}

/**
 * The metrics whose latest measurement since the share was applied (`since`) is inconclusive, or that have none
 * yet. A pass, a fail or an error is conclusive here: fails and errors have their own limits.
 */
export function missingEvidence(config: AnalysisConfig, records: readonly MeasurementRecord[], since: string, weight: number): MissingEvidence[] {
  const missing: MissingEvidence[] = [];
  for (const metric of config.metrics) {
    const latest = records.findLast((record) => record.metric === metric.name && record.at > since);
    if (!latest) missing.push({ metric: metric.name, reason: `${metric.name}: no measurement yet at weight ${weight}%` });
    else if (latest.verdict === 'inconclusive') missing.push({ metric: metric.name, reason: latest.reason });
  }
  return missing;
}

/**
 * Longest wait for conclusive evidence before `onInconclusive` decides: two more measurements than the most
 * patient metric's `inconclusiveLimit` allows.
 */
export function evidenceWaitMs(config: AnalysisConfig): number {
  const limit = Math.max(0, ...config.metrics.map((metric) => metric.inconclusiveLimit));
  return config.interval * (limit + 2);
}
