/**
 * Canaries judged by metric providers other than the proxy, end to end: the built CLI, a detached daemon, the
 * built-in proxy and REAL sample-service processes under steady load. One is judged by a range query against a real
 * Prometheus (its own config in a temp dir, scraping the daemon's /metrics on loopback), one by the error rate the
 * new version publishes itself on /stats, one by a series of its own Prometheus exposition on /metrics.
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

const CANARY = `strategy:
  canary:
    steps: [{ weight: 20 }, { pause: 25s }, { weight: 50 }, { pause: 5s }]`;

function analysis(metric: string, interval = '1s'): string {
  return `analysis:
  interval: ${interval}
  minRequests: 5
  onInconclusive: continue
  metrics:
    - ${metric}`;
}

async function rollsBack(rig: Rig): Promise<{ reason: string; analysis: { metric: string; verdict: string; value: number | null }[] }> {
  const first = await rig.deploy('v1');
  expect(first.run.code, first.run.stderr).toBe(0);
  await rig.startLoad();
  const { run, release } = await rig.deploy('v2');
  await rig.stopLoad();
  expect(run.code, run.stderr).toBe(1);
  expect(release.status).toBe('rolled_back');
  expect(release.steps.some((s) => s.kind === 'promote')).toBe(false);
  return { reason: release.reason ?? '', analysis: release.analysis };
}

describe('a value the new version publishes', () => {
  it('rolls back a version whose own /stats says 30% of its answers failed (published: jsonPath)', async () => {
    const metric = '{ name: own-errors, published: { url: "{url}/stats", jsonPath: "$.errorRate", timeout: 2s }, max: 0.1 }';
    const rig = await Rig.create({ v1: {}, v2: { ERROR_RATE: 0.3 } }, `${CANARY}\n${analysis(metric)}`);
    const { reason, analysis: measured } = await rollsBack(rig);
    expect(reason).toMatch(/^own-errors 0\.[1-9]\d* > max 0\.1/);
    expect(measured.some((a) => a.metric === 'own-errors' && a.verdict === 'fail' && (a.value ?? 0) > 0.1)).toBe(true);
  }, 200_000);

  it('rolls back a version whose own /metrics counts 5xx answers (published: series with matchers)', async () => {
    const metric = `{ name: own-5xx, published: { url: "{url}/metrics", series: 'sample_requests_total{code=~"5..",version="{version}"}' }, max: 5 }`;
    const rig = await Rig.create({ v1: {}, v2: { ERROR_RATE: 0.5 } }, `${CANARY}\n${analysis(metric)}`);
    const { reason } = await rollsBack(rig);
    expect(reason).toMatch(/^own-5xx \d+ > max 5/);
  }, 200_000);

  it('promotes a healthy version judged by the same published value', async () => {
    const metric = '{ name: own-errors, published: { url: "{url}/stats", jsonPath: "$.errorRate" }, max: 0.1 }';
    const rig = await Rig.create({ v1: {}, v2: {} }, `strategy:
  canary:
    steps: [{ weight: 20 }, { pause: 4s }]
${analysis(metric)}`);
    const first = await rig.deploy('v1');
    expect(first.run.code, first.run.stderr).toBe(0);
    await rig.startLoad();
    const { run, release } = await rig.deploy('v2');
    await rig.stopLoad();
    expect(run.code, run.stderr).toBe(0);
    expect(release.status).toBe('succeeded');
    expect(release.analysis.some((a) => a.metric === 'own-errors' && a.verdict === 'pass' && a.value === 0)).toBe(true);
  }, 200_000);
});

const { paths, missing } = requirePrograms('prometheus');

describe.skipIf(missing)(`a Prometheus range query${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('rolls back: the worst 5xx share of the canary over the last 10 s, from glidepath_requests_total', async () => {
    const query =
      'sum(rate(glidepath_requests_total{service="{service}",version="{version}",code=~"5.."}[{interval}])) / sum(rate(glidepath_requests_total{service="{service}",version="{version}"}[{interval}]))';
    const rig = await Rig.create({ v1: {}, v2: { ERROR_RATE: 0.3 } }, '');
    const promPort = await closedPort();
    const plan = readFileSync(join(rig.project.dir, 'glidepath.yaml'), 'utf8');
    const metric = `{ name: prom-5xx, prometheus: { url: "http://127.0.0.1:${promPort}", query: ${JSON.stringify(query)}, range: 10s, step: 1s, reduce: max, timeout: 3s }, max: 0.05 }`;
    await rig.project.write('glidepath.yaml', `${plan}${CANARY}\n${analysis(metric, '3s')}\n`);
    const first = await rig.deploy('v1');
    expect(first.run.code, first.run.stderr).toBe(0);
    await rig.startPrometheus(paths.prometheus as string, promPort);
    await rig.startLoad();
    const { run, release } = await rig.deploy('v2');
    await rig.stopLoad();
    expect(run.code, run.stderr).toBe(1);
    expect(release.status).toBe('rolled_back');
    expect(release.reason).toMatch(/^prom-5xx 0\.\d+ > max 0\.05/);
    expect(release.analysis.some((a) => a.metric === 'prom-5xx' && a.verdict === 'fail' && (a.value ?? 0) > 0.05)).toBe(true);
  }, 200_000);

  it('an unreachable Prometheus is an error, never a pass: the metric errors past its limit and the canary rolls back', async () => {
    const promPort = await closedPort();
    const metric = `{ name: prom-5xx, prometheus: { url: "http://127.0.0.1:${promPort}", query: "vector(0)", timeout: 1s }, max: 0.05, consecutiveErrorLimit: 1 }`;
    const rig = await Rig.create({ v1: {}, v2: {} }, `${CANARY}\n${analysis(metric)}`);
    const { reason, analysis: measured } = await rollsBack(rig);
    expect(reason).toMatch(/^prom-5xx: 2 consecutive errors > consecutiveErrorLimit 1; last: .*query prometheus at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query/);
    expect(measured.every((a) => a.verdict === 'error')).toBe(true);
  }, 200_000);
});
