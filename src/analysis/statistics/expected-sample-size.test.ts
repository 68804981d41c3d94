import { describe, expect, it } from 'vitest';
import { bernoulliDivergence, expectedCanaryRequestsToDetect } from './expected-sample-size.js';

describe('expectedCanaryRequestsToDetect', () => {
  it('computes the Bernoulli divergence: KL(½ ‖ ¼) = ½ln2 + ½ln(2/3)', () => {
    expect(bernoulliDivergence(0.5, 0.25)).toBeCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(2 / 3), 14);
    expect(bernoulliDivergence(0.3, 0.3)).toBe(0);
  });

  it('worked example: 1% → 5% at 20% weight, alpha 0.01', () => {
    // θ0 = 0.2, θ1 = 0.01/0.018 = 5/9; KL = 5/9·ln(25/9) + 4/9·ln(5/9) = 0.30638; errors = ln 100 / KL = 15.03;
    // requests = errors / 0.018 = 835; the canary's 20% of them = 167.0.
    expect(expectedCanaryRequestsToDetect({ canaryRate: 0.05, stableRate: 0.01, weight: 0.2, alpha: 0.01 })).toBeCloseTo(167.0, 0);
  });

  it('is infinite for a regression inside the tolerance', () => {
    expect(expectedCanaryRequestsToDetect({ canaryRate: 0.011, stableRate: 0.01, weight: 0.2, alpha: 0.01, tolerance: 0.2 })).toBe(Infinity);
  });
});
