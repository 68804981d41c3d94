/**
 * A time-uniform confidence sequence for one quantile of a latency distribution, after Howard & Ramdas,
 * "Sequential estimation of quantiles with applications to A/B-testing and best-arm identification" (Bernoulli
 * 28(3), 2022): for the true p-quantile q, the indicators 1{X_i ≤ q} are Bernoulli(≥ p) and 1{X_i < q} are
 * Bernoulli(≤ p), so a one-sided beta-binomial mixture e-value on each is a test supermartingale. A candidate x
 * stays in the sequence while neither mixture, evaluated at x's counts, has reached 1/alpha; since the mixtures
 * are monotone in the count, the sequence is an interval between two order statistics. The bounds hold at every
 * sample size simultaneously: each side is wrong at any time with probability at most `alphaPerSide`.
 */
import { betaBinomialLogEValue } from './beta-binomial-mixture.js';
import { orderStatistic, type LatencyDistribution } from './latency-distribution.js';

/**
 * Prior concentration of the beta mixtures (Beta(p·c, (1−p)·c), truncated to each side of p): the sequence is
 * tightest near c observations and loses only a log factor elsewhere.
 */
export const DEFAULT_QUANTILE_CONCENTRATION = 100;

/** Time-uniform bounds on one quantile. */
export interface QuantileBounds {
  quantile: number;
  count: number;
  /** The empirical quantile (null without observations). */
  estimate: number | null;
  /** Lower bound (0 while the data cannot bound it). */
  lower: number;
  /** Upper bound (Infinity while the data cannot bound it). */
  upper: number;
}

/** Bounds the p-quantile of the distribution behind these observations, each side at level alphaPerSide. */
export function quantileConfidenceSequence(
  distribution: LatencyDistribution,
  quantile: number,
  alphaPerSide: number,
  concentration = DEFAULT_QUANTILE_CONCENTRATION,
): QuantileBounds {
  if (!(quantile > 0 && quantile < 1)) throw new RangeError(`quantile must lie strictly between 0 and 1, got ${quantile}`);
  if (!(alphaPerSide > 0 && alphaPerSide < 1)) throw new RangeError(`alpha must lie strictly between 0 and 1, got ${alphaPerSide}`);
  const t = distribution.total;
  if (t === 0) return { quantile, count: 0, estimate: null, lower: 0, upper: Infinity };
  const logThreshold = -Math.log(alphaPerSide);
  const a = quantile * concentration;
  const b = (1 - quantile) * concentration;
  const evidence = (k: number, side: 'greater' | 'less'): number =>
    betaBinomialLogEValue({ successes: k, failures: t - k, p0: quantile, side, a, b });
  // Smallest count k whose "fewer than p below" evidence stays under the threshold (decreasing in k).
  const kLow = firstTrue(0, t, (k) => evidence(k, 'less') < logThreshold);
  // Largest count k whose "more than p below" evidence stays under the threshold (increasing in k).
  const kHigh = firstTrue(0, t + 1, (k) => k > t || evidence(k, 'greater') >= logThreshold) - 1;
  return {
    quantile,
    count: t,
    estimate: orderStatistic(distribution, Math.max(1, Math.ceil(t * quantile))).estimate,
    lower: kLow === 0 ? 0 : orderStatistic(distribution, kLow).lower,
    upper: kHigh >= t ? Infinity : orderStatistic(distribution, kHigh + 1).upper,
  };
}

/** The smallest integer in [from, to] where a monotone (false…true) predicate holds; `to` if it holds only there. */
function firstTrue(from: number, to: number, predicate: (k: number) => boolean): number {
  let low = from;
  let high = to;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (predicate(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}
