import { describe, expect, test } from 'vitest';
import { VersionMetrics } from './version-metrics.js';

describe('VersionMetrics', () => {
  test('percentiles, rps and error rate over the last N seconds of a sliding window', () => {
    const m = new VersionMetrics('v1', 60);
    const t0 = 1_700_000_000_000;
    // 10 s of 100 requests per second at 1..100 ms, then 2 s of failures
    for (let s = 0; s < 10; s++) for (let i = 1; i <= 100; i++) m.record(200, i, t0 + s * 1000 + i);
    for (let s = 10; s < 12; s++) {
      for (let i = 0; i < 10; i++) m.record(503, 5, t0 + s * 1000 + i);
      m.connectionFailure(t0 + s * 1000 + 500);
    }
    const now = t0 + 11_999;
    const all = m.window(12, now);
    expect(all.requests).toBe(1020);
    expect(all.p50).toBeCloseTo(50, -0.5);
    expect(all.p99).toBeGreaterThanOrEqual(98);
    expect(all.p99).toBeLessThanOrEqual(101);
    expect(all.rps).toBeCloseTo(1020 / 12, 0);
    expect(all.byClass['5xx']).toBe(20);
    expect(all.errorRate).toBeCloseTo((20 + 2) / (1020 + 2), 6);

    const last2 = m.window(2, now);
    expect(last2.requests).toBe(20);
    expect(last2.errorRate).toBe(1);
    expect(last2.p95).toBeCloseTo(5, 0);
  });

  test('buckets older than the ring are forgotten; totals stay', () => {
    const m = new VersionMetrics('v1', 5);
    const t0 = 1_700_000_000_000;
    m.record(200, 10, t0);
    expect(m.window(5, t0 + 3_000).requests).toBe(1);
    expect(m.window(5, t0 + 6_000).requests).toBe(0);
    m.record(201, 10, t0 + 5_000); // reuses the ring slot of t0
    expect(m.window(1, t0 + 5_000).requests).toBe(1);
    const w = m.window(60, t0 + 9_000);
    expect(w).toMatchObject({ seconds: 5, requests: 1, errorRate: 0 });
    expect(w.p50).toBeCloseTo(10, 0); // HDR: 2 significant digits
    expect(m.totals()).toMatchObject({ requests: 2, byCode: { 200: 1, 201: 1 } });
    expect(m.window(5, t0 + 60_000)).toMatchObject({ requests: 0, p50: null, errorRate: null });
  });
});
