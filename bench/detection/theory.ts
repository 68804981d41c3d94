/**
 * The theoretical yardstick of the detection benchmark: the expected sample size of a sequential probability ratio
 * test (SPRT) that knows the true regression, by Wald's approximation (A. Wald, "Sequential Analysis", 1947,
 * §3.2; equivalently, an e-process grows by KL nats per observation, so it reaches 1/alpha after about
 * log(1/alpha)/KL of them):
 *
 *     E[N] ≈ log(1/alpha) / KL(P_alternative ‖ P_null)   per observation
 *
 * (Wald's full expression is [(1−β)·log((1−β)/alpha) + β·log(β/(1−alpha))] / KL; with power 1−β → 1 it is the
 * one above; it ignores the overshoot of the last step, so a real SPRT needs slightly more.) A test that must
 * work without knowing the regression (a mixture, as glidepath's) pays a logarithmic premium over it; a test
 * looked at once per interval rounds up to whole intervals.
 *
 * - Errors: the SPRT is the one of src/analysis/statistics/expected-sample-size.ts, on which version each error
 *   came from (θ(ρ) = ρ·w / (ρ·w + 1 − w)), null ρ0 = 1 + tolerance, alternative ρ1 = canary rate / stable rate.
 * - Latency: an SPRT on the canary's exceedances of the tolerated bound c = (1 + tolerance) × stable's true
 *   p-quantile, with stable known exactly: under the null (canary's p-quantile ≤ c) a canary request exceeds c
 *   with probability ≤ 1 − p; under the regression with probability p1 = P(canary latency > c). So
 *   E[N] ≈ log(1/alpha) / KL(Bernoulli(p1) ‖ Bernoulli(1 − p)) canary requests.
 */
import { bernoulliDivergence, expectedCanaryRequestsToDetect } from '../../src/analysis/statistics/expected-sample-size.js';
import { latencyQuantile, type StreamShape, type VersionBehaviour } from './streams.js';

/** Expected canary requests (and the errors among them) until a knowing SPRT fails the canary. */
export interface Expectation {
  canaryRequests: number;
  canaryFailures: number;
}

/** Standard normal upper tail P(Z > x) (Abramowitz & Stegun 26.2.17, absolute error < 7.5e-8). */
export function normalUpperTail(x: number): number {
  if (x < 0) return 1 - normalUpperTail(-x);
  const t = 1 / (1 + 0.2316419 * x);
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return (Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI)) * poly;
}

/** P(latency > c) for a log-normal latency median·exp(σ·Z)·factor + addMs. */
export function exceedance(shape: NonNullable<VersionBehaviour['latency']>, c: number): number {
  const scaled = (c - (shape.addMs ?? 0)) / (shape.medianMs * (shape.factor ?? 1));
  if (scaled <= 0) return 1;
  return normalUpperTail(Math.log(scaled) / shape.sigma);
}

/** Expected canary requests of the exceedance SPRT: log(1/alpha) / KL(Bernoulli(p1) ‖ Bernoulli(1 − quantile)). */
export function expectedLatencyRequests(p1: number, quantile: number, alpha: number): number {
  const p0 = 1 - quantile;
  if (!(p1 > p0)) return Infinity;
  return Math.log(1 / alpha) / bernoulliDivergence(p1, p0);
}

/** The theoretical expectation for one case of the benchmark. */
export function expectation(shape: StreamShape, kind: 'errors' | 'latency', alpha: number, tolerance: number, zQuantile: number, quantile: number): Expectation {
  const canaryRate = shape.canary.errorRate;
  if (kind === 'errors') {
    const canaryRequests = expectedCanaryRequestsToDetect({ canaryRate, stableRate: shape.stable.errorRate, weight: shape.weight, alpha, tolerance });
    return { canaryRequests, canaryFailures: canaryRequests * canaryRate };
  }
  const stable = shape.stable.latency;
  const canary = shape.canary.latency;
  if (!stable || !canary) throw new Error('a latency case needs both versions’ latency');
  const bound = (1 + tolerance) * latencyQuantile(stable, zQuantile);
  const canaryRequests = expectedLatencyRequests(exceedance(canary, bound), quantile, alpha);
  return { canaryRequests, canaryFailures: canaryRequests * canaryRate };
}
