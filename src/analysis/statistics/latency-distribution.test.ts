import { describe, expect, it } from 'vitest';
import { latencyDistribution, orderStatistic } from './latency-distribution.js';

describe('latencyDistribution', () => {
  it('reads exact order statistics from samples, ties included', () => {
    const d = latencyDistribution([30, 10, 20, 20, 40]);
    expect(d.total).toBe(5);
    expect([1, 2, 3, 4, 5].map((k) => orderStatistic(d, k).estimate)).toEqual([10, 20, 20, 30, 40]);
    expect(orderStatistic(d, 3)).toEqual({ lower: 20, upper: 20, estimate: 20 });
  });

  it('reads bucket ranges from a histogram, interpolating inside a bucket and not past an open one', () => {
    const d = latencyDistribution({ upperBounds: [10, 50, 100, Infinity], counts: [4, 0, 4, 2] });
    expect(d.total).toBe(10);
    expect(orderStatistic(d, 4)).toEqual({ lower: 0, upper: 10, estimate: 10 });
    expect(orderStatistic(d, 5)).toEqual({ lower: 50, upper: 100, estimate: 62.5 });
    expect(orderStatistic(d, 10)).toEqual({ lower: 100, upper: Infinity, estimate: 100 });
  });

  it('rejects what is not a latency, naming where', () => {
    expect(() => latencyDistribution([1, -2], 'canary latencies')).toThrow('canary latencies[1] must be a finite latency >= 0 ms, got -2');
    expect(() => latencyDistribution([Number.NaN])).toThrow(/latencies\[0\]/);
    expect(() => latencyDistribution({ upperBounds: [10, 5], counts: [1, 1] }, 'stable')).toThrow('stable: bucket bound 1 (5) must be greater than 10');
    expect(() => latencyDistribution({ upperBounds: [10], counts: [1, 2] })).toThrow(/1 bucket bounds but 2 counts/);
    expect(() => latencyDistribution({ upperBounds: [10], counts: [1.5] })).toThrow(/bucket 0 count/);
    expect(() => orderStatistic(latencyDistribution([1]), 2)).toThrow(/outside 1…1/);
  });
});
