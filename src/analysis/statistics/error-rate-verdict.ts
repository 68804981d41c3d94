/**
 * Reads an error-rate test's state as a verdict: fail once the evidence that the canary's error rate exceeds
 * stable's × (1 + tolerance) reaches 1/alpha; pass once the evidence that it is below that reaches 1/alpha; else
 * running. Adds the ratio's estimate, its time-uniform confidence bounds and a one-line reason.
 */
import { errorRateEvidence, ratioLogEValue, type ErrorRateState } from './error-rate-test.js';
import { formatConfidence, formatPercent, formatStatistic, type SequentialVerdict } from './verdict.js';

/** The counts of one version with its observed rate (null without requests). */
export interface ArmSummary {
  requests: number;
  errors: number;
  rate: number | null;
}

/** What an error-rate test concluded so far. */
export interface ErrorRateAssessment {
  verdict: SequentialVerdict;
  reason: string;
  alpha: number;
  tolerance: number;
  canary: ArmSummary;
  stable: ArmSummary;
  /** Estimated rate ratio canary/stable (null while either has no errors to compare). */
  ratio: number | null;
  /**
   * Time-uniform bounds on the ratio: with probability ≥ 1 − alpha the true ratio stays above `lower` at every
   * look, and likewise below `upper` (0 and ∞ while the data cannot bound it).
   */
  lower: number;
  upper: number;
  /** Evidence against "ratio ≤ 1 + tolerance"; the canary fails when it reaches 1/alpha. */
  eValue: number;
  /** Evidence against "ratio ≥ 1 + tolerance"; the canary passes early when it reaches 1/alpha. */
  equivalenceEValue: number;
  /** 1/alpha, the evidence either decision needs. */
  threshold: number;
}

/** Judges the error rates observed so far. */
export function assessErrorRate(state: ErrorRateState): ErrorRateAssessment {
  const { alpha, tolerance } = state;
  const logThreshold = -Math.log(alpha);
  const { logEWorse, logEEquivalent } = errorRateEvidence(state);
  const { lower, upper } = ratioBounds(state, logThreshold);
  const canary = summary(state.canary);
  const stable = summary(state.stable);
  const ratio = canary.rate !== null && stable.rate !== null && state.canary.errors + state.stable.errors > 0
    ? stable.rate === 0 ? Infinity : canary.rate / stable.rate
    : null;
  const verdict: SequentialVerdict = logEWorse >= logThreshold ? 'fail' : logEEquivalent >= logThreshold ? 'pass' : 'running';
  const assessment: ErrorRateAssessment = {
    verdict,
    reason: '',
    alpha,
    tolerance,
    canary,
    stable,
    ratio,
    lower,
    upper,
    eValue: Math.exp(logEWorse),
    equivalenceEValue: Math.exp(logEEquivalent),
    threshold: 1 / alpha,
  };
  return { ...assessment, reason: errorRateReason(assessment) };
}

/**
 * The confidence bounds: the lower bound is the highest grid ratio ρ_j such that "ρ ≤ ρ_k" is rejected for every
 * grid point k ≤ j (so a wrong bound needs a rejected true null, chance ≤ alpha); the upper bound mirrors it.
 */
function ratioBounds(state: ErrorRateState, logThreshold: number): { lower: number; upper: number } {
  const { logRatios } = state.grid;
  const last = logRatios.length - 1;
  let low = -1;
  while (low < last && ratioLogEValue(state, low + 1, 'worse') >= logThreshold) low++;
  let high = last + 1;
  while (high > 0 && ratioLogEValue(state, high - 1, 'better') >= logThreshold) high--;
  return {
    lower: low < 0 ? 0 : Math.exp(logRatios[low]!),
    upper: high > last ? Infinity : Math.exp(logRatios[high]!),
  };
}

function summary(arm: { requests: number; errors: number }): ArmSummary {
  return { ...arm, rate: arm.requests === 0 ? null : arm.errors / arm.requests };
}

function errorRateReason(a: ErrorRateAssessment): string {
  const rates = `error rate ${a.canary.rate === null ? 'n/a' : formatPercent(a.canary.rate)} vs stable ${
    a.stable.rate === null ? 'n/a' : formatPercent(a.stable.rate)}`;
  const confidence = `at ${formatConfidence(a.alpha)} confidence after ${a.canary.requests} canary requests`;
  const boundary = formatStatistic(1 + a.tolerance);
  const evidence = `e-value ${formatStatistic(a.eValue)}`;
  switch (a.verdict) {
    case 'fail':
      return `${rates}: ratio ≥ ${formatStatistic(a.lower)} ${confidence} (${evidence} ≥ ${formatStatistic(a.threshold)}; tolerated ratio ${boundary})`;
    case 'pass':
      return `${rates}: ratio ≤ ${formatStatistic(a.upper)} ${confidence}, within the tolerated ratio ${boundary}`;
    case 'running':
      return `${rates}: ratio between ${formatStatistic(a.lower)} and ${formatStatistic(a.upper)} ${confidence}; not enough evidence yet (${evidence}, fails at ${formatStatistic(a.threshold)}; tolerated ratio ${boundary})`;
  }
}
