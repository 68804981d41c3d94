import { describe, expect, it } from 'vitest';
import { benchDocument, compareWithBaseline, judgeTargets } from './bench-report.js';
import type { LoadRunResult } from './load-run.js';

const latency = (p95: number) => ({ p50: p95 / 2, p90: p95 * 0.9, p95, p99: p95 * 2, max: p95 * 4 });
const result: LoadRunResult = {
  requests: 1_000,
  rps: 80,
  errors: 10,
  errorRate: 0.01,
  latency: latency(120),
  errorsByKind: { '5xx': 10 },
  statuses: { '2xx': 990, '5xx': 10 },
  connectionErrors: {},
  byRequest: { sql: { requests: 800, errors: 0, latency: latency(60) }, semantic: { requests: 200, errors: 10, latency: latency(450) } },
  seconds: 12.5,
  unsent: 0,
  model: 'closed',
};

describe('judgeTargets', () => {
  it('judges latencies and error rates at most, rps at least, for the whole run and per request', () => {
    const rows = judgeTargets(result, { p99: 1_000, rps: 50, errorRate: 0.005 }, { sql: { p95: 100 }, semantic: { p95: 500, errorRate: 0.01 }, gone: { p95: 1 } });
    expect(rows.map((r) => [r.name, r.target, r.actual, r.pass])).toEqual([
      ['p99', 1_000, 240, true],
      ['errorRate', 0.005, 0.01, false],
      ['rps', 50, 80, true],
      ['sql p95', 100, 60, true],
      ['semantic p95', 500, 450, true],
      ['semantic errorRate', 0.01, 0.05, false],
      // a request that never ran has nothing measured: that misses
      ['gone p95', 1, null, false],
    ]);
    expect(benchDocument(result, rows).pass).toBe(false);
    expect(benchDocument(result, rows.slice(0, 1)).pass).toBe(true);
    expect(benchDocument(result, []).pass).toBe(true);
  });
});

describe('compareWithBaseline', () => {
  const now = benchDocument(result, []);
  it('flags latencies and error rates that rose, and rps that fell, beyond the tolerance', () => {
    const baseline = { ...now, rps: 100, errorRate: 0.01, latency: latency(100) };
    const rows = compareWithBaseline(now, baseline, 0.1);
    expect(Object.fromEntries(rows.map((r) => [r.name, r.regression]))).toEqual({ rps: true, errorRate: false, p50: true, p90: true, p95: true, p99: true, max: true });
    expect(rows.find((r) => r.name === 'p95')?.change).toBeCloseTo(0.2, 6);
    expect(compareWithBaseline(now, baseline, 0.25).some((r) => r.regression)).toBe(false);
  });

  it('lets sub-millisecond jitter and an error rate under 0.1 % pass; refuses what is not a bench document', () => {
    const fast = { ...now, errorRate: 0.0005, latency: { p50: 0.4, p90: 0.6, p95: 0.8, p99: 1.2, max: 3 } };
    const rows = compareWithBaseline(fast, { ...fast, errorRate: 0, latency: { p50: 0.2, p90: 0.3, p95: 0.4, p99: 0.6, max: 2.5 } }, 0.1);
    expect(rows.filter((r) => r.regression)).toEqual([]);
    expect(() => compareWithBaseline(now, { hello: 1 }, 0.1)).toThrow(/not a `glidepath bench --json` document/);
    expect(() => compareWithBaseline(now, null, 0.1)).toThrow(/not a `glidepath bench --json` document/);
  });
});
