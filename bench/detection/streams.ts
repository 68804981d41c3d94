/**
 * Simulated steady traffic for the detection benchmark: a seeded stream of intervals, each with a fixed number of
 * requests split between stable and canary at random by the canary's weight. Every request fails with its
 * version's error rate and, when latency is simulated, takes a log-normal time (the canary's scaled and shifted:
 * the injected regression). The stream keeps both versions' monotonic counters in the proxy's shape (requests,
 * errors, the fine latency ladder's cumulative buckets), so the real sequential judge reads them as it reads the
 * proxy; and the last interval's own counts and canary p95, which a threshold judge reads.
 */
import { binomial, logNormalLatency, type Random } from '../../src/analysis/statistics/canary-simulation.js';
import { LATENCY_LADDER_MS, ladderIndex } from '../../src/proxy/latency-ladder.js';
import type { CountersReading } from '../../src/analysis/sequential-compare.js';

/** How one version answers: its error rate and latency distribution. */
export interface VersionBehaviour {
  errorRate: number;
  /** Latency is median·exp(σ·Z)·factor + addMs; omit to skip latency (error-only cases, much faster). */
  latency?: { medianMs: number; sigma: number; factor?: number; addMs?: number };
}

/** A stream's traffic: requests per interval across both versions, the canary's share, and both behaviours. */
export interface StreamShape {
  requestsPerInterval: number;
  /** The canary's share of requests, 0…1. */
  weight: number;
  stable: VersionBehaviour;
  canary: VersionBehaviour;
}

/** What one interval added, for a threshold judge reading "the last interval". */
export interface IntervalView {
  canary: { requests: number; errors: number; p95: number | null };
  stable: { requests: number; errors: number; p95: number | null };
}

interface Side {
  requests: number;
  errors: number;
  buckets: Float64Array;
}

const BOUNDS = [...LATENCY_LADDER_MS, Infinity];

/** One seeded stream of intervals; `next()` draws an interval and returns its own counts. */
export class TrafficStream {
  readonly #shape: StreamShape;
  readonly #random: Random;
  readonly #canary: Side = { requests: 0, errors: 0, buckets: new Float64Array(BOUNDS.length) };
  readonly #stable: Side = { requests: 0, errors: 0, buckets: new Float64Array(BOUNDS.length) };

  constructor(shape: StreamShape, random: Random) {
    this.#shape = shape;
    this.#random = random;
  }

  /**
   * Draws one interval: routes each request, fails it or not, and times it. With `looks` > 1 the interval is drawn
   * in that many nearly equal parts, `onLook(part)` called after each (part 1…looks) so a judge can read the
   * counters mid-interval; the view returned is still the whole interval's.
   */
  next(looks = 1, onLook?: (part: number) => void): IntervalView {
    const total = this.#shape.requestsPerInterval;
    const canarySamples: number[] = [];
    const stableSamples: number[] = [];
    const view: IntervalView = { canary: { requests: 0, errors: 0, p95: null }, stable: { requests: 0, errors: 0, p95: null } };
    for (let part = 1; part <= looks; part++) {
      const requests = Math.round((part * total) / looks) - Math.round(((part - 1) * total) / looks);
      const canaryRequests = binomial(this.#random, requests, this.#shape.weight);
      add(view.canary, this.#draw(this.#canary, this.#shape.canary, canaryRequests, canarySamples));
      add(view.stable, this.#draw(this.#stable, this.#shape.stable, requests - canaryRequests, stableSamples));
      onLook?.(part);
    }
    if (this.#shape.canary.latency) view.canary.p95 = nearestRank(Float64Array.from(canarySamples), 0.95);
    if (this.#shape.stable.latency) view.stable.p95 = nearestRank(Float64Array.from(stableSamples), 0.95);
    return view;
  }

  /** Both versions' monotonic counters so far, as the proxy reports them. */
  reading(): CountersReading {
    return { canary: { version: 'canary', totals: totals(this.#canary) }, stable: { version: 'stable', totals: totals(this.#stable) } };
  }

  /** Canary requests and failed canary requests so far. */
  get canary(): { requests: number; errors: number } {
    return { requests: this.#canary.requests, errors: this.#canary.errors };
  }

  /** Draws `requests` of one version into its counters; their latencies go to `samples`. */
  #draw(side: Side, behaviour: VersionBehaviour, requests: number, samples: number[]): { requests: number; errors: number } {
    const errors = binomial(this.#random, requests, behaviour.errorRate);
    side.requests += requests;
    side.errors += errors;
    const shape = behaviour.latency;
    if (!shape) return { requests, errors };
    for (let i = 0; i < requests; i++) {
      const ms = logNormalLatency(this.#random, shape.medianMs, shape.sigma) * (shape.factor ?? 1) + (shape.addMs ?? 0);
      samples.push(ms);
      side.buckets[ladderIndex(ms)]!++;
    }
    return { requests, errors };
  }
}

function add(into: IntervalView['canary'], part: { requests: number; errors: number }): void {
  into.requests += part.requests;
  into.errors += part.errors;
}

/** The q-quantile by nearest rank (null without samples), as a per-interval p95 is read. */
export function nearestRank(samples: Float64Array, q: number): number | null {
  if (samples.length === 0) return null;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

function totals(side: Side): CountersReading['canary']['totals'] {
  const cumulative: number[] = [];
  let sum = 0;
  for (const count of side.buckets) cumulative.push((sum += count));
  return { requests: side.requests, errors: side.errors, latency: { upperBoundsMs: BOUNDS, cumulative } };
}

/** The p-quantile of a log-normal latency median·exp(σ·Z)·factor + addMs (z the standard normal p-quantile). */
export function latencyQuantile(shape: NonNullable<VersionBehaviour['latency']>, z: number): number {
  return shape.medianMs * Math.exp(shape.sigma * z) * (shape.factor ?? 1) + (shape.addMs ?? 0);
}

/** The standard normal's 95% quantile. */
export const Z95 = 1.6448536269514722;
