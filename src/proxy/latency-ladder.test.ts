import { describe, expect, it } from 'vitest';
import { LATENCY_LADDER_MS, ladderIndex } from './latency-ladder.js';
import { VersionMetrics } from './version-metrics.js';

describe('latency ladder', () => {
  it('puts each latency in the first bucket whose bound is at least it, 5% apart', () => {
    for (const ms of [0, 0.05, 0.1, 0.1001, 1, 4.99, 5, 12.3, 300, 301.5, 9_999, 1e9]) {
      const i = ladderIndex(ms);
      if (i < LATENCY_LADDER_MS.length) expect(LATENCY_LADDER_MS[i]).toBeGreaterThanOrEqual(ms);
      if (i > 0) expect(LATENCY_LADDER_MS[i - 1]).toBeLessThan(ms);
    }
    expect(LATENCY_LADDER_MS[1]! / LATENCY_LADDER_MS[0]!).toBeCloseTo(1.05, 10);
    expect(ladderIndex(1e9)).toBe(LATENCY_LADDER_MS.length);
  });

  it('is in the proxy totals as cumulative counts, the last over every request', () => {
    const metrics = new VersionMetrics('v1');
    for (const ms of [2, 2, 3, 310, 1e9]) metrics.record(200, ms, 1_000);
    const { latency } = metrics.totals();
    expect(latency.cumulative).toHaveLength(latency.boundsMs.length + 1);
    expect(latency.cumulative.at(-1)).toBe(5);
    expect(latency.cumulative[ladderIndex(2)]).toBe(2);
    expect(latency.cumulative[ladderIndex(250)]).toBe(3);
    expect(latency.cumulative[ladderIndex(310)]).toBe(4);
  });
});
