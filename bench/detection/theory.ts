/**
 * The theoretical yardsticks of the detection benchmark: the expected sample size of a sequential probability ratio
 * test (SPRT) that knows the true regression, by Wald's approximation (A. Wald, "Sequential Analysis", 1947,
 * §3.2; equivalently, an e-process grows by KL nats per observation, so it reaches 1/alpha after about
 * log(1/alpha)/KL of them):
 *
 *     E[N] ≈ log(1/alpha) / KL(P_alternative ‖ P_null)   per observation
 *
 * (Wald's full expression is [(1−β)·log((1−β)/alpha) + β·log(β/(1−alpha))] / KL; with power 1−β → 1 it is the
 * one above; it ignores the overshoot of the last step, so a real SPRT needs slightly more.) A test that must
 * work without knowing the regression (a mixture, as glidepath's) pays a logarithmic premium over it; a test
 * looked at only now and then rounds up to whole looks.
 *
 * Two SPRTs, both knowing the regression:
 *
 * - comparing with stable (the yardstick of the goal): like the judge, it does not know stable's rate or p95 and
 *   compares with stable's requests of the same time. It watches the events that matter — an error; for latency,
 *   a canary request slower than c = (1 + tolerance) × stable's p-quantile or a stable request slower than that
 *   quantile — and which version each came from, θ(ρ) = ρ·w / (ρ·w + 1 − w) (src/analysis/statistics/
 *   expected-sample-size.ts): errors with null ρ0 = 1 + tolerance and ρ1 = canary rate / stable rate; latency with
 *   null ρ0 = 1 and ρ1 = P(canary > c) / (1 − p) (the tolerance is in c).
 * - knowing stable exactly (a stricter reference): stable's rate or p-quantile given, it watches canary requests
 *   only: errors Bernoulli(canary rate) against Bernoulli(stable rate × (1 + tolerance)); latency whether a canary
 *   request exceeds c, Bernoulli(P(canary > c)) against Bernoulli(1 − p). No judge that must learn stable from
 *   its traffic can reach it; the share of information stable's noise leaves is what separates the two.
 */
import { bernoulliDivergence, expectedCanaryRequestsToDetect } from '../../src/analysis/statistics/expected-sample-size.js';
import { latencyQuantile, type StreamShape, type VersionBehaviour } from './streams.js';

/** Expected canary requests (and the errors among them) until a knowing SPRT fails the canary. */
export interface Expectation {
  /** The SPRT comparing with stable's requests of the same time (the goal's yardstick). */
  canaryRequests: number;
  canaryFailures: number;
  /** The SPRT that knows stable's rate or quantile exactly. */
  knowingStable: number;
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

/** Expected canary requests of an SPRT on canary requests alone: log(1/alpha) / KL(Bernoulli(p1) ‖ Bernoulli(p0)). */
function expectedCanaryOnlyRequests(p1: number, p0: number, alpha: number): number {
  if (!(p1 > p0)) return Infinity;
  return Math.log(1 / alpha) / bernoulliDivergence(p1, p0);
}

/** Expected canary requests of the exceedance SPRT: log(1/alpha) / KL(Bernoulli(p1) ‖ Bernoulli(1 − quantile)). */
export function expectedLatencyRequests(p1: number, quantile: number, alpha: number): number {
  return expectedCanaryOnlyRequests(p1, 1 - quantile, alpha);
}

/** The theoretical expectations for one case of the benchmark. */
export function expectation(shape: StreamShape, kind: 'errors' | 'latency', alpha: number, tolerance: number, zQuantile: number, quantile: number): Expectation {
  const canaryRate = shape.canary.errorRate;
  const weight = shape.weight;
  if (kind === 'errors') {
    const stableRate = shape.stable.errorRate;
    const canaryRequests = expectedCanaryRequestsToDetect({ canaryRate, stableRate, weight, alpha, tolerance });
    const knowingStable = expectedCanaryOnlyRequests(canaryRate, stableRate * (1 + tolerance), alpha);
    return { canaryRequests, canaryFailures: canaryRequests * canaryRate, knowingStable };
  }
  const stable = shape.stable.latency;
  const canary = shape.canary.latency;
  if (!stable || !canary) throw new Error('a latency case needs both versions’ latency');
  const above = exceedance(canary, (1 + tolerance) * latencyQuantile(stable, zQuantile));
  const canaryRequests = expectedCanaryRequestsToDetect({ canaryRate: above, stableRate: 1 - quantile, weight, alpha });
  return { canaryRequests, canaryFailures: canaryRequests * canaryRate, knowingStable: expectedLatencyRequests(above, quantile, alpha) };
}
