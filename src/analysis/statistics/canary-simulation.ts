/**
 * Simulated canary traffic from a seeded PRNG, for property tests and benchmarks of the sequential tests: each
 * request goes to the canary with probability `weight`, fails with its version's error rate, and takes a latency
 * drawn from its version's distribution.
 */
import type { IntervalCounts } from './error-rate-test.js';

/** A uniform [0, 1) random source (see shared/seeded-random.ts). */
export type Random = () => number;

/** Traffic of one simulated interval. */
export interface TrafficShape {
  /** Requests across both versions per interval. */
  requestsPerInterval: number;
  /** The canary's share of requests, 0…1. */
  weight: number;
}

/** Draws one interval's request and error counts for both versions (each request routed and failed independently). */
export function simulateErrorInterval(random: Random, shape: TrafficShape, canaryRate: number, stableRate: number): IntervalCounts {
  const canaryRequests = binomial(random, shape.requestsPerInterval, shape.weight);
  const stableRequests = shape.requestsPerInterval - canaryRequests;
  return {
    canary: { requests: canaryRequests, errors: binomial(random, canaryRequests, canaryRate) },
    stable: { requests: stableRequests, errors: binomial(random, stableRequests, stableRate) },
  };
}

/** A Binomial(n, p) draw by inversion of its CDF (exact; about n·p steps, fine for the sizes simulated here). */
export function binomial(random: Random, n: number, p: number): number {
  if (p <= 0 || n === 0) return 0;
  if (p >= 1) return n;
  // Invert from the smaller side so the walk stays short.
  if (p > 0.5) return n - binomial(random, n, 1 - p);
  const u = random();
  const odds = p / (1 - p);
  let probability = Math.exp(n * Math.log1p(-p));
  let cumulative = probability;
  let k = 0;
  while (u > cumulative && k < n) {
    probability *= ((n - k) / (k + 1)) * odds;
    k++;
    cumulative += probability;
  }
  return k;
}

/** A log-normal latency in milliseconds with the given median and log-scale spread (Box–Muller). */
export function logNormalLatency(random: Random, medianMs: number, sigma: number): number {
  const u = 1 - random();
  const v = random();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return medianMs * Math.exp(sigma * normal);
}
