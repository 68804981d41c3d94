/**
 * Latency histograms as exceedance counts for the two-sample exceedance test (exceedance-test.ts). For each
 * interval, stable's threshold x is a bucket bound near stable's chosen quantile, and the canary's threshold the
 * first bucket bound at or above (1 + tolerance)·x, so both counts are exact (a bucket holds (lower, upper]) and
 * rounding only makes the canary's threshold higher. Stable's threshold comes from stable's latencies of earlier
 * intervals when there are any (fixed before the interval: a `split` interval); in the first interval it is the
 * bound of the bucket holding stable's (j+1)-th largest latency of that interval, j = ⌊(1 − quantile)·n⌋ (a
 * `placement` interval).
 */
import { latencyDistribution, orderStatistic, type LatencyHistogram } from './latency-distribution.js';
import { addExceedanceInterval, createExceedanceState, type ExceedanceInterval, type ExceedanceState } from './exceedance-test.js';

/** What one interval of latencies was turned into: the thresholds and the counts. */
export interface LatencyExceedances {
  interval: ExceedanceInterval;
  /** Stable's threshold in ms. */
  stableThreshold: number;
  /** The canary's threshold in ms: the first bucket bound ≥ (1 + tolerance) × stable's. */
  canaryThreshold: number;
}

/** Observations above a bucket bound of the histogram (`bound` must be one of its bounds, or Infinity). */
export function countAbove(histogram: LatencyHistogram, bound: number): number {
  let above = 0;
  histogram.upperBounds.forEach((upper, i) => {
    if (upper > bound) above += histogram.counts[i]!;
  });
  return above;
}

/** The first bound of the histogram at or above a latency (Infinity past the last). */
export function boundAtOrAbove(histogram: LatencyHistogram, latency: number): number {
  return histogram.upperBounds.find((upper) => upper >= latency) ?? Infinity;
}

const total = (histogram: LatencyHistogram): number => histogram.counts.reduce((sum, count) => sum + count, 0);

/**
 * Turns one interval's histograms into exceedance counts. `stableBefore` holds stable's latencies of the earlier
 * intervals (since analysis started); null when there are none. Returns null when the interval cannot be counted
 * (no stable or canary requests in it, or stable's threshold in the open bucket).
 */
export function latencyExceedances(
  interval: { canary: LatencyHistogram; stable: LatencyHistogram; stableBefore: LatencyHistogram | null },
  quantile: number,
  tolerance: number,
): LatencyExceedances | null {
  const nC = total(interval.canary);
  const nS = total(interval.stable);
  if (nC === 0 || nS === 0) return null;
  const before = interval.stableBefore;
  const earlier = before === null ? 0 : total(before);
  if (before !== null && earlier > 0) {
    const x = orderStatistic(latencyDistribution(before), Math.max(1, Math.ceil(earlier * quantile))).upper;
    if (!Number.isFinite(x) || !interval.stable.upperBounds.includes(x)) return null;
    const c = boundAtOrAbove(interval.canary, (1 + tolerance) * x);
    return {
      interval: {
        kind: 'split',
        canary: { requests: nC, exceedances: countAbove(interval.canary, c) },
        stable: { requests: nS, exceedances: countAbove(interval.stable, x) },
      },
      stableThreshold: x,
      canaryThreshold: c,
    };
  }
  const rank = Math.floor((1 - quantile) * nS);
  // The (rank+1)-th largest is the (nS − rank)-th smallest; the top of its bucket is at or above it.
  const x = orderStatistic(latencyDistribution(interval.stable), nS - rank).upper;
  if (!Number.isFinite(x)) return null;
  const c = boundAtOrAbove(interval.canary, (1 + tolerance) * x);
  return {
    interval: { kind: 'placement', canary: { requests: nC, exceedances: countAbove(interval.canary, c) }, stable: { requests: nS, rank } },
    stableThreshold: x,
    canaryThreshold: c,
  };
}

/** The latency comparison's exceedance test over the intervals so far, with the last interval's thresholds. */
export interface LatencyExceedanceState {
  test: ExceedanceState;
  /** The last counted interval's thresholds in ms (null before any). */
  stableThreshold: number | null;
  canaryThreshold: number | null;
}

/** Starts the latency comparison's exceedance test. */
export function createLatencyExceedanceState(alpha: number): LatencyExceedanceState {
  return { test: createExceedanceState(alpha), stableThreshold: null, canaryThreshold: null };
}

/** Adds one interval's histograms (see latencyExceedances); an interval that cannot be counted changes nothing. */
export function addLatencyInterval(
  state: LatencyExceedanceState,
  interval: { canary: LatencyHistogram; stable: LatencyHistogram; stableBefore: LatencyHistogram | null },
  quantile: number,
  tolerance: number,
): LatencyExceedanceState {
  const counted = latencyExceedances(interval, quantile, tolerance);
  if (counted === null) return state;
  return {
    test: addExceedanceInterval(state.test, counted.interval),
    stableThreshold: counted.stableThreshold,
    canaryThreshold: counted.canaryThreshold,
  };
}
