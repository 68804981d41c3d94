import { describe, expect, it } from 'vitest';
import { log1mExp, logAddExp, logBeta, logGamma, logIncompleteBeta } from './special-functions.js';

/** log P(Binomial(n, p) = j), summed directly: the reference for the incomplete beta via I_p(k, n−k+1) = P(X ≥ k). */
function logBinomialTail(n: number, p: number, k: number): number {
  const logFactorial = [0];
  for (let i = 1; i <= n; i++) logFactorial.push(logFactorial[i - 1]! + Math.log(i));
  let total = -Infinity;
  for (let j = k; j <= n; j++) {
    const term = logFactorial[n]! - logFactorial[j]! - logFactorial[n - j]! + j * Math.log(p) + (n - j) * Math.log1p(-p);
    total = logAddExp(total, term);
  }
  return total;
}

describe('logGamma', () => {
  it('matches exact values: Γ(1/2) = √π, Γ(n) = (n−1)!', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(2)).toBeCloseTo(0, 14);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    // ln(99!) = 359.13420536957539878 (Abramowitz & Stegun table 6.4 / any exact factorial).
    expect(logGamma(100)).toBeCloseTo(359.1342053695754, 9);
    // Γ(3/2) = √π/2, and the reflection branch: Γ(1/4)Γ(3/4) = π√2.
    expect(logGamma(1.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI) / 2), 13);
    expect(logGamma(0.25) + logGamma(0.75)).toBeCloseTo(Math.log(Math.PI * Math.SQRT2), 12);
  });

  it('follows the recurrence lnΓ(x+1) = lnΓ(x) + ln x and Stirling\'s series for large x', () => {
    for (const x of [0.01, 0.3, 0.7, 1.2, 3.3, 17.5, 250.25]) {
      expect(logGamma(x + 1)).toBeCloseTo(logGamma(x) + Math.log(x), 10);
    }
    for (const x of [1e4, 1e6]) {
      const stirling = (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3);
      expect(Math.abs(logGamma(x) - stirling) / stirling).toBeLessThan(1e-13);
    }
  });

  it('rejects x <= 0', () => {
    expect(() => logGamma(0)).toThrow(/x > 0/);
    expect(() => logGamma(-1)).toThrow(/x > 0/);
  });
});

describe('logBeta', () => {
  it('matches B(a, b) for small integers: B(2, 3) = 1/12, B(1, b) = 1/b', () => {
    expect(logBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 13);
    expect(logBeta(1, 7)).toBeCloseTo(Math.log(1 / 7), 13);
    expect(logBeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 13);
  });
});

describe('logIncompleteBeta', () => {
  it('matches closed forms: I_x(a,1) = x^a, I_x(1,b) = 1 − (1−x)^b, I_½(a,a) = ½', () => {
    const r1 = logIncompleteBeta(0.3, 4.5, 1);
    expect(Math.exp(r1.lower)).toBeCloseTo(0.3 ** 4.5, 14);
    expect(Math.exp(r1.upper)).toBeCloseTo(1 - 0.3 ** 4.5, 14);
    const r2 = logIncompleteBeta(0.8, 1, 2.5);
    expect(Math.exp(r2.lower)).toBeCloseTo(1 - 0.2 ** 2.5, 13);
    expect(Math.exp(r2.upper)).toBeCloseTo(0.2 ** 2.5, 14);
    for (const a of [0.5, 3, 40, 2500]) expect(Math.exp(logIncompleteBeta(0.5, a, a).lower)).toBeCloseTo(0.5, 10);
  });

  it('matches I_0.4(2, 3) = 0.5248 (= P(Binomial(4, 0.4) ≥ 2), summed by hand)', () => {
    expect(Math.exp(logIncompleteBeta(0.4, 2, 3).lower)).toBeCloseTo(0.5248, 13);
  });

  it('matches binomial tails summed directly, including tails far below double precision', () => {
    // I_p(k, n − k + 1) = P(Binomial(n, p) ≥ k).
    const cases: Array<[number, number, number]> = [
      [1000, 0.3, 281], [1000, 0.3, 350], [1000, 0.01, 100], [5000, 0.95, 4700], [200, 0.5, 190], [60, 0.2, 1],
    ];
    for (const [n, p, k] of cases) {
      const reference = logBinomialTail(n, p, k);
      const { lower, upper } = logIncompleteBeta(p, k, n - k + 1);
      // Both sides difference log-factorials near 4e4 for n = 5000, so agreement is to about 1e-11 relative of those.
      expect(Math.abs(lower - reference)).toBeLessThan(5e-8 * Math.max(1, Math.abs(reference)));
      expect(Math.abs(upper - log1mExp(Math.min(reference, 0)))).toBeLessThan(5e-8);
    }
    // P(Binomial(1000, 0.01) >= 100) is about 1e-64 (checked against the direct sum above): far below 1 − 1e-16.
    expect(logIncompleteBeta(0.01, 100, 901).lower).toBeLessThan(-140);
  });

  it('rejects bad arguments', () => {
    expect(() => logIncompleteBeta(1.5, 1, 1)).toThrow(/0 <= x <= 1/);
    expect(() => logIncompleteBeta(0.5, 0, 1)).toThrow(/a, b > 0/);
  });
});
