import { describe, expect, it } from 'vitest';
import { addExceedanceInterval, createExceedanceState, exceedanceLogEValue, type ExceedanceInterval } from './exceedance-test.js';
import { logBeta } from './special-functions.js';

/** log C(n, k). */
const logChoose = (n: number, k: number): number => -Math.log(n + 1) - logBeta(k + 1, n - k + 1);
const binomialPmf = (k: number, n: number, p: number): number => Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
const betaBinomialPmf = (k: number, n: number, a: number, b: number): number => Math.exp(logChoose(n, k) + logBeta(k + a, n - k + b) - logBeta(a, b));

/** Each grid point's likelihood ratio after one interval. */
function ratiosAfter(interval: ExceedanceInterval): { rho: number; ratio: number }[] {
  const state = addExceedanceInterval(createExceedanceState(0.01), interval);
  const { ratios, center } = state.grid;
  return Array.from({ length: ratios.length - center - 1 }, (_, d) => ({ rho: ratios[center + 1 + d]!, ratio: Math.exp(state.logRatio[center + 1 + d]!) }));
}

describe('exceedance test', () => {
  it('one canary and one stable request, the canary the slower: likelihood ratio 2ρ/(ρ + 1) in both kinds of interval', () => {
    // By hand: with equal distributions the canary is the slower of the two with probability 1/2; at ratio ρ it is
    // θ = ρs/(ρs + 1 − s) = ρ/(ρ + 1) (s = 1/2), and the placement alternative Beta(ρ, 1) gives E[U] = ρ/(ρ + 1).
    const split = ratiosAfter({ kind: 'split', canary: { requests: 1, exceedances: 1 }, stable: { requests: 1, exceedances: 0 } });
    const placement = ratiosAfter({ kind: 'placement', canary: { requests: 1, exceedances: 1 }, stable: { requests: 1, rank: 0 } });
    for (const [i, { rho, ratio }] of split.entries()) {
      expect(ratio).toBeCloseTo((2 * rho) / (rho + 1), 12);
      expect(placement[i]!.ratio).toBeCloseTo((2 * rho) / (rho + 1), 9);
    }
  });

  it('a canary above the maximum of two stable requests: the null chance is 1/3 (Beta(1, 2) coverage)', () => {
    const [first] = ratiosAfter({ kind: 'placement', canary: { requests: 1, exceedances: 1 }, stable: { requests: 2, rank: 0 } });
    // Alternative Beta(ρ, 2): E[U] = ρ/(ρ + 2); null 1/3.
    expect(first!.ratio).toBeCloseTo((3 * first!.rho) / (first!.rho + 2), 9);
  });

  it('has expectation exactly 1 under equal distributions and at most 1 when the canary exceeds less often, by enumeration', () => {
    const nC = 6;
    const nS = 9;
    for (const [pC, pS] of [[0.2, 0.2], [0.05, 0.2], [0.3, 0.3], [0.01, 0.5]] as const) {
      const expected = new Float64Array(ratiosAfter({ kind: 'split', canary: { requests: 1, exceedances: 0 }, stable: { requests: 1, exceedances: 1 } }).length);
      for (let kC = 0; kC <= nC; kC++) {
        for (let kS = 0; kS <= nS; kS++) {
          const weight = binomialPmf(kC, nC, pC) * binomialPmf(kS, nS, pS);
          ratiosAfter({ kind: 'split', canary: { requests: nC, exceedances: kC }, stable: { requests: nS, exceedances: kS } })
            .forEach(({ ratio }, j) => (expected[j] = expected[j]! + weight * ratio));
        }
      }
      for (const value of expected) expect(value).toBeLessThanOrEqual(1 + 1e-12);
    }
    // Placement: under equal distributions the canary's count is BetaBinomial(nC, rank + 1, nS − rank) exactly.
    const rank = 2;
    const expected = new Float64Array(expectedLength());
    for (let kC = 0; kC <= nC; kC++) {
      const weight = betaBinomialPmf(kC, nC, rank + 1, nS - rank);
      ratiosAfter({ kind: 'placement', canary: { requests: nC, exceedances: kC }, stable: { requests: nS, rank } }).forEach(({ ratio }, j) => (expected[j] = expected[j]! + weight * ratio));
    }
    for (const value of expected) expect(value).toBeCloseTo(1, 10);
  });

  it('mixes the grid into one e-value that grows with the canary’s excess, and counts what it saw', () => {
    let state = createExceedanceState(0.01);
    expect(exceedanceLogEValue(state)).toBeLessThan(0);
    for (let i = 0; i < 5; i++) state = addExceedanceInterval(state, { kind: 'split', canary: { requests: 100, exceedances: 15 }, stable: { requests: 900, exceedances: 45 } });
    expect(exceedanceLogEValue(state)).toBeGreaterThan(Math.log(100));
    expect(state.canary).toEqual({ requests: 500, exceedances: 75 });
    expect(state.stable).toEqual({ requests: 4500, exceedances: 225 });
    let same = createExceedanceState(0.01);
    for (let i = 0; i < 5; i++) same = addExceedanceInterval(same, { kind: 'split', canary: { requests: 100, exceedances: 5 }, stable: { requests: 900, exceedances: 45 } });
    expect(exceedanceLogEValue(same)).toBeLessThan(0);
  });

  it('rejects counts that cannot be', () => {
    const state = createExceedanceState(0.01);
    expect(() => createExceedanceState(0)).toThrow(/alpha/);
    expect(() => addExceedanceInterval(state, { kind: 'split', canary: { requests: 2, exceedances: 3 }, stable: { requests: 1, exceedances: 0 } })).toThrow(/canary exceedances/);
    expect(() => addExceedanceInterval(state, { kind: 'placement', canary: { requests: 2, exceedances: 1 }, stable: { requests: 3, rank: 3 } })).toThrow(/stable rank/);
  });
});

function expectedLength(): number {
  return ratiosAfter({ kind: 'split', canary: { requests: 1, exceedances: 0 }, stable: { requests: 1, exceedances: 1 } }).length;
}
