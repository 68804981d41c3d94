/**
 * Canaries judged only by the sequential comparison with stable, end to end: the built CLI, a detached daemon, the
 * built-in proxy and REAL sample-service processes (one per version, behaviour from releases/<version>/service.json),
 * with real keep-alive load through the proxy. And a Prometheus (the real binary, its own config in a temp dir,
 * scraping the daemon's /metrics on loopback) whose query drives a rollback.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requirePrograms } from '../../src/testing/require-program.js';
import { closedPort, ensureBuilt } from './helpers.js';
import { Rig, cleanUpRigs } from './release-rig.js';

cleanUpRigs();

beforeAll(async () => {
  await ensureBuilt();
});

/** Long enough at 20% for the test to decide; analysis every second; running counts as no objection. */
const CANARY = `strategy:
  canary:
    steps: [{ weight: 20 }, { pause: 25s }, { weight: 50 }, { pause: 5s }]`;

function analysis(metric: string): string {
  return `analysis:
  interval: 1s
  minRequests: 5
  onInconclusive: continue
  metrics:
    - ${metric}`;
}

async function firstRelease(rig: Rig): Promise<void> {
  const { run, release } = await rig.deploy('v1');
  expect(run.code, run.stderr).toBe(0);
  expect(release.status).toBe('succeeded');
}

/** Releases v1, then v2 under steady load through the proxy; v2 is expected to be rolled back. */
async function rolledBack(versions: Parameters<typeof Rig.create>[0], plan: string) {
  const rig = await Rig.create(versions, plan);
  await firstRelease(rig);
  await rig.startLoad();
  const { run, release } = await rig.deploy('v2');
  await rig.stopLoad();
  expect(run.code, run.stderr).toBe(1);
  expect(release.status).toBe('rolled_back');
  return release;
}

describe('canaries judged by the sequential comparison with stable', () => {
  it('compare: latency rolls back a version 300 ms slower, with ratio bounds, confidence and counts in the reason', async () => {
    const release = await rolledBack({ v1: {}, v2: { EXTRA_LATENCY_MS: 300 } }, `${CANARY}\n${analysis('{ name: vs-stable, compare: latency }')}`);
    expect(release.reason).toMatch(
      /^p95 latency [\d.]+ ms vs stable [\d.]+ ms: \d+ of \d+ canary requests \([\d.]+%\) slower than stable's p95 × 1.2, vs [\d.]+% of stable's slower than its p95; canary ≥ [\d.]+ ms, stable ≤ (∞|[\d.]+ ms) at 99% confidence after \d+ canary requests \(e-value [\d.e+]+ ≥ 100\)$/,
    );
    const failed = release.analysis.find((a) => a.metric === 'vs-stable' && a.verdict === 'fail');
    expect(failed?.value).toBeGreaterThan(250);
    expect(release.steps.some((s) => s.kind === 'promote')).toBe(false);
  }, 200_000);

  it('compare: latency is looked at between rounds: with an hour-long interval the slow version is rolled back at a look', async () => {
    const plan = `${CANARY}
analysis:
  interval: 1h
  lookEvery: 500ms
  minRequests: 5
  metrics:
    - { name: vs-stable, compare: latency }`;
    // Without looks nothing would be measured for an hour: the 20% step would wait for evidence and never roll back.
    const release = await rolledBack({ v1: {}, v2: { EXTRA_LATENCY_MS: 300 } }, plan);
    expect(release.reason).toMatch(/^p95 latency [\d.]+ ms vs stable [\d.]+ ms: .* \(e-value [\d.e+]+ ≥ 100\)$/);
    // The look that failed was recorded at once, before any round: one measurement, the failing one.
    expect(release.analysis.map((a) => [a.metric, a.verdict])).toEqual([['vs-stable', 'fail']]);
  }, 200_000);

  it('compare: latency promotes an equally fast version, early (median within 2×) when the plan allows it', async () => {
    const metric = '{ name: vs-stable, compare: latency, quantile: 0.5, tolerance: 1, promoteEarly: true }';
    const rig = await Rig.create({ v1: {}, v2: {} }, `${CANARY}\n${analysis(metric)}`);
    await firstRelease(rig);
    await rig.startLoad();
    const started = Date.now();
    const { run, release } = await rig.deploy('v2');
    const report = await rig.stopLoad();
    expect(run.code, run.stderr).toBe(0);
    expect(release.status).toBe('succeeded');
    expect(release.analysis.every((a) => a.verdict !== 'fail')).toBe(true);
    expect(report.non2xx).toBe(0);
    const early = release.steps.find((s) => s.kind === 'promote' && s.detail.early === true);
    // Equivalence within 2× of stable's median is shown before the 25 s pause ends.
    expect(early, JSON.stringify(release.analysis.slice(-2))).toBeDefined();
    expect(early?.detail.reason).toMatch(/vs-stable: p50 latency .* canary ≤ [\d.]+ ms ≤ stable ≥ [\d.]+ ms × 2 at 99% confidence/);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 200_000);

  it('compare: error_rate rolls back 5% errors against stable\'s 1%', async () => {
    const release = await rolledBack({ v1: { ERROR_RATE: 0.01 }, v2: { ERROR_RATE: 0.05 } }, `strategy:
  canary:
    steps: [{ weight: 20 }, { pause: 90s }, { weight: 50 }, { pause: 5s }]
${analysis('{ name: vs-stable, compare: error_rate }')}`);
    expect(release.reason).toMatch(/^error rate [\d.]+% vs stable [\d.]+%: ratio ≥ [\d.]+ at 99% confidence after \d+ canary requests \(e-value [\d.e+]+ ≥ 100; tolerated ratio 1.2\)/);
  }, 200_000);
});

const { paths, missing } = requirePrograms('prometheus');

describe.skipIf(missing)(`a Prometheus metric${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('drives a rollback: the 5xx share of the canary from glidepath_requests_total, queried every interval', async () => {
    const query = 'sum(rate(glidepath_requests_total{service="{service}",version="{version}",code=~"5.."}[{interval}])) / sum(rate(glidepath_requests_total{service="{service}",version="{version}"}[{interval}]))';
    const rig = await Rig.create({ v1: {}, v2: { ERROR_RATE: 0.3 } }, '');
    const promPort = await closedPort();
    const plan = readFileSync(join(rig.project.dir, 'glidepath.yaml'), 'utf8');
    await rig.project.write('glidepath.yaml', `${plan}${CANARY}
analysis:
  interval: 3s
  minRequests: 5
  onInconclusive: continue
  metrics:
    - { name: prom-5xx, prometheus: { url: "http://127.0.0.1:${promPort}", query: ${JSON.stringify(query)} }, max: 0.05 }
`);
    await firstRelease(rig);
    // Prometheus scrapes the daemon's /metrics every second with the read token, kept in a file of its own.
    await rig.startPrometheus(paths.prometheus as string, promPort);
    await rig.startLoad();
    const { run, release } = await rig.deploy('v2');
    await rig.stopLoad();
    expect(run.code, run.stderr).toBe(1);
    expect(release.status).toBe('rolled_back');
    expect(release.reason).toMatch(/^prom-5xx [\d.]+ > max 0\.05/);
    expect(release.analysis.some((a) => a.metric === 'prom-5xx' && a.verdict === 'fail' && (a.value ?? 0) > 0.05)).toBe(true);
  }, 200_000);
});
