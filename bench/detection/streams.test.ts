import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/shared/seeded-random.js';
import { histogramSince } from '../../src/analysis/sequential-compare.js';
import { latencyQuantile, nearestRank, TrafficStream, Z95 } from './streams.js';

describe('TrafficStream', () => {
  it('routes and fails requests at the configured rates (seed 7, 400 intervals of 1000; tolerance 4 standard errors)', () => {
    const stream = new TrafficStream(
      { requestsPerInterval: 1000, weight: 0.1, stable: { errorRate: 0.01 }, canary: { errorRate: 0.05 } },
      seededRandom(7),
    );
    for (let i = 0; i < 400; i++) stream.next();
    const { canary, stable } = stream.reading();
    const total = 400_000;
    expect(canary.totals.requests + stable.totals.requests).toBe(total);
    const within = (observed: number, n: number, p: number) => expect(Math.abs(observed - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)));
    within(canary.totals.requests, total, 0.1);
    within(canary.totals.errors, canary.totals.requests, 0.05);
    within(stable.totals.errors, stable.totals.requests, 0.01);
  });

  it('draws latencies whose p95 matches the log-normal’s, canary scaled and shifted (seed 3; within 3%)', () => {
    const stable = { medianMs: 20, sigma: 0.5 };
    const stream = new TrafficStream(
      { requestsPerInterval: 1000, weight: 0.5, stable: { errorRate: 0, latency: stable }, canary: { errorRate: 0, latency: { ...stable, factor: 1.5, addMs: 10 } } },
      seededRandom(3),
    );
    const p95s: number[] = [];
    for (let i = 0; i < 40; i++) p95s.push(stream.next().canary.p95!);
    const canaryP95 = latencyQuantile({ ...stable, factor: 1.5, addMs: 10 }, Z95);
    expect(canaryP95).toBeCloseTo(20 * Math.exp(0.5 * Z95) * 1.5 + 10, 9);
    const mean = p95s.reduce((a, b) => a + b, 0) / p95s.length;
    expect(Math.abs(mean / canaryP95 - 1)).toBeLessThan(0.03);
    // The proxy-shaped histogram holds every request, and its p95 bucket is within the ladder's 5% of the truth.
    const { stable: totals } = stream.reading();
    const histogram = histogramSince({ requests: 0, errors: 0, latency: { upperBoundsMs: [Infinity], cumulative: [0] } }, totals.totals);
    expect(histogram.counts.reduce((a, b) => a + b, 0)).toBe(totals.totals.requests);
    let seen = 0;
    const index = histogram.counts.findIndex((count) => (seen += count) >= 0.95 * totals.totals.requests);
    expect(Math.abs(histogram.upperBounds[index]! / latencyQuantile(stable, Z95) - 1)).toBeLessThan(0.06);
  });

  it('reads the nearest-rank quantile', () => {
    expect(nearestRank(Float64Array.from([5, 1, 4, 2, 3]), 0.95)).toBe(5);
    expect(nearestRank(Float64Array.from([5, 1, 4, 2, 3]), 0.5)).toBe(3);
    expect(nearestRank(new Float64Array(0), 0.95)).toBeNull();
  });
});
