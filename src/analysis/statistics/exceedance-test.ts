/**
 * A two-sample sequential test of exceedances: is the canary's share of requests above a threshold larger than
 * stable's share above a matching threshold? Each interval contributes one likelihood ratio per grid point ρ > 1
 * (ρ: how many times more often the canary exceeds), of one of two kinds:
 *
 * - split: stable's threshold x was fixed before the interval (from earlier intervals); the interval counts
 *   K_S of n_S stable requests above x and K_C of n_C canary requests above the canary's threshold. With
 *   s = n_C / (n_C + n_S) and θ(ρ) = ρs / (ρs + 1 − s), the ratio is (θ/s)^K_C · ((1 − θ)/(1 − s))^K_S. Whenever
 *   the canary's exceedance probability p_C is at most stable's p_S, its expectation is at most
 *   exp(N·(θ − s)·(p_C − p_S)) ≤ 1 (independent binomials, 1 + z ≤ e^z), whatever p_S is.
 * - placement: no earlier stable data, so x is the (j+1)-th largest stable latency of the interval itself, with
 *   j = ⌊(1 − q)·n_S⌋ fixed by n_S alone. The probability above that order statistic is Beta(j + 1, n_S − j)
 *   whatever stable's (continuous) distribution, so a canary no more likely than stable to exceed it has a count
 *   stochastically at most BetaBinomial(n_C, j + 1, n_S − j); the ratio BetaBinomial(ρ(j + 1), n_S − j) /
 *   BetaBinomial(j + 1, n_S − j) increases with the count, so its expectation is at most 1.
 *
 * Every interval's ratio has conditional expectation ≤ 1 given the past, so for each ρ their product is a test
 * supermartingale, and so is the fixed-weight mixture over ρ > 1 (the ratio grid's prior): by Ville's inequality it
 * ever reaches 1/alpha with probability at most alpha, however often it is looked at.
 */
import { createRatioGrid, type RatioGrid } from './ratio-grid.js';
import { logBeta } from './special-functions.js';

/** Requests of one version in one interval and how many of them exceeded its threshold. */
export interface ExceedanceCounts {
  requests: number;
  exceedances: number;
}

/** One interval's counts: a `split` against stable's counts, or a `placement` against stable's j-th largest. */
export type ExceedanceInterval =
  | { kind: 'split'; canary: ExceedanceCounts; stable: ExceedanceCounts }
  | { kind: 'placement'; canary: ExceedanceCounts; stable: { requests: number; rank: number } };

/** The running state of an exceedance test: log-likelihood ratios per grid point, and the counts so far. */
export interface ExceedanceState {
  readonly alpha: number;
  readonly grid: RatioGrid;
  /** Sum over intervals of each grid point's log-likelihood ratio against ρ = 1 (the center). */
  readonly logRatio: Float64Array;
  readonly canary: ExceedanceCounts;
  readonly stable: ExceedanceCounts;
  readonly intervals: number;
}

/** Starts an exceedance test with nothing observed. */
export function createExceedanceState(alpha: number): ExceedanceState {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must lie strictly between 0 and 1, got ${alpha}`);
  const grid = createRatioGrid(1);
  const none = { requests: 0, exceedances: 0 };
  return { alpha, grid, logRatio: new Float64Array(grid.ratios.length), canary: none, stable: none, intervals: 0 };
}

function checkCounts(name: string, counts: ExceedanceCounts): void {
  const { requests, exceedances } = counts;
  if (!Number.isInteger(requests) || requests < 0) throw new RangeError(`${name} requests must be an integer >= 0, got ${requests}`);
  if (!Number.isInteger(exceedances) || exceedances < 0 || exceedances > requests) {
    throw new RangeError(`${name} exceedances must be an integer between 0 and its requests (${requests}), got ${exceedances}`);
  }
}

/** Adds one interval's counts (returns a new state; the old one is unchanged). */
export function addExceedanceInterval(state: ExceedanceState, interval: ExceedanceInterval): ExceedanceState {
  checkCounts('canary', interval.canary);
  const logRatio = Float64Array.from(state.logRatio);
  const { ratios, center } = state.grid;
  let stable: ExceedanceCounts;
  if (interval.kind === 'split') {
    checkCounts('stable', interval.stable);
    stable = interval.stable;
    const { requests: nC, exceedances: kC } = interval.canary;
    const { requests: nS, exceedances: kS } = interval.stable;
    if (nC > 0 && nS > 0 && kC + kS > 0) {
      const s = nC / (nC + nS);
      for (let j = center + 1; j < ratios.length; j++) {
        // log(θ/s) = log ρ − log(ρs + 1 − s); log((1 − θ)/(1 − s)) = −log(ρs + 1 − s).
        const logDenominator = Math.log(ratios[j]! * s + 1 - s);
        logRatio[j] = logRatio[j]! + kC * (Math.log(ratios[j]!) - logDenominator) - kS * logDenominator;
      }
    }
  } else {
    const { requests: nS, rank } = interval.stable;
    if (!Number.isInteger(nS) || nS < 1 || !Number.isInteger(rank) || rank < 0 || rank >= nS) {
      throw new RangeError(`stable rank must be an integer in 0…${nS - 1} of ${nS} requests, got ${rank}`);
    }
    const { requests: nC, exceedances: kC } = interval.canary;
    const a = rank + 1;
    const b = nS - rank;
    const null0 = logBeta(kC + a, nC - kC + b) - logBeta(a, b);
    for (let j = center + 1; j < ratios.length; j++) {
      const ra = ratios[j]! * a;
      logRatio[j] = logRatio[j]! + logBeta(kC + ra, nC - kC + b) - logBeta(ra, b) - null0;
    }
    stable = { requests: nS, exceedances: rank };
  }
  return {
    ...state,
    logRatio,
    canary: { requests: state.canary.requests + interval.canary.requests, exceedances: state.canary.exceedances + interval.canary.exceedances },
    stable: { requests: state.stable.requests + stable.requests, exceedances: state.stable.exceedances + stable.exceedances },
    intervals: state.intervals + 1,
  };
}

/** The log e-value against "the canary exceeds no more often than stable": the prior-weighted mixture over ρ > 1. */
export function exceedanceLogEValue(state: ExceedanceState): number {
  const { logRatio, grid } = state;
  const { center, logWeights } = grid;
  let high = -Infinity;
  for (let j = center + 1; j < logRatio.length; j++) high = Math.max(high, logWeights[j - center]! + logRatio[j]!);
  if (high === -Infinity) return -Infinity;
  let sum = 0;
  for (let j = center + 1; j < logRatio.length; j++) sum += Math.exp(logWeights[j - center]! + logRatio[j]! - high);
  return high + Math.log(sum);
}
