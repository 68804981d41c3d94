import { describe, expect, it } from 'vitest';
import { exceedance, expectation, expectedLatencyRequests, normalUpperTail } from './theory.js';

describe('the theoretical expectation of the sequential test', () => {
  it('reads the normal upper tail at known points', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 6);
    expect(normalUpperTail(1.6448536269514722)).toBeCloseTo(0.05, 7);
    expect(normalUpperTail(-1.959963984540054)).toBeCloseTo(0.975, 6);
  });

  it('latency: E[N] = ln(1/α) / KL(Bern(p1) ‖ Bern(0.05)), worked by hand for p1 = ½, α = 0.01', () => {
    // KL(½ ‖ 0.05) = ½·ln(0.5/0.05) + ½·ln(0.5/0.95) = 1.1512925 − 0.3209272 = 0.8303653; ln 100 = 4.6051702;
    // 4.6051702 / 0.8303653 = 5.5460.
    expect(expectedLatencyRequests(0.5, 0.95, 0.01)).toBeCloseTo(5.546, 3);
    expect(expectedLatencyRequests(0.05, 0.95, 0.01)).toBe(Infinity);
  });

  it('latency: the exceedance of a log-normal at its own p95 is 5%, and 1 below an added delay', () => {
    const shape = { medianMs: 20, sigma: 0.5 };
    expect(exceedance(shape, 20 * Math.exp(0.5 * 1.6448536269514722))).toBeCloseTo(0.05, 7);
    expect(exceedance({ ...shape, addMs: 300 }, 100)).toBe(1);
  });

  it('errors: the case 1% → 5% at 20% weight, alpha 0.01, tolerance 0 is the worked example (167 canary requests)', () => {
    const shape = { requestsPerInterval: 1000, weight: 0.2, stable: { errorRate: 0.01 }, canary: { errorRate: 0.05 } };
    const result = expectation(shape, 'errors', 0.01, 0, 1.6448536269514722, 0.95);
    expect(result.canaryRequests).toBeCloseTo(167.0, 0);
    expect(result.canaryFailures).toBeCloseTo(167.0 * 0.05, 0);
  });
});
