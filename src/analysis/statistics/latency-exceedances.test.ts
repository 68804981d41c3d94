/**
 * The latency exceedance test: exact counts on small histograms, and its guarantees on simulated canaries (seeded):
 * identical versions — also when both slow down and speed up together and the canary's weight changes, so that
 * stable's threshold moves from interval to interval — are failed at most alpha of the time; p95 +50% is caught.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/seeded-random.js';
import { binomial, logNormalLatency, type Random } from './canary-simulation.js';
import { exceedanceLogEValue } from './exceedance-test.js';
import { addLatencyInterval, boundAtOrAbove, countAbove, createLatencyExceedanceState, latencyExceedances } from './latency-exceedances.js';
import type { LatencyHistogram } from './latency-distribution.js';

const BOUNDS = [10, 20, 30, 40, 50, Infinity];
const histogram = (counts: number[]): LatencyHistogram => ({ upperBounds: BOUNDS, counts });

describe('latencyExceedances', () => {
  it('counts above bucket bounds and finds the first bound at or above a latency', () => {
    expect(countAbove(histogram([5, 5, 5, 4, 1, 0]), 30)).toBe(5);
    expect(countAbove(histogram([5, 5, 5, 4, 1, 2]), Infinity)).toBe(0);
    expect(boundAtOrAbove(histogram([0, 0, 0, 0, 0, 0]), 40)).toBe(40);
    expect(boundAtOrAbove(histogram([0, 0, 0, 0, 0, 0]), 40.5)).toBe(50);
    expect(boundAtOrAbove(histogram([0, 0, 0, 0, 0, 0]), 60)).toBe(Infinity);
  });

  it('first interval: stable’s threshold is the top of the bucket holding its (j+1)-th largest latency (a placement)', () => {
    // 20 stable requests, p95: j = ⌊0.05 · 20⌋ = 1, the 2nd largest is the 19th smallest, in (30, 40]: x = 40;
    // the canary's threshold is the first bound ≥ 1.2 × 40 = 48, i.e. 50; 2 canary requests lie above it.
    const counted = latencyExceedances({ canary: histogram([0, 0, 0, 0, 3, 2]), stable: histogram([5, 5, 5, 4, 1, 0]), stableBefore: null }, 0.95, 0.2);
    expect(counted).toEqual({
      interval: { kind: 'placement', canary: { requests: 5, exceedances: 2 }, stable: { requests: 20, rank: 1 } },
      stableThreshold: 40,
      canaryThreshold: 50,
    });
  });

  it('later intervals: stable’s threshold comes from the intervals before (a split), counted on both sides', () => {
    // Before: 10 stable requests, the ⌈0.95 · 10⌉ = 10th smallest in (10, 20]: x = 20; canary's: first bound ≥ 24, 30.
    const counted = latencyExceedances(
      { canary: histogram([1, 1, 1, 1, 1, 0]), stable: histogram([4, 3, 2, 1, 0, 0]), stableBefore: histogram([6, 4, 0, 0, 0, 0]) },
      0.95,
      0.2,
    );
    expect(counted).toEqual({
      interval: { kind: 'split', canary: { requests: 5, exceedances: 2 }, stable: { requests: 10, exceedances: 3 } },
      stableThreshold: 20,
      canaryThreshold: 30,
    });
  });

  it('skips an interval with an idle side or a threshold in the open bucket', () => {
    expect(latencyExceedances({ canary: histogram([0, 0, 0, 0, 0, 0]), stable: histogram([1, 0, 0, 0, 0, 0]), stableBefore: null }, 0.95, 0.2)).toBeNull();
    expect(latencyExceedances({ canary: histogram([1, 0, 0, 0, 0, 0]), stable: histogram([0, 0, 0, 0, 0, 3]), stableBefore: null }, 0.95, 0.2)).toBeNull();
  });
});

/** A latency ladder like the proxy's: bounds 5% apart from 0.1 ms, then an open bucket. */
const LADDER = [...Array.from({ length: 320 }, (_, i) => 0.1 * 1.05 ** i), Infinity];
const LOG_STEP = Math.log(1.05);

function bucketed(random: Random, n: number, median: number, factor: number): LatencyHistogram {
  const counts = new Array<number>(LADDER.length).fill(0);
  for (let i = 0; i < n; i++) {
    const ms = logNormalLatency(random, median, 0.5) * factor;
    let index = Math.max(0, Math.ceil(Math.log(ms / 0.1) / LOG_STEP - 1e-9));
    while (index > 0 && LADDER[index - 1]! >= ms) index--;
    while (index < LADDER.length - 1 && LADDER[index]! < ms) index++;
    counts[index]! += 1;
  }
  return { upperBounds: LADDER, counts };
}

const add = (a: LatencyHistogram, b: LatencyHistogram): LatencyHistogram => ({ upperBounds: LADDER, counts: a.counts.map((c, i) => c + b.counts[i]!) });

/** One canary looked at after every interval; returns the canary requests at the first fail (null: never). */
function run(seed: number, looks: number, options: { factor: number; alpha: number; tolerance: number; drift: boolean; requests: number; weight: number }): number | null {
  const random = seededRandom(seed);
  let state = createLatencyExceedanceState(options.alpha);
  let stableBefore: LatencyHistogram | null = null;
  for (let look = 1; look <= looks; look++) {
    // Drift: both versions' median swings between 10 and 40 ms over 20 intervals, the canary's weight between
    // half and all of its nominal value.
    const median = options.drift ? 20 * 2 ** Math.sin((2 * Math.PI * look) / 20) : 20;
    const weight = options.drift ? options.weight * (0.75 + 0.25 * Math.cos((2 * Math.PI * look) / 7)) : options.weight;
    const toCanary = binomial(random, options.requests, weight);
    const canary = bucketed(random, toCanary, median, options.factor);
    const stable = bucketed(random, options.requests - toCanary, median, 1);
    state = addLatencyInterval(state, { canary, stable, stableBefore }, 0.95, options.tolerance);
    stableBefore = stableBefore === null ? stable : add(stableBefore, stable);
    if (exceedanceLogEValue(state.test) >= -Math.log(options.alpha)) return state.test.canary.requests;
  }
  return null;
}

describe('latency exceedance test on simulated canaries', () => {
  it('fails at most alpha = 0.05 of identical canaries looked at every interval, steady or drifting, at tolerance 0 and 0.2', () => {
    // Seeds 20000…20399 per scenario; log-normal latencies (σ 0.5), 100 requests an interval, 20% weight, 60 looks.
    const runs = 400;
    const bound = 0.05 + 3.09 * Math.sqrt((0.05 * 0.95) / runs);
    for (const drift of [false, true]) {
      for (const tolerance of [0, 0.2]) {
        let failed = 0;
        for (let r = 0; r < runs; r++) if (run(20000 + r, 60, { factor: 1, alpha: 0.05, tolerance, drift, requests: 100, weight: 0.2 }) !== null) failed++;
        console.log(`latency exceedance A/A alpha 0.05, tolerance ${tolerance}, ${drift ? 'drifting' : 'steady'}: failed ${failed}/${runs}`);
        expect(failed / runs).toBeLessThanOrEqual(bound);
      }
    }
  });

  it('catches p95 +50% (tolerance 0.2, alpha 0.01) at 10% weight in each of 100 canaries, the median within 2× the ideal test’s rounded looks', () => {
    // Seeds 30000…30099; 1000 requests an interval (100 req/s, 10 s), 10% weight, at most 60 looks. The ideal test,
    // told stable's p95 and the canary's exceedance probability, needs 138 canary requests on average (bench/detection).
    const needed: number[] = [];
    for (let r = 0; r < 100; r++) {
      const at = run(30000 + r, 60, { factor: 1.5, alpha: 0.01, tolerance: 0.2, drift: false, requests: 1000, weight: 0.1 });
      expect(at).not.toBeNull();
      needed.push(at!);
    }
    needed.sort((a, b) => a - b);
    console.log(`latency exceedance p95 +50% at 10%: canary requests median ${needed[50]!}, max ${needed[99]!}`);
    expect(needed[50]!).toBeLessThanOrEqual(2 * 200);
  });
});
