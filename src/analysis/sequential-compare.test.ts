import { describe, expect, it } from 'vitest';
import type { AnalysisMetric } from '../plan/schema/analysis.js';
import { seededRandom } from '../shared/seeded-random.js';
import type { VersionCounters } from '../targets/target.js';
import { binomial } from './statistics/canary-simulation.js';
import { histogramSince, SequentialComparison, type CountersReading } from './sequential-compare.js';

const BOUNDS = [5, 10, 25, 50, 100, 250, 500, 1000, Infinity];

function metric(input: Partial<AnalysisMetric>): AnalysisMetric {
  return { name: 'vs-stable', failureLimit: 0, consecutiveErrorLimit: 4, inconclusiveLimit: 3, noData: 'inconclusive', ...input } as AnalysisMetric;
}

/** A version's running counters: requests with an error rate, latencies all in the bucket ending at `latencyBound`. */
class Counters {
  requests = 0;
  errors = 0;
  readonly cumulative = BOUNDS.map(() => 0);
  constructor(readonly errorRate: number, readonly latencyBound: number) {}
  add(random: () => number, requests: number): void {
    this.requests += requests;
    this.errors += binomial(random, requests, this.errorRate);
    BOUNDS.forEach((bound, i) => {
      if (bound >= this.latencyBound) this.cumulative[i]! += requests;
    });
  }
  read(): VersionCounters {
    return { requests: this.requests, errors: this.errors, latency: { upperBoundsMs: [...BOUNDS], cumulative: [...this.cumulative] } };
  }
}

function reading(canary: Counters, stable: Counters): CountersReading {
  return { canary: { version: 'v2', totals: canary.read() }, stable: { version: 'v1', totals: stable.read() } };
}

/** Runs one canary of `intervals` looks (weight 20%, 100 requests an interval); the first fail, pass and the last reason. */
function canary(seed: number, compare: 'latency' | 'error_rate', rates: [number, number], latencies: [number, number], intervals = 60) {
  const random = seededRandom(seed);
  const c = new Counters(rates[0], latencies[0]);
  const s = new Counters(rates[1], latencies[1]);
  const test = new SequentialComparison(metric({ compare }));
  test.baseline(reading(c, s));
  let failedAt: number | null = null;
  let passedAt: number | null = null;
  let reason = '';
  for (let i = 1; i <= intervals && failedAt === null; i++) {
    c.add(random, 20);
    s.add(random, 80);
    const judged = test.observe(reading(c, s), 5);
    reason = judged.reason;
    if (judged.sequential === 'fail') failedAt = i;
    if (judged.sequential === 'pass' && passedAt === null) passedAt = i;
  }
  return { failedAt, passedAt, reason };
}

describe('SequentialComparison', () => {
  it('fails an error rate of 5% against 1% within a few hundred canary requests, quoting ratio, confidence and counts', () => {
    const { failedAt, reason } = canary(7, 'error_rate', [0.05, 0.01], [5, 5]);
    expect(failedAt).not.toBeNull();
    expect(failedAt! * 20).toBeLessThan(1200);
    expect(reason).toMatch(/^error rate [\d.]+% vs stable [\d.]+%: ratio ≥ [\d.]+ at 99% confidence after \d+ canary requests/);
  });

  it('fails a canary 300 ms slower and passes (equivalence) an equally fast one', () => {
    const slow = canary(8, 'latency', [0, 0], [500, 5]);
    expect(slow.failedAt).not.toBeNull();
    expect(slow.failedAt).toBe(1);
    expect(slow.reason).toMatch(
      /^p95 latency [\d.]+ ms vs stable [\d.]+ ms: 20 of 20 canary requests \(100%\) slower than stable's p95 × 1\.2, vs [\d.]+% of stable's slower than its p95; canary ≥ 250 ms, stable ≤ (∞|[\d.]+ ms) at 99% confidence after 20 canary requests \(e-value [\d.e+]+ ≥ 100\)$/,
    );
    const same = canary(9, 'latency', [0, 0], [5, 5]);
    expect(same.failedAt).toBeNull();
  });

  it('fails at most alpha of 200 A/A canaries looked at after each of 60 intervals (seed 1…200; tolerance: none beyond 1%)', () => {
    let failures = 0;
    for (let seed = 1; seed <= 200; seed++) if (canary(seed, 'error_rate', [0.01, 0.01], [5, 5]).failedAt !== null) failures++;
    // alpha = 0.01: 2 of 200 is the expectation at the bound; the test is conservative, so expect at most that.
    expect(failures).toBeLessThanOrEqual(2);
  });

  it('starts again from a new baseline when the counters go back (a restarted proxy)', () => {
    const test = new SequentialComparison(metric({ compare: 'error_rate' }));
    const random = seededRandom(3);
    const c = new Counters(0.5, 5);
    const s = new Counters(0, 5);
    test.baseline(reading(c, s));
    c.add(random, 100);
    s.add(random, 100);
    expect(test.observe(reading(c, s), 5).sequential).toBe('fail');
    const fresh = new Counters(0, 5);
    const judged = test.observe(reading(fresh, fresh), 5);
    expect(judged).toMatchObject({ sequential: 'running', verdict: 'inconclusive' });
    expect(judged.reason).toContain('baseline');
  });

  it('skips a latency interval whose histogram bounds changed, since it cannot be told from the requests before it', () => {
    const random = seededRandom(4);
    const c = new Counters(0, 5);
    const s = new Counters(0, 5);
    const test = new SequentialComparison(metric({ compare: 'latency' }));
    test.baseline(reading(c, s));
    c.add(random, 20);
    s.add(random, 80);
    const first = test.observe(reading(c, s), 5).evidence;
    s.add(random, 80);
    // The canary's counters come back with other bounds: all its requests would look like this interval's, and slow.
    const other: CountersReading = {
      canary: { version: 'v2', totals: { requests: 40, errors: 0, latency: { upperBoundsMs: [1000, Infinity], cumulative: [0, 40] } } },
      stable: { version: 'v1', totals: s.read() },
    };
    const judged = test.observe(other, 5);
    expect(judged.sequential).not.toBe('fail');
    expect(judged.evidence.eValue).toBe(first.eValue);
  });

  it('is inconclusive (noData) until both versions served minRequests since the baseline', () => {
    const test = new SequentialComparison(metric({ compare: 'latency' }));
    const c = new Counters(0, 5);
    const s = new Counters(0, 5);
    test.baseline(reading(c, s));
    c.add(seededRandom(1), 3);
    s.add(seededRandom(1), 30);
    expect(test.observe(reading(c, s), 5)).toMatchObject({ verdict: 'inconclusive', sequential: 'running' });
  });

  it('carries the evidence of each look: the e-value against 1/alpha rises to a fail, with ratio bounds and counts', () => {
    const random = seededRandom(7);
    const c = new Counters(0.05, 5);
    const s = new Counters(0.01, 5);
    const test = new SequentialComparison(metric({ compare: 'error_rate', alpha: 0.05, tolerance: 0.2 }));
    test.baseline(reading(c, s));
    const looks = [];
    for (let i = 0; i < 60 && looks.at(-1)?.sequential !== 'fail'; i++) {
      c.add(random, 20);
      s.add(random, 80);
      looks.push(test.observe(reading(c, s), 5).evidence);
    }
    const last = looks.at(-1)!;
    expect(last).toMatchObject({ test: 'error_rate', sequential: 'fail', alpha: 0.05, threshold: 20, tolerated: 1.2 });
    expect(last.eValue).toBeGreaterThanOrEqual(20);
    expect(looks[0]!.eValue).toBeLessThan(20);
    expect(last.lower).toBeGreaterThan(1.2);
    expect(last.ratio).toBeGreaterThanOrEqual(last.lower!);
    expect(last.canary).toEqual({ requests: c.requests, errors: c.errors });
    expect(last.stable).toEqual({ requests: s.requests, errors: s.errors });
    expect(JSON.parse(JSON.stringify(looks))).toEqual(looks);
  });

  it('carries latency evidence: the exceedance test e-value against 1/alpha and the quantile ratio bounds', () => {
    const random = seededRandom(3);
    const c = new Counters(0, 500);
    const s = new Counters(0, 5);
    const test = new SequentialComparison(metric({ compare: 'latency' }));
    test.baseline(reading(c, s));
    c.add(random, 2);
    s.add(random, 2);
    expect(test.observe(reading(c, s), 5).evidence).toMatchObject({ test: 'latency', sequential: 'running', eValue: null, ratio: null, canary: { requests: 2, errors: null } });
    c.add(random, 400);
    s.add(random, 400);
    const evidence = test.observe(reading(c, s), 5).evidence;
    expect(evidence).toMatchObject({ test: 'latency', sequential: 'fail', threshold: 100 });
    expect(evidence.eValue).toBeGreaterThanOrEqual(100);
    expect(evidence.lower).toBeGreaterThan(evidence.tolerated);
  });

  it('turns cumulative bucket counts between two readings into per-bucket counts', () => {
    const from: VersionCounters = { requests: 3, errors: 0, latency: { upperBoundsMs: [10, Infinity], cumulative: [2, 3] } };
    const to: VersionCounters = { requests: 10, errors: 0, latency: { upperBoundsMs: [10, Infinity], cumulative: [6, 10] } };
    expect(histogramSince(from, to)).toEqual({ upperBounds: [10, Infinity], counts: [4, 3] });
  });
});
