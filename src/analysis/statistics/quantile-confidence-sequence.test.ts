import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/seeded-random.js';
import { betaBinomialLogEValue } from './beta-binomial-mixture.js';
import { latencyDistribution, orderStatistic } from './latency-distribution.js';
import { DEFAULT_QUANTILE_CONCENTRATION, quantileConfidenceSequence } from './quantile-confidence-sequence.js';
import { logIncompleteBeta } from './special-functions.js';

const exponentialSamples = (seed: number, n: number): number[] => {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => -Math.log(1 - random()) * 100);
};

describe('quantileConfidenceSequence', () => {
  it('is the set of order statistics whose mixture evidence stays below 1/alpha (checked by scanning every k)', () => {
    const samples = exponentialSamples(7, 400);
    const d = latencyDistribution(samples);
    const p = 0.95;
    const alpha = 0.005;
    const [a, b] = [p * DEFAULT_QUANTILE_CONCENTRATION, (1 - p) * DEFAULT_QUANTILE_CONCENTRATION];
    const accepted: number[] = [];
    for (let k = 0; k <= 400; k++) {
      const less = betaBinomialLogEValue({ successes: k, failures: 400 - k, p0: p, side: 'less', a, b });
      const greater = betaBinomialLogEValue({ successes: k, failures: 400 - k, p0: p, side: 'greater', a, b });
      if (less < -Math.log(alpha) && greater < -Math.log(alpha)) accepted.push(k);
    }
    const bounds = quantileConfidenceSequence(d, p, alpha);
    expect(bounds.lower).toBe(orderStatistic(d, accepted[0]!).lower);
    expect(bounds.upper).toBe(orderStatistic(d, accepted.at(-1)! + 1).upper);
    expect(bounds.estimate).toBe(orderStatistic(d, 380).estimate);
  });

  it('is wider than the fixed-sample distribution-free interval at the same level (the price of looking any time)', () => {
    // Fixed-sample: P(X_(r) > q) = P(Binomial(n, p) < r) = I_{1−p}(n−r+1, r); choose the largest r with that ≤ alpha.
    const n = 1000;
    const p = 0.95;
    const alpha = 0.005;
    let r = 1;
    while (Math.exp(logIncompleteBeta(1 - p, n - (r + 1) + 1, r + 1).lower) <= alpha) r++;
    const d = latencyDistribution(exponentialSamples(11, n));
    const bounds = quantileConfidenceSequence(d, p, alpha);
    expect(bounds.lower).toBeLessThanOrEqual(orderStatistic(d, r).lower);
    // …but not absurdly: within 25 order statistics of it at n = 1000.
    expect(bounds.lower).toBeGreaterThanOrEqual(orderStatistic(d, r - 25).lower);
  });

  it('is unbounded without data and shrinks as data arrives', () => {
    expect(quantileConfidenceSequence(latencyDistribution([]), 0.95, 0.01)).toEqual({ quantile: 0.95, count: 0, estimate: null, lower: 0, upper: Infinity });
    const small = quantileConfidenceSequence(latencyDistribution(exponentialSamples(3, 50)), 0.95, 0.01);
    expect(small.upper).toBe(Infinity);
    const large = quantileConfidenceSequence(latencyDistribution(exponentialSamples(3, 5000)), 0.95, 0.01);
    // True p95 of an exponential with mean 100 ms: 100·ln 20 = 299.6 ms.
    expect(large.lower).toBeLessThan(299.6);
    expect(large.upper).toBeGreaterThan(299.6);
    expect(large.upper - large.lower).toBeLessThan(80);
  });

  it('covers the true p95 at every look in at least 1 − 2·alpha of 400 runs (alpha = 0.05 per side)', () => {
    // Seeds 100…499, exponential latencies (mean 100 ms, p95 = 299.57 ms), a look after every 10 samples up to 1000.
    const truth = 100 * Math.log(20);
    let missed = 0;
    for (let run = 0; run < 400; run++) {
      const samples = exponentialSamples(100 + run, 1000);
      const counts = new Array<number>(2000).fill(0);
      const upperBounds = Array.from({ length: 2000 }, (_, i) => (i + 1) * 1);
      for (let look = 10; look <= 1000; look += 10) {
        for (const value of samples.slice(look - 10, look)) counts[Math.min(1999, Math.floor(value))]! += 1;
        const bounds = quantileConfidenceSequence(latencyDistribution({ upperBounds, counts }), 0.95, 0.05);
        if (bounds.lower > truth || bounds.upper < truth) {
          missed++;
          break;
        }
      }
    }
    console.log(`p95 confidence sequence, alpha 0.05 per side: missed at some look in ${missed}/400 runs`);
    // Bound: 0.1 plus the binomial 99.9% margin for 400 runs.
    expect(missed / 400).toBeLessThanOrEqual(0.1 + 3.09 * Math.sqrt((0.1 * 0.9) / 400));
  });
});
