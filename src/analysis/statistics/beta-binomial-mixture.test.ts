import { describe, expect, it } from 'vitest';
import { betaBinomialLogEValue, type MixtureSide } from './beta-binomial-mixture.js';

/** The mixture e-value as its defining integral, by Simpson's rule on the alternative side of p0. */
function integratedEValue(k: number, m: number, p0: number, side: MixtureSide, a: number, b: number): number {
  const [from, to] = side === 'greater' ? [p0, 1] : [0, p0];
  const n = 20_000;
  const h = (to - from) / n;
  const logNull = k * Math.log(p0) + m * Math.log1p(-p0);
  let numerator = 0;
  let denominator = 0;
  for (let i = 0; i <= n; i++) {
    const theta = Math.min(Math.max(from + i * h, 1e-12), 1 - 1e-12);
    const weight = i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2;
    const prior = theta ** (a - 1) * (1 - theta) ** (b - 1);
    denominator += weight * prior;
    numerator += weight * prior * Math.exp(k * Math.log(theta) + m * Math.log1p(-theta) - logNull);
  }
  return numerator / denominator;
}

describe('betaBinomialLogEValue', () => {
  it('equals its defining integral computed numerically', () => {
    const cases: Array<[number, number, number, MixtureSide, number, number]> = [
      [30, 10, 0.5, 'greater', 1, 1],
      [3, 40, 0.2, 'greater', 1, 1],
      [12, 28, 1 / 6, 'greater', 2, 5],
      [90, 10, 0.95, 'less', 9.5, 0.5],
      [200, 0, 0.95, 'greater', 47.5, 2.5],
      [0, 25, 0.3, 'less', 1, 1],
    ];
    for (const [k, m, p0, side, a, b] of cases) {
      const reference = integratedEValue(k, m, p0, side, a, b);
      expect(Math.abs(betaBinomialLogEValue({ successes: k, failures: m, p0, side, a, b }) - Math.log(reference))).toBeLessThan(1e-6);
    }
  });

  it('matches a hand computation: one success, p0 = ½, uniform prior on [½, 1]: E = 2·∫θ dθ·2 = 1.5', () => {
    // ∫_{½}^{1} θ dθ / ½ = 3/4, divided by the null likelihood ½.
    expect(Math.exp(betaBinomialLogEValue({ successes: 1, failures: 0, p0: 0.5, side: 'greater', a: 1, b: 1 }))).toBeCloseTo(1.5, 12);
  });

  it('is 1 with no observations and grows with evidence on its side only', () => {
    expect(betaBinomialLogEValue({ successes: 0, failures: 0, p0: 0.3, side: 'greater', a: 1, b: 1 })).toBe(0);
    const up = betaBinomialLogEValue({ successes: 60, failures: 40, p0: 0.3, side: 'greater', a: 1, b: 1 });
    const down = betaBinomialLogEValue({ successes: 60, failures: 40, p0: 0.3, side: 'less', a: 1, b: 1 });
    expect(up).toBeGreaterThan(Math.log(1e6));
    expect(down).toBeLessThan(0);
  });

  it('rejects p0 outside (0, 1)', () => {
    expect(() => betaBinomialLogEValue({ successes: 1, failures: 1, p0: 1, side: 'greater', a: 1, b: 1 })).toThrow(/p0/);
  });
});
