/**
 * Anytime-valid latency comparison. Each version's chosen quantile (p95 by default) is bounded by a time-uniform
 * confidence sequence, fed with everything measured since the canary started. The canary passes (equivalence
 * shown: early promotion) when its upper bound is at most stable's lower bound × (1 + tolerance); each bound holds
 * at alpha/2, so a wrong pass has probability at most alpha. It fails when the exceedance test
 * (latency-exceedances.ts) reaches 1/alpha: the canary's requests above (1 + tolerance) × stable's quantile are
 * shown more frequent than stable's above it. Without that test's state (a single comparison of two samples) it
 * fails, as a fallback, when its lower bound exceeds stable's upper bound × (1 + tolerance). Either way a wrong
 * fail has probability at most alpha, however often it is checked.
 */
import { latencyDistribution, type LatencyInput } from './latency-distribution.js';
import { DEFAULT_QUANTILE_CONCENTRATION, quantileConfidenceSequence, type QuantileBounds } from './quantile-confidence-sequence.js';
import { DEFAULT_ALPHA } from './error-rate-test.js';
import { formatConfidence, formatPercent, formatStatistic, type SequentialVerdict } from './verdict.js';
import { exceedanceLogEValue } from './exceedance-test.js';
import type { LatencyExceedanceState } from './latency-exceedances.js';

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
  /** The exceedance test behind a fail, when it was given. */
  exceedance?: LatencyExceedanceSummary;
}

/** Where the exceedance test stands: its e-value against 1/alpha and the counts it rests on. */
export interface LatencyExceedanceSummary {
  eValue: number;
  threshold: number;
  canary: { requests: number; exceedances: number };
  stable: { requests: number; exceedances: number };
  /** The last interval's thresholds in ms. */
  stableThreshold: number | null;
  canaryThreshold: number | null;
}

/** Compares the canary's latency quantile with stable's, from all observations since the canary started. */
export function assessLatency(
  canary: LatencyInput,
  stable: LatencyInput,
  options: LatencyTestOptions = {},
  exceedances?: LatencyExceedanceState,
): LatencyAssessment {
  const quantile = options.quantile ?? DEFAULT_LATENCY_QUANTILE;
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const tolerance = options.tolerance ?? 0;
  const concentration = options.concentration ?? DEFAULT_QUANTILE_CONCENTRATION;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must lie strictly between 0 and 1, got ${alpha}`);
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new RangeError(`tolerance must be a finite number >= 0, got ${tolerance}`);
  const canaryBounds = quantileConfidenceSequence(latencyDistribution(canary, 'canary latencies'), quantile, alpha / 2, concentration);
  const stableBounds = quantileConfidenceSequence(latencyDistribution(stable, 'stable latencies'), quantile, alpha / 2, concentration);
  const factor = 1 + tolerance;
  const exceedance = exceedances === undefined ? undefined : summarise(exceedances);
  const worse = exceedance === undefined ? canaryBounds.lower > stableBounds.upper * factor : exceedance.eValue >= exceedance.threshold;
  const verdict: SequentialVerdict = worse
    ? 'fail'
    : canaryBounds.upper <= stableBounds.lower * factor && canaryBounds.count > 0
      ? 'pass'
      : 'running';
  const ratio = canaryBounds.estimate !== null && stableBounds.estimate !== null && stableBounds.estimate > 0
    ? canaryBounds.estimate / stableBounds.estimate
    : null;
  const assessment: LatencyAssessment = { verdict, reason: '', alpha, tolerance, canary: canaryBounds, stable: stableBounds, ratio };
  if (exceedance !== undefined) assessment.exceedance = exceedance;
  return { ...assessment, reason: latencyReason(assessment) };
}

function summarise(state: LatencyExceedanceState): LatencyExceedanceSummary {
  const { test } = state;
  return {
    eValue: Math.exp(exceedanceLogEValue(test)),
    threshold: 1 / test.alpha,
    canary: { ...test.canary },
    stable: { ...test.stable },
    stableThreshold: state.stableThreshold,
    canaryThreshold: state.canaryThreshold,
  };
}

function milliseconds(value: number | null): string {
  return value === null ? 'n/a' : value === Infinity ? '∞' : `${formatStatistic(value)} ms`;
}

function latencyReason(a: LatencyAssessment): string {
  const quantile = `p${formatStatistic(a.canary.quantile * 100)}`;
  const head = `${quantile} latency ${milliseconds(a.canary.estimate)} vs stable ${milliseconds(a.stable.estimate)}`;
  const factor = a.tolerance === 0 ? '' : ` × ${formatStatistic(1 + a.tolerance)}`;
  const tail = `at ${formatConfidence(a.alpha)} confidence after ${a.canary.count} canary requests`;
  const x = a.exceedance;
  const share = (c: { requests: number; exceedances: number }): string => (c.requests === 0 ? 'n/a' : formatPercent(c.exceedances / c.requests));
  const counts = x === undefined
    ? ''
    : `${x.canary.exceedances} of ${x.canary.requests} canary requests (${share(x.canary)}) slower than stable's ${quantile}${factor}, vs ${share(x.stable)} of stable's slower than its ${quantile}`;
  const evidence = x === undefined ? '' : `e-value ${formatStatistic(x.eValue)}`;
  switch (a.verdict) {
    case 'fail':
      if (x !== undefined) {
        return `${head}: ${counts}; canary ≥ ${milliseconds(a.canary.lower)}, stable ≤ ${milliseconds(a.stable.upper)} ${tail} (${evidence} ≥ ${formatStatistic(x.threshold)})`;
      }
      return `${head}: canary ≥ ${milliseconds(a.canary.lower)} > stable ≤ ${milliseconds(a.stable.upper)}${factor} ${tail}`;
    case 'pass':
      return `${head}: canary ≤ ${milliseconds(a.canary.upper)} ≤ stable ≥ ${milliseconds(a.stable.lower)}${factor} ${tail}`;
    case 'running':
      return `${head}: canary between ${milliseconds(a.canary.lower)} and ${milliseconds(a.canary.upper)}, stable between ${
        milliseconds(a.stable.lower)} and ${milliseconds(a.stable.upper)} ${tail}; not enough evidence yet${
        x === undefined ? '' : ` (${counts}; ${evidence}, fails at ${formatStatistic(x.threshold)})`}`;
  }
}
