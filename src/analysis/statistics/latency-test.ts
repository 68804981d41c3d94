/**
 * Anytime-valid latency comparison: a time-uniform confidence sequence for the chosen quantile (p95 by default)
 * of each version, fed with everything measured since the canary started. The canary fails when its lower bound
 * exceeds stable's upper bound × (1 + tolerance); passes (equivalence shown: early promotion) when its upper bound
 * is at most stable's lower bound × (1 + tolerance); and is running otherwise. Each of the four one-sided bounds
 * holds at level alpha/2, so either wrong decision has probability at most alpha, however often it is checked.
 */
import { latencyDistribution, type LatencyInput } from './latency-distribution.js';
import { DEFAULT_QUANTILE_CONCENTRATION, quantileConfidenceSequence, type QuantileBounds } from './quantile-confidence-sequence.js';
import { DEFAULT_ALPHA } from './error-rate-test.js';
import { formatConfidence, formatStatistic, type SequentialVerdict } from './verdict.js';

/** Settings of the latency comparison. */
export interface LatencyTestOptions {
  /** Which quantile to compare, 0…1 (default 0.95). */
  quantile?: number;
  /** False-alarm rate (default 0.01). */
  alpha?: number;
  /** How much slower the canary may be: fail only beyond stable × (1 + tolerance) (default 0). */
  tolerance?: number;
  /** Prior concentration of the quantile confidence sequences. */
  concentration?: number;
}

/** Default quantile of the latency comparison. */
export const DEFAULT_LATENCY_QUANTILE = 0.95;

/** What the latency comparison concluded so far. */
export interface LatencyAssessment {
  verdict: SequentialVerdict;
  reason: string;
  alpha: number;
  tolerance: number;
  canary: QuantileBounds;
  stable: QuantileBounds;
  /** Estimated quantile ratio canary/stable (null while either has no observations). */
  ratio: number | null;
}

/** Compares the canary's latency quantile with stable's, from all observations since the canary started. */
export function assessLatency(canary: LatencyInput, stable: LatencyInput, options: LatencyTestOptions = {}): LatencyAssessment {
  const quantile = options.quantile ?? DEFAULT_LATENCY_QUANTILE;
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const tolerance = options.tolerance ?? 0;
  const concentration = options.concentration ?? DEFAULT_QUANTILE_CONCENTRATION;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must lie strictly between 0 and 1, got ${alpha}`);
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new RangeError(`tolerance must be a finite number >= 0, got ${tolerance}`);
  const canaryBounds = quantileConfidenceSequence(latencyDistribution(canary, 'canary latencies'), quantile, alpha / 2, concentration);
  const stableBounds = quantileConfidenceSequence(latencyDistribution(stable, 'stable latencies'), quantile, alpha / 2, concentration);
  const factor = 1 + tolerance;
  const verdict: SequentialVerdict = canaryBounds.lower > stableBounds.upper * factor
    ? 'fail'
    : canaryBounds.upper <= stableBounds.lower * factor && canaryBounds.count > 0
      ? 'pass'
      : 'running';
  const ratio = canaryBounds.estimate !== null && stableBounds.estimate !== null && stableBounds.estimate > 0
    ? canaryBounds.estimate / stableBounds.estimate
    : null;
  const assessment: LatencyAssessment = { verdict, reason: '', alpha, tolerance, canary: canaryBounds, stable: stableBounds, ratio };
  return { ...assessment, reason: latencyReason(assessment) };
}

function milliseconds(value: number | null): string {
  return value === null ? 'n/a' : value === Infinity ? '∞' : `${formatStatistic(value)} ms`;
}

function latencyReason(a: LatencyAssessment): string {
  const label = `p${formatStatistic(a.canary.quantile * 100)} latency`;
  const head = `${label} ${milliseconds(a.canary.estimate)} vs stable ${milliseconds(a.stable.estimate)}`;
  const factor = a.tolerance === 0 ? '' : ` × ${formatStatistic(1 + a.tolerance)}`;
  const tail = `at ${formatConfidence(a.alpha)} confidence after ${a.canary.count} canary requests`;
  switch (a.verdict) {
    case 'fail':
      return `${head}: canary ≥ ${milliseconds(a.canary.lower)} > stable ≤ ${milliseconds(a.stable.upper)}${factor} ${tail}`;
    case 'pass':
      return `${head}: canary ≤ ${milliseconds(a.canary.upper)} ≤ stable ≥ ${milliseconds(a.stable.lower)}${factor} ${tail}`;
    case 'running':
      return `${head}: canary between ${milliseconds(a.canary.lower)} and ${milliseconds(a.canary.upper)}, stable between ${
        milliseconds(a.stable.lower)} and ${milliseconds(a.stable.upper)} ${tail}; not enough evidence yet`;
  }
}
