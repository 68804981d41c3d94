/**
 * Anytime-valid comparison of two error rates (canary against stable), after Lindon & Malek, "Anytime-Valid
 * Inference for Multinomial Count Data" (NeurIPS 2022), conditioned per interval.
 *
 * Every request is one draw of (arm × outcome). Given that a request in interval i failed, the chance that it was
 * the canary's is θ_i(ρ) = ρ·s_i / (ρ·s_i + 1 − s_i), where s_i is the canary's share of the interval's requests
 * and ρ = canary error rate / stable error rate. So conditional on each interval's error total, the canary's errors
 * are Binomial(E_i, θ_i(ρ)), whatever the (unknown, possibly drifting) base error rate and however the traffic
 * share changes between intervals. The test of "ρ ≤ ρ0 = 1 + tolerance" mixes the likelihood ratio
 * L(ρ)/L(ρ0) over a prior on ρ > ρ0; that mixture is a nonnegative supermartingale under every ρ ≤ ρ0, so by
 * Ville's inequality it reaches 1/alpha with probability at most alpha, however often it is checked.
 * (With equal rates and the observed share, the canary's errors given the total are hypergeometric, which is
 * dominated in convex order by the binomial [Hoeffding 1963], so the test is conservative there too.)
 */
import { createRatioGrid, type RatioGrid, type RatioGridOptions } from './ratio-grid.js';

/** Requests and errors of one version over one interval. */
export interface ArmCounts {
  requests: number;
  errors: number;
}

/** Both versions measured over the same interval. */
export interface IntervalCounts {
  canary: ArmCounts;
  stable: ArmCounts;
}

/** Settings of the error-rate test. */
export interface ErrorRateTestOptions extends RatioGridOptions {
  /** False-alarm rate: the chance of ever failing a canary that is no worse than the tolerance (default 0.01). */
  alpha?: number;
  /** Smallest regression worth catching: the null is canary rate ≤ stable rate × (1 + tolerance) (default 0). */
  tolerance?: number;
}

/** Default false-alarm rate of the sequential tests. */
export const DEFAULT_ALPHA = 0.01;

/** The running state of an error-rate test: sufficient statistics, folded one interval at a time. */
export interface ErrorRateState {
  readonly alpha: number;
  readonly tolerance: number;
  readonly grid: RatioGrid;
  /** Log-likelihood of all intervals' conditional error splits at each grid ratio. */
  readonly logLikelihood: Float64Array;
  readonly canary: ArmCounts;
  readonly stable: ArmCounts;
  readonly intervals: number;
}

/** Starts an error-rate test with nothing observed. */
export function createErrorRateState(options: ErrorRateTestOptions = {}): ErrorRateState {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const tolerance = options.tolerance ?? 0;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must lie strictly between 0 and 1, got ${alpha}`);
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new RangeError(`tolerance must be a finite number >= 0, got ${tolerance}`);
  const grid = createRatioGrid(1 + tolerance, options);
  return {
    alpha,
    tolerance,
    grid,
    logLikelihood: new Float64Array(grid.logRatios.length),
    canary: { requests: 0, errors: 0 },
    stable: { requests: 0, errors: 0 },
    intervals: 0,
  };
}

/** Adds one interval's counts to the state (returns a new state; the old one is unchanged). */
export function addErrorRateInterval(state: ErrorRateState, interval: IntervalCounts): ErrorRateState {
  checkArm('canary', interval.canary);
  checkArm('stable', interval.stable);
  const { canary, stable } = interval;
  const logLikelihood = Float64Array.from(state.logLikelihood);
  const errors = canary.errors + stable.errors;
  // An interval without errors, or with one arm idle, says nothing about the ratio.
  if (errors > 0 && canary.requests > 0 && stable.requests > 0) {
    const share = canary.requests / (canary.requests + stable.requests);
    const logShare = Math.log(share);
    const logRest = Math.log1p(-share);
    const { logRatios, ratios } = state.grid;
    for (let j = 0; j < logLikelihood.length; j++) {
      // log θ_j = log(ρ_j·s) − log(ρ_j·s + 1 − s), log(1 − θ_j) = log(1 − s) − log(ρ_j·s + 1 − s).
      const logDenominator = Math.log(ratios[j]! * share + (1 - share));
      logLikelihood[j] = logLikelihood[j]! + canary.errors * (logRatios[j]! + logShare - logDenominator) + stable.errors * (logRest - logDenominator);
    }
  }
  return {
    ...state,
    logLikelihood,
    canary: { requests: state.canary.requests + canary.requests, errors: state.canary.errors + canary.errors },
    stable: { requests: state.stable.requests + stable.requests, errors: state.stable.errors + stable.errors },
    intervals: state.intervals + 1,
  };
}

/** Folds a list of intervals into a fresh state. */
export function errorRateStateOf(intervals: readonly IntervalCounts[], options: ErrorRateTestOptions = {}): ErrorRateState {
  return intervals.reduce(addErrorRateInterval, createErrorRateState(options));
}

function checkArm(name: string, arm: ArmCounts): void {
  const { requests, errors } = arm;
  if (!Number.isInteger(requests) || requests < 0) throw new RangeError(`${name} requests must be an integer >= 0, got ${requests}`);
  if (!Number.isInteger(errors) || errors < 0 || errors > requests) {
    throw new RangeError(`${name} errors must be an integer between 0 and its requests (${requests}), got ${errors}`);
  }
}

/**
 * Log e-value against "ρ ≤ ρ_j" (side `worse`, alternatives above) or "ρ ≥ ρ_j" (side `better`, alternatives
 * below) at grid index j.
 */
export function ratioLogEValue(state: ErrorRateState, j: number, side: 'worse' | 'better'): number {
  const { logLikelihood, grid } = state;
  const from = side === 'worse' ? j + 1 : 0;
  const to = side === 'worse' ? logLikelihood.length : j;
  if (from >= to) return -Infinity;
  const term = (k: number): number => grid.logWeights[Math.abs(k - j)]! + logLikelihood[k]! - logLikelihood[j]!;
  // Sum in log space, shifted by the largest term.
  let high = -Infinity;
  for (let k = from; k < to; k++) high = Math.max(high, term(k));
  if (high === -Infinity) return -Infinity;
  let sum = 0;
  for (let k = from; k < to; k++) sum += Math.exp(term(k) - high);
  return high + Math.log(sum);
}

/** The evidence of both decisions at the tolerance boundary ρ0, cheap enough to check after every interval. */
export function errorRateEvidence(state: ErrorRateState): { logEWorse: number; logEEquivalent: number } {
  return {
    logEWorse: ratioLogEValue(state, state.grid.center, 'worse'),
    logEEquivalent: ratioLogEValue(state, state.grid.center, 'better'),
  };
}
