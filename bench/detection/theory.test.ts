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
    // Knowing stable's 1%: ln 100 / KL(Bern(0.05) ‖ Bern(0.01)) = 4.6051702 / (0.05·ln 5 + 0.95·ln(0.95/0.99))
    // = 4.6051702 / (0.0804719 − 0.0391780) = 4.6051702 / 0.0412939 = 111.52.
    expect(result.knowingStable).toBeCloseTo(111.52, 1);
  });

  it('latency comparing with stable: which version each slow request came from, worked by hand', () => {
    // p95 × 2 on a log-normal (σ 0.5) at tolerance 0: P(canary > stable's p95) = P(Z > 1.6449 − ln 2 / 0.5)
    // = P(Z > 0.25860) = 0.39799. At 10% weight θ1 = 0.1·0.39799 / (0.1·0.39799 + 0.9·0.05) = 0.46933, θ0 = 0.1;
    // KL = 0.46933·ln 4.6933 + 0.53067·ln(0.53067/0.9) = 0.72578 − 0.28046 = 0.44532 nats per slow request;
    // slow requests per canary request 0.39799 + 0.9·0.05/0.1 = 0.84799, so ln 100 / (0.44532 · 0.84799)
    // = 12.19 canary requests; knowing stable, ln 100 / KL(Bern(0.39799) ‖ Bern(0.05))
    // = 4.6052 / (0.39799·ln 7.9598 + 0.60201·ln(0.60201/0.95)) = 4.6052 / (0.82556 − 0.27460) = 8.3585.
    const latency = { medianMs: 20, sigma: 0.5 };
    const shape = { requestsPerInterval: 1000, weight: 0.1, stable: { errorRate: 0, latency }, canary: { errorRate: 0, latency: { ...latency, factor: 2 } } };
    const result = expectation(shape, 'latency', 0.01, 0, 1.6448536269514722, 0.95);
    expect(result.canaryRequests).toBeCloseTo(12.195, 2);
    expect(result.knowingStable).toBeCloseTo(8.3585, 3);
  });
});
