import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/seeded-random.js';
import { betaBinomialLogEValue } from './beta-binomial-mixture.js';
import {
  addErrorRateInterval, createErrorRateState, errorRateEvidence, errorRateStateOf, ratioLogEValue, type IntervalCounts,
} from './error-rate-test.js';
import { assessErrorRate } from './error-rate-verdict.js';
import { simulateErrorInterval } from './canary-simulation.js';

const interval = (canary: [number, number], stable: [number, number]): IntervalCounts => ({
  canary: { requests: canary[0], errors: canary[1] },
  stable: { requests: stable[0], errors: stable[1] },
});

describe('error-rate e-process', () => {
  it('equals the closed-form beta-binomial mixture when canary and stable get equal traffic', () => {
    // With equal shares θ = ρ/(1+ρ), and the grid's prior is u = θ uniform on [½, 1): the mixture is
    // B-functions in closed form. A fine grid must reproduce it (the coarse default grid is valid, only less exact).
    const cases: Array<[number, number]> = [[30, 10], [12, 9], [5, 0], [40, 60]];
    for (const [k, m] of cases) {
      const state = errorRateStateOf([interval([1000, k], [1000, m])], { stepsPerDoubling: 256, doublings: 16 });
      const closedForm = betaBinomialLogEValue({ successes: k, failures: m, p0: 0.5, side: 'greater', a: 1, b: 1 });
      expect(Math.abs(errorRateEvidence(state).logEWorse - closedForm)).toBeLessThan(0.02);
    }
  });

  it('does not depend on how the same counts are split into intervals when the share is constant', () => {
    const whole = errorRateStateOf([interval([400, 12], [1600, 8])]);
    const parts = errorRateStateOf([interval([100, 5], [400, 2]), interval([300, 7], [1200, 6])]);
    expect(errorRateEvidence(parts).logEWorse).toBeCloseTo(errorRateEvidence(whole).logEWorse, 10);
  });

  it('stays at e = 1 without errors and leaves the earlier state unchanged', () => {
    const start = createErrorRateState();
    const next = addErrorRateInterval(start, interval([200, 0], [800, 0]));
    // Only the prior mass inside the grid (8 doublings above ρ0: u up to 256/257) remains: 2·(256/257 − ½).
    expect(errorRateEvidence(next).logEWorse).toBeCloseTo(Math.log(1 - 2 / 257), 12);
    expect(start.canary.requests).toBe(0);
    expect(next.canary.requests).toBe(200);
  });

  it('rejects counts that cannot be (negative, fractional, more errors than requests), naming the field', () => {
    expect(() => errorRateStateOf([interval([10, 11], [10, 0])])).toThrow(/canary errors must be an integer between 0 and its requests \(10\), got 11/);
    expect(() => errorRateStateOf([interval([10, 1], [-1, 0])])).toThrow(/stable requests must be an integer >= 0/);
    expect(() => createErrorRateState({ alpha: 1 })).toThrow(/alpha/);
    expect(() => createErrorRateState({ tolerance: -0.1 })).toThrow(/tolerance/);
  });
});

describe('assessErrorRate', () => {
  it('fails a canary at 5% errors against 1% with a reason naming rates, bound, confidence and requests', () => {
    // 20% canary weight, 100 requests per interval, 15 intervals: 300 canary requests.
    const intervals = Array.from({ length: 15 }, () => interval([20, 1], [80, 1]));
    const verdict = assessErrorRate(errorRateStateOf(intervals, { alpha: 0.01 }));
    expect(verdict.verdict).toBe('fail');
    expect(verdict.canary).toEqual({ requests: 300, errors: 15, rate: 0.05 });
    expect(verdict.ratio).toBeCloseTo(4, 10);
    expect(verdict.eValue).toBeGreaterThanOrEqual(100);
    expect(verdict.lower).toBeGreaterThan(1);
    expect(verdict.lower).toBeLessThan(4);
    expect(verdict.upper).toBeGreaterThan(4);
    expect(verdict.reason).toMatch(/^error rate 5% vs stable 1\.25%: ratio ≥ [\d.]+ at 99% confidence after 300 canary requests \(e-value [\d.]+ ≥ 100; tolerated ratio 1\)$/);
  });

  it('keeps running while equal rates give no evidence either way, with bounds around 1', () => {
    const intervals = Array.from({ length: 10 }, () => interval([20, 1], [80, 4]));
    const verdict = assessErrorRate(errorRateStateOf(intervals, { tolerance: 0.2 }));
    expect(verdict.verdict).toBe('running');
    expect(verdict.lower).toBeLessThan(1);
    expect(verdict.upper).toBeGreaterThan(1.2);
    expect(verdict.reason).toMatch(/^error rate 5% vs stable 5%: ratio between [\d.]+ and [\d.]+ at 99% confidence after 200 canary requests; not enough evidence yet/);
  });

  it('passes early once the canary is shown within tolerance', () => {
    // Half the errors of stable, many of them: the ratio is bounded well below 1.5.
    const intervals = Array.from({ length: 40 }, () => interval([500, 5], [500, 10]));
    const verdict = assessErrorRate(errorRateStateOf(intervals, { tolerance: 0.5 }));
    expect(verdict.verdict).toBe('pass');
    expect(verdict.upper).toBeLessThanOrEqual(1.5);
    expect(verdict.reason).toMatch(/ratio ≤ [\d.]+ at 99% confidence after 20000 canary requests, within the tolerated ratio 1\.5$/);
  });

  it('reports no ratio and unbounded limits before any error', () => {
    const verdict = assessErrorRate(errorRateStateOf([interval([50, 0], [200, 0])]));
    expect(verdict.verdict).toBe('running');
    expect(verdict.ratio).toBeNull();
    expect(verdict.lower).toBe(0);
    expect(verdict.upper).toBe(Infinity);
  });

  it('has evidence against "ratio ≤ ρ" falling as ρ rises (what makes the lower bound a single test)', () => {
    const state = errorRateStateOf([interval([40, 6], [160, 3]), interval([100, 4], [100, 1]), interval([10, 0], [190, 5])]);
    const values = Array.from(state.logLikelihood, (_, j) => ratioLogEValue(state, j, 'worse'));
    for (let j = 1; j < values.length; j++) expect(values[j]!).toBeLessThanOrEqual(values[j - 1]! + 1e-9);
  });

  it('keeps the true ratio (4) inside its bounds at every tenth look in at least 1 − 2·alpha of 300 canaries', () => {
    // Seeds 700…999; canary 4%, stable 1%, 20% weight, 100 requests an interval, 200 intervals; alpha 0.05.
    let missed = 0;
    for (let run = 0; run < 300; run++) {
      const random = seededRandom(700 + run);
      let state = createErrorRateState({ alpha: 0.05 });
      for (let i = 1; i <= 200; i++) {
        state = addErrorRateInterval(state, simulateErrorInterval(random, { requestsPerInterval: 100, weight: 0.2 }, 0.04, 0.01));
        if (i % 10 !== 0) continue;
        const { lower, upper } = assessErrorRate(state);
        if (lower > 4 || upper < 4) {
          missed++;
          break;
        }
      }
    }
    console.log(`ratio bounds, alpha 0.05 per side: true ratio outside at some look in ${missed}/300 canaries`);
    expect(missed / 300).toBeLessThanOrEqual(0.1 + 3.09 * Math.sqrt((0.1 * 0.9) / 300));
  });

  it('handles a traffic share that changes between intervals (5% → 20% → 50%)', () => {
    const intervals = [
      ...Array.from({ length: 10 }, () => interval([10, 1], [190, 2])),
      ...Array.from({ length: 10 }, () => interval([40, 2], [160, 2])),
      ...Array.from({ length: 10 }, () => interval([100, 5], [100, 1])),
    ];
    const verdict = assessErrorRate(errorRateStateOf(intervals));
    expect(verdict.verdict).toBe('fail');
    expect(verdict.lower).toBeGreaterThan(2);
  });
});
