import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePlan } from '../plan/load.js';
import { FakeClock } from '../testing/fake-clock.js';
import { TestTarget } from '../testing/test-target.js';
import { AnalysisRun } from './analysis-run.js';
import type { MeasurementRecord, MetricOutcome } from './measurement.js';
import type { VersionCounters } from '../targets/target.js';

const plan = (metrics: string, settings = '') =>
  parsePlan(
    `version: 1
service: shop
checks:
  health: { http: { url: "{url}/health", status: 200 } }
analysis:
  interval: 5s
  minRequests: 10${settings}
  metrics:${metrics.trim() === '[]' ? ' []' : `\n${metrics}`}`,
    'glidepath.yaml',
    {},
  );

let clock: FakeClock;
let target: TestTarget;

beforeEach(async () => {
  clock = new FakeClock();
  target = await TestTarget.create();
  await target.startVersion('v1');
  await target.startVersion('v2');
  await target.setWeights({ v1: 80, v2: 20 });
});

afterEach(async () => {
  await target.close();
});

function run(metrics: string, history: MeasurementRecord[] = [], settings = '') {
  const records: MeasurementRecord[] = [];
  const outcomes: MetricOutcome[] = [];
  const rounds: number[] = [];
  const equivalence: string[] = [];
  const url = target.versions().find((v) => v.version === 'v2')?.url;
  const analysis = new AnalysisRun({
    plan: plan(metrics, settings),
    planDir: tmpdir(),
    target,
    clock,
    history,
    subject: () => ({ canary: { version: 'v2', url }, stable: { version: 'v1' }, weight: 20 }),
    onMeasurement: (record) => void records.push(record),
    onOutcome: (outcome) => void outcomes.push(outcome),
    onRound: (round) => void rounds.push(round),
    onEquivalence: (reason) => void equivalence.push(reason),
  });
  return { analysis, records, outcomes, rounds, equivalence };
}

/** Advances the clock an interval at a time until `done` holds (real I/O such as a check needs a few turns). */
async function until(done: () => boolean, stepMs = 5000, maxSteps = 20): Promise<void> {
  for (let i = 0; i < maxSteps && !done(); i++) {
    await clock.advance(stepMs);
    for (let j = 0; j < 50 && !done(); j++) await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Counters that grow by `perRead` requests at each reading, all in the bucket (4, 5] ms, or (100, 200] ms when `slow`. */
function growing(perRead: number, slow: number): () => VersionCounters {
  let requests = 0;
  return () => {
    requests += perRead;
    const fast = slow ? 0 : requests;
    return { requests, errors: 0, latency: { upperBoundsMs: [4, 5, 100, 200, Infinity], cumulative: [0, fast, fast, requests, requests] } };
  };
}

/** The canary's 200 requests a reading all slow ((100, 200] ms), stable's all fast: a comparison fails at once. */
function slowCanary(): void {
  target.script('v2', { counters: growing(200, 1) }).script('v1', { counters: growing(200, 0) });
}

describe('AnalysisRun', () => {
  it('measures every interval, records each measurement, and reports a failing metric once with its reason', async () => {
    target.script('v2', { errorRate: 0.19 });
    const { analysis, records, outcomes, rounds } = run(`    - { name: errors, metric: error_rate, max: 0.05 }
    - { name: health, check: health }
`);
    analysis.start();
    await clock.advance(4999);
    expect(records).toEqual([]);
    await until(() => rounds.length >= 1);
    expect(records.map(({ metric, verdict, value, threshold, samples }) => ({ metric, verdict, value, threshold, samples }))).toEqual([
      { metric: 'errors', verdict: 'fail', value: 0.19, threshold: 0.05, samples: 100 },
      { metric: 'health', verdict: 'pass', value: null, threshold: null, samples: 1 },
    ]);
    expect(records[0]?.at).toBe('2025-01-01T00:00:05.000Z');
    expect(outcomes).toEqual([
      { metric: 'errors', status: 'fail', reason: 'error_rate 0.19 > max 0.05 over 100 requests at weight 20%', at: '2025-01-01T00:00:05.000Z' },
    ]);
    await until(() => rounds.length >= 2);
    expect(outcomes).toHaveLength(1);
    await analysis.stop();
    expect(clock.pendingSleeps).toBe(0);
  });

  it('compares the canary with stable', async () => {
    target.script('v2', { p95: 420 }).script('v1', { p95: 100 });
    const { analysis, outcomes, rounds } = run('    - { name: vs-stable, compare: latency, tolerance: 0.2 }\n');
    analysis.start();
    await until(() => rounds.length >= 1);
    await analysis.stop();
    expect(outcomes[0]?.reason).toBe('p95 vs stable 420ms (v2) > 100ms (v1) × 1.2 = 120ms over 100 canary vs 400 stable requests at weight 20%');
  });

  it('judges compare metrics sequentially on running counters: a slower canary fails with the test\'s reason', async () => {
    slowCanary();
    const { analysis, outcomes, records, rounds } = run('    - { name: vs-stable, compare: latency }\n');
    analysis.start();
    await until(() => outcomes.length > 0 || rounds.length >= 10);
    await analysis.stop();
    expect(outcomes[0]?.status).toBe('fail');
    expect(outcomes[0]?.reason).toMatch(
      /^p95 latency 195 ms vs stable 4.95 ms: (\d+) of \1 canary requests \(100%\) slower than stable's p95 × 1.2, vs [\d.]+% of stable's slower than its p95; canary ≥ 100 ms, stable ≤ (∞|5 ms) at 99% confidence after \d+ canary requests \(e-value [\d.e+]+ ≥ 100\)$/,
    );
    // The baseline was read before the first interval: the first round already judged 200 requests of each.
    expect(records[0]?.samples).toBe(200);
    expect(records[0]?.evidence).toMatchObject({ test: 'latency', canary: { requests: 200 }, stable: { requests: 200 } });
  });

  it('looks at comparisons between rounds: a canary that fails at a look is recorded and reported at once', async () => {
    slowCanary();
    const { analysis, outcomes, records, rounds } = run('    - { name: vs-stable, compare: latency }\n');
    analysis.start();
    await clock.advance(999);
    expect(records).toEqual([]);
    await clock.advance(1);
    await until(() => outcomes.length > 0, 0, 1);
    // The look one second in (lookEvery's default) failed the canary: recorded and reported then, not at the 5 s
    // round, which is still to come.
    expect(outcomes[0]).toMatchObject({ status: 'fail', at: '2025-01-01T00:00:01.000Z' });
    expect(rounds).toEqual([]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ at: '2025-01-01T00:00:01.000Z', verdict: 'fail', samples: 200 });
    await analysis.stop();
    expect(clock.pendingSleeps).toBe(0);
  });

  it('counts each failing look towards failureLimit', async () => {
    slowCanary();
    const { analysis, outcomes, records, rounds } = run('    - { name: vs-stable, compare: latency, failureLimit: 2 }\n');
    analysis.start();
    await until(() => outcomes.length > 0, 1000, 4);
    await analysis.stop();
    expect(records.map((r) => [r.at.slice(17, 19), r.verdict])).toEqual([['01', 'fail'], ['02', 'fail'], ['03', 'fail']]);
    expect(outcomes[0]).toMatchObject({ status: 'fail', at: '2025-01-01T00:00:03.000Z' });
    expect(outcomes[0]?.reason).toMatch(/\(3 failures > failureLimit 2\)$/);
    expect(rounds).toEqual([]);
  });

  it('records nothing at a look that does not fail, and keeps what it read in the test', async () => {
    const v2 = growing(100, 0);
    let reads = 0;
    target.script('v2', { counters: () => (reads++, v2()) }).script('v1', { counters: growing(100, 0) });
    const { analysis, records, rounds } = run('    - { name: vs-stable, compare: latency }\n');
    analysis.start();
    await until(() => rounds.length >= 1, 1000, 10);
    await analysis.stop();
    // The baseline, four looks and the round each read the canary once; the round judged all of it since the baseline.
    expect(reads).toBe(6);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ at: '2025-01-01T00:00:05.000Z', verdict: 'pass', samples: 500 });
  });

  it('stops looking at a comparison whose target reports no running totals (it is judged window by window at rounds)', async () => {
    let reads = 0;
    const metrics = target.metrics.bind(target);
    target.metrics = (version, windowMs) => (reads++, metrics(version, windowMs));
    const { analysis, rounds } = run('    - { name: vs-stable, compare: latency }\n');
    analysis.start();
    await until(() => rounds.length >= 2, 1000, 20);
    await analysis.stop();
    // Both versions read at the baseline, at the first look (which finds no totals) and at each of the two rounds.
    expect(reads).toBe(8);
  });

  it('looks only at rounds when lookEvery is the interval or more', async () => {
    slowCanary();
    const { analysis, outcomes } = run('    - { name: vs-stable, compare: latency }\n', [], '\n  lookEvery: 10s');
    analysis.start();
    await clock.advance(4999);
    expect(outcomes).toEqual([]);
    await clock.advance(1);
    await until(() => outcomes.length > 0, 0, 1);
    expect(outcomes[0]).toMatchObject({ status: 'fail', at: '2025-01-01T00:00:05.000Z' });
    await analysis.stop();
  });

  it('reports equivalence after a round where every promoteEarly comparison shows the canary within tolerance', async () => {
    target.script('v2', { counters: growing(400, 0) }).script('v1', { counters: growing(400, 0) });
    const { analysis, equivalence, rounds } = run('    - { name: vs-stable, compare: latency, tolerance: 1, promoteEarly: true }\n');
    analysis.start();
    await until(() => equivalence.length > 0 || rounds.length >= 10);
    await analysis.stop();
    expect(equivalence[0]).toMatch(/^vs-stable: p95 latency 4.95 ms vs stable 4.95 ms: canary ≤ 5 ms ≤ stable ≥ 4 ms × 2 at 99% confidence/);
  });

  it('counts measurements from before a restart towards the limits', async () => {
    target.script('v2', { errorRate: 0.1 });
    const earlier: MeasurementRecord = { at: 'x', metric: 'errors', value: 0.1, threshold: 0.05, verdict: 'fail', samples: 100, reason: 'earlier' };
    const { analysis, outcomes, rounds } = run('    - { name: errors, metric: error_rate, max: 0.05, failureLimit: 1 }\n', [earlier]);
    analysis.start();
    await until(() => rounds.length >= 1);
    await analysis.stop();
    expect(outcomes[0]?.reason).toBe('error_rate 0.1 > max 0.05 over 100 requests at weight 20% (2 failures > failureLimit 1)');
  });

  it('stops mid-wait and mid-measurement without leaving a sleep behind, and records nothing after', async () => {
    const { analysis, records } = run('    - { name: health, check: health }\n');
    analysis.start();
    await clock.advance(1000);
    await analysis.stop();
    expect(clock.pendingSleeps).toBe(0);
    await clock.advance(20_000);
    expect(records).toEqual([]);
  });

  it('ends at once when the plan measures nothing', async () => {
    const { analysis } = run('    []\n');
    expect(analysis.empty).toBe(true);
    analysis.start();
    await analysis.stop();
    expect(clock.pendingSleeps).toBe(0);
  });
});
