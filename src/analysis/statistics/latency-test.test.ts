import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/seeded-random.js';
import { binomial, logNormalLatency, type Random } from './canary-simulation.js';
import { latencyDistribution, orderStatistic, type LatencyHistogram } from './latency-distribution.js';
import { assessLatency, type LatencyAssessment } from './latency-test.js';

const latencies = (random: Random, n: number, medianMs: number, shiftMs = 0): number[] =>
  Array.from({ length: n }, () => shiftMs + logNormalLatency(random, medianMs, 0.5));

/** Buckets as an HDR-style histogram hands them out: 1 ms wide up to 100 ms, then 2% wide up to 60 s, then open. */
const LOG_STEP = Math.log(1.02);
const LOG_BUCKETS = Math.ceil(Math.log(600) / LOG_STEP);
const UPPER_BOUNDS = [
  ...Array.from({ length: 100 }, (_, i) => i + 1),
  ...Array.from({ length: LOG_BUCKETS }, (_, i) => 100 * 1.02 ** (i + 1)),
  Infinity,
];
class Histogram {
  readonly upperBounds = UPPER_BOUNDS;
  readonly counts = new Array<number>(UPPER_BOUNDS.length).fill(0);
  add(values: number[]): LatencyHistogram {
    for (const value of values) {
      const index = value < 100 ? Math.floor(value) : 100 + Math.floor(Math.log(value / 100) / LOG_STEP);
      this.counts[Math.min(index, UPPER_BOUNDS.length - 1)]! += 1;
    }
    return this;
  }
}

describe('assessLatency', () => {
  it('fails a canary 300 ms slower, with both bounds and the sample count in the reason', () => {
    const random = seededRandom(42);
    const verdict = assessLatency(latencies(random, 200, 50, 300), latencies(random, 800, 50), { alpha: 0.01, tolerance: 0.2 });
    expect(verdict.verdict).toBe('fail');
    expect(verdict.canary.lower).toBeGreaterThan(verdict.stable.upper * 1.2);
    expect(verdict.reason).toMatch(/^p95 latency \d+ ms vs stable \d+ ms: canary ≥ \d+ ms > stable ≤ \d+ ms × 1\.2 at 99% confidence after 200 canary requests$/);
  });

  it('passes an equal canary once the bounds show it within tolerance, and keeps running before that', () => {
    const random = seededRandom(43);
    const early = assessLatency(latencies(random, 30, 50), latencies(random, 120, 50), { tolerance: 0.2 });
    expect(early.verdict).toBe('running');
    expect(early.reason).toMatch(/not enough evidence yet$/);
    const late = assessLatency(latencies(random, 3000, 50), latencies(random, 12000, 50), { tolerance: 0.2 });
    expect(late.verdict).toBe('pass');
    expect(late.canary.upper).toBeLessThanOrEqual(late.stable.lower * 1.2);
    expect(late.ratio).toBeGreaterThan(0.9);
    expect(late.ratio).toBeLessThan(1.1);
  });

  it('judges histograms as it judges samples, with bucket edges as the bounds', () => {
    const random = seededRandom(44);
    const canary = latencies(random, 200, 50, 300);
    const stable = latencies(random, 800, 50);
    const verdict = assessLatency(new Histogram().add(canary), new Histogram().add(stable), { tolerance: 0.2 });
    expect(verdict.verdict).toBe('fail');
    expect([0, ...UPPER_BOUNDS]).toContain(verdict.canary.lower);
    expect(UPPER_BOUNDS).toContain(verdict.stable.upper);
    const d = latencyDistribution(canary);
    expect(verdict.canary.estimate).toBeGreaterThan(orderStatistic(d, 190).estimate - 1);
  });

  it('uses another quantile when asked, and rejects bad settings', () => {
    const random = seededRandom(45);
    const verdict = assessLatency(latencies(random, 100, 50), latencies(random, 100, 50), { quantile: 0.5 });
    expect(verdict.reason).toMatch(/^p50 latency/);
    expect(() => assessLatency([1], [1], { alpha: 0 })).toThrow(/alpha/);
    expect(() => assessLatency([1], [1], { quantile: 1 })).toThrow(/quantile/);
    expect(() => assessLatency([1], [1], { tolerance: Number.NaN })).toThrow(/tolerance/);
  });
});

/** Median and maximum of a list, for the measurements printed. */
function spread(xs: number[]): string {
  const sorted = [...xs].sort((x, y) => x - y);
  return `median ${sorted[Math.floor(sorted.length / 2)]!}, max ${sorted.at(-1)!}`;
}

/** Simulates one canary at 20% weight, 100 requests an interval, looked at after every interval. */
function runLatencyCanary(
  seed: number,
  looks: number,
  canaryShape: { median: number; shift: number; factor: number },
  options: { alpha: number; tolerance: number },
): { first: LatencyAssessment | null; at: number; naiveFailed: boolean } {
  const random = seededRandom(seed);
  const canary = new Histogram();
  const stable = new Histogram();
  const canarySamples: number[] = [];
  const stableSamples: number[] = [];
  let naiveFailed = false;
  for (let look = 1; look <= looks; look++) {
    const toCanary = binomial(random, 100, 0.2);
    const fresh = latencies(random, toCanary, canaryShape.median, canaryShape.shift).map((v) => v * canaryShape.factor);
    const freshStable = latencies(random, 100 - toCanary, 50);
    canary.add(fresh);
    stable.add(freshStable);
    canarySamples.push(...fresh);
    stableSamples.push(...freshStable);
    // The naive rule this replaces: the interval's p95 against stable's, failing beyond the default 20% tolerance.
    const p95 = (values: number[]): number => orderStatistic(latencyDistribution(values), Math.ceil(values.length * 0.95)).estimate;
    if (fresh.length > 0 && p95(fresh) > p95(freshStable) * 1.2) naiveFailed = true;
    const verdict = assessLatency(canary, stable, options);
    if (verdict.verdict !== 'running') return { first: verdict, at: look, naiveFailed };
  }
  return { first: null, at: looks, naiveFailed };
}

describe('latency comparison on simulated canaries', () => {
  it('fails at most alpha = 0.05 of 300 identical canaries looked at every interval, even at tolerance 0', () => {
    // Seeds 2000…2299; log-normal latencies, median 50 ms, σ 0.5 (p95 ≈ 114 ms); 60 looks.
    const runs = 300;
    let failed = 0;
    let naive = 0;
    for (let run = 0; run < runs; run++) {
      const outcome = runLatencyCanary(2000 + run, 60, { median: 50, shift: 0, factor: 1 }, { alpha: 0.05, tolerance: 0 });
      if (outcome.first?.verdict === 'fail') failed++;
      if (outcome.naiveFailed) naive++;
    }
    console.log(`latency A/A alpha=0.05 tolerance 0: sequential fails ${failed}/${runs}; per-interval p95 ratio > 1.2 fails ${naive}/${runs}`);
    expect(failed / runs).toBeLessThanOrEqual(0.05 + 3.09 * Math.sqrt((0.05 * 0.95) / runs));
    expect(naive / runs).toBeGreaterThan(0.5);
  });

  it('catches p95 +300 ms within 100 canary requests and p95 +50% (tolerance 20%) within 150 intervals, in each of 100 canaries', () => {
    // Seeds 3000… and 4000…; alpha 0.01; 20 canary requests an interval on average.
    const shifted: number[] = [];
    const scaled: number[] = [];
    for (let run = 0; run < 100; run++) {
      const a = runLatencyCanary(3000 + run, 150, { median: 50, shift: 300, factor: 1 }, { alpha: 0.01, tolerance: 0.2 });
      expect(a.first?.verdict).toBe('fail');
      shifted.push(a.first!.canary.count);
      const b = runLatencyCanary(4000 + run, 150, { median: 50, shift: 0, factor: 1.5 }, { alpha: 0.01, tolerance: 0.2 });
      expect(b.first?.verdict).toBe('fail');
      scaled.push(b.first!.canary.count);
    }
    console.log(`latency alpha=0.01: +300 ms failed after canary requests ${spread(shifted)}; +50% ${spread(scaled)}`);
    expect(Math.max(...shifted)).toBeLessThanOrEqual(100);
  });

  it('promotes most identical canaries early once equivalence within 20% is shown, failing none', () => {
    // Seeds 6000…6049; alpha 0.01; up to 250 intervals (about 5000 canary requests).
    const passedAt: number[] = [];
    for (let run = 0; run < 50; run++) {
      const outcome = runLatencyCanary(6000 + run, 250, { median: 50, shift: 0, factor: 1 }, { alpha: 0.01, tolerance: 0.2 });
      expect(outcome.first?.verdict).not.toBe('fail');
      if (outcome.first?.verdict === 'pass') passedAt.push(outcome.first.canary.count);
    }
    console.log(`latency A/A tolerance 0.2: ${passedAt.length}/50 passed early, after canary requests ${spread(passedAt)}`);
    expect(passedAt.length).toBeGreaterThanOrEqual(40);
  });
});
