/**
 * Property tests of the error-rate test's guarantees on simulated traffic (seeded, so repeatable): identical
 * versions looked at after every interval are failed at most alpha of the time, where a z-test repeated every
 * interval fails many more; and a real regression is caught within a bounded number of canary requests.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/seeded-random.js';
import { simulateErrorInterval, type TrafficShape } from './canary-simulation.js';
import { expectedCanaryRequestsToDetect } from './expected-sample-size.js';
import { addErrorRateInterval, createErrorRateState, ratioLogEValue, type IntervalCounts } from './error-rate-test.js';

/** Upper end of a binomial proportion's one-sided 99.9% normal-approximation interval when the true rate is p. */
function upperLimit(p: number, runs: number): number {
  return p + 3.09 * Math.sqrt((p * (1 - p)) / runs);
}

/** One-sided pooled two-proportion z statistic (canary worse) on cumulative counts: the naive per-interval check. */
function zStatistic(canary: { requests: number; errors: number }, stable: { requests: number; errors: number }): number {
  if (canary.requests === 0 || stable.requests === 0) return 0;
  const pooled = (canary.errors + stable.errors) / (canary.requests + stable.requests);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / canary.requests + 1 / stable.requests));
  return se === 0 ? 0 : (canary.errors / canary.requests - stable.errors / stable.requests) / se;
}

interface RunOutcome { sequential: number | null; naive: number | null; canaryRequests: number[] }

/** Runs one canary, checking both tests after every interval; returns the interval each first rejected at. */
function runCanary(seed: number, shape: TrafficShape, intervals: number, rates: [number, number], alpha: number, zCritical: number): RunOutcome {
  const random = seededRandom(seed);
  let state = createErrorRateState({ alpha });
  const logThreshold = -Math.log(alpha);
  const outcome: RunOutcome = { sequential: null, naive: null, canaryRequests: [] };
  for (let i = 0; i < intervals && (outcome.sequential === null || outcome.naive === null); i++) {
    const counts: IntervalCounts = simulateErrorInterval(random, shape, rates[0], rates[1]);
    state = addErrorRateInterval(state, counts);
    outcome.canaryRequests.push(state.canary.requests);
    if (outcome.sequential === null && ratioLogEValue(state, state.grid.center, 'worse') >= logThreshold) outcome.sequential = i;
    if (outcome.naive === null && zStatistic(state.canary, state.stable) > zCritical) outcome.naive = i;
  }
  return outcome;
}

describe('error-rate test on simulated canaries', () => {
  it('fails at most alpha = 0.05 of 2000 identical canaries looked at every interval; a repeated z-test fails far more', () => {
    // Seed 1000+run; both versions 1% errors; 20% weight; 100 requests per interval; 300 looks (5 minutes at 1 s).
    const runs = 2000;
    const shape = { requestsPerInterval: 100, weight: 0.2 };
    let sequential = 0;
    let naive = 0;
    for (let run = 0; run < runs; run++) {
      const outcome = runCanary(1000 + run, shape, 300, [0.01, 0.01], 0.05, 1.645);
      if (outcome.sequential !== null) sequential++;
      if (outcome.naive !== null) naive++;
    }
    console.log(`A/A alpha=0.05: sequential ${sequential}/${runs}, repeated z-test ${naive}/${runs}`);
    expect(sequential / runs).toBeLessThanOrEqual(upperLimit(0.05, runs));
    expect(naive / runs).toBeGreaterThan(2 * 0.05);
  });

  it('fails at most alpha = 0.01 of 1000 identical canaries in the reported scenario (1% errors, 20% weight)', () => {
    const runs = 1000;
    const shape = { requestsPerInterval: 100, weight: 0.2 };
    let sequential = 0;
    let naive = 0;
    for (let run = 0; run < runs; run++) {
      const outcome = runCanary(5000 + run, shape, 300, [0.01, 0.01], 0.01, 2.326);
      if (outcome.sequential !== null) sequential++;
      if (outcome.naive !== null) naive++;
    }
    console.log(`A/A alpha=0.01: sequential ${sequential}/${runs}, repeated z-test ${naive}/${runs}`);
    expect(sequential / runs).toBeLessThanOrEqual(upperLimit(0.01, runs));
    expect(naive / runs).toBeGreaterThan(2 * 0.01);
  });

  it('catches errors 1% → 5% at 20% weight: every one of 200 canaries within 1500 canary requests, the median within 2× the ideal SPRT', () => {
    const runs = 200;
    const shape = { requestsPerInterval: 100, weight: 0.2 };
    const needed: number[] = [];
    for (let run = 0; run < runs; run++) {
      const outcome = runCanary(9000 + run, shape, 200, [0.05, 0.01], 0.01, 2.326);
      needed.push(outcome.sequential === null ? Infinity : outcome.canaryRequests[outcome.sequential]!);
    }
    needed.sort((a, b) => a - b);
    const median = needed[runs / 2]!;
    const p95 = needed[Math.floor(runs * 0.95)]!;
    console.log(`1%→5% at 20% weight, alpha=0.01: canary requests to fail median ${median}, p95 ${p95}, max ${needed[runs - 1]!}`);
    expect(needed[runs - 1]).toBeLessThanOrEqual(1500);
    // Wald's approximation for an SPRT told the true rates: about 167 canary requests.
    const ideal = expectedCanaryRequestsToDetect({ canaryRate: 0.05, stableRate: 0.01, weight: 0.2, alpha: 0.01 });
    console.log(`ideal SPRT expectation ${ideal.toFixed(0)} canary requests`);
    expect(median).toBeLessThanOrEqual(2 * ideal);
  });
});
