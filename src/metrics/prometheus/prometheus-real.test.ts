import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePrograms } from '../../testing/require-program.js';
import { queryPrometheus } from './prometheus-query.js';
import type { MetricProviderDeps, MetricSubject } from '../metric.js';
import { runMetricContract } from '../metric.contract.js';
import { createMetricProvider } from '../registry.js';
import { prometheusSourceSchema } from '../../plan/schema/metric-sources.js';
import { freePort } from '../../shared/free-port.js';

const { paths, missing } = requirePrograms('prometheus');

describe.skipIf(missing)(`queryPrometheus against a real Prometheus${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let dir = '';
  let child: ChildProcess | undefined;
  let url = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glidepath-prom-'));
    const port = await freePort();
    // It scrapes itself every second, so range queries over real series have points to reduce.
    await writeFile(join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: self\n    static_configs: [{ targets: ["127.0.0.1:${port}"] }]\n`);
    url = `http://127.0.0.1:${port}`;
    child = spawn(
      paths.prometheus as string,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: 'ignore' },
    );
    for (let attempt = 0; attempt < 150; attempt++) {
      const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('prometheus did not become ready in 15s');
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('answers a range query over its own scrapes, reduced to one number', async () => {
    let sample = await queryPrometheus(url, 'up{job="self"}', { range: { rangeMs: 10_000, stepMs: 1000, reduce: 'min' } });
    for (let attempt = 0; attempt < 100 && !(sample.kind === 'value' && sample.samples >= 2); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      sample = await queryPrometheus(url, 'up{job="self"}', { range: { rangeMs: 10_000, stepMs: 1000, reduce: 'min' } });
    }
    expect(sample).toMatchObject({ kind: 'value', value: 1 });
    expect(sample.kind === 'value' && sample.samples).toBeGreaterThanOrEqual(2);
    expect(await queryPrometheus(url, 'up{job="nothing-here"}', { range: { rangeMs: 10_000, stepMs: 1000, reduce: 'max' } })).toEqual({ kind: 'value', value: null, samples: 0 });
  });

  it('reads a one-series vector, a scalar, and an empty answer as no data', async () => {
    expect(await queryPrometheus(url, 'vector(0.02)')).toEqual({ kind: 'value', value: 0.02, samples: 1 });
    expect(await queryPrometheus(url, 'scalar(vector(0.5))')).toEqual({ kind: 'value', value: 0.5, samples: 1 });
    expect(await queryPrometheus(url, 'up{job="nothing-here"}')).toEqual({ kind: 'value', value: null, samples: 0 });
  });

  it('turns a PromQL error into an error sample with Prometheus\' words', async () => {
    const sample = await queryPrometheus(url, 'sum(');
    expect(sample.kind).toBe('error');
    expect(sample.kind === 'error' && sample.detail).toMatch(/^query prometheus at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query: HTTP 400: .*parse error/);
  });
});

const providerDeps: MetricProviderDeps = {
  service: 'shop',
  planDir: '.',
  observer: { type: 'test', serviceUrl: 'http://127.0.0.1:1', metrics: () => Promise.resolve(undefined) },
  runCheck: () => Promise.resolve({ status: 'error', detail: 'no checks here' }),
};
const subject: MetricSubject = { canary: { version: 'v2', url: undefined }, stable: { version: 'v1' }, weight: 10, windowMs: 5000 };

describe.skipIf(missing)(`the prometheus metric provider against a real Prometheus${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let dir = '';
  let child: ChildProcess | undefined;
  let url = '';
  let closed = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glidepath-prom-provider-'));
    await writeFile(join(dir, 'prometheus.yml'), 'global: { scrape_interval: 1m }\nscrape_configs: []\n');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    closed = `http://127.0.0.1:${await freePort()}`;
    child = spawn(paths.prometheus as string, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    for (let attempt = 0; attempt < 150; attempt++) {
      if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('prometheus did not become ready in 15s');
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  const provider = (base: string, settings: Record<string, unknown>) =>
    createMetricProvider('prometheus', prometheusSourceSchema.parse({ url: base, ...settings }), providerDeps);

  runMetricContract({
    name: 'prometheus',
    create: () =>
      Promise.resolve({
        provider: provider(url, { query: 'vector(0.02)' }),
        subject,
        expect: 'value' as const,
        unreachable: provider(closed, { query: 'vector(0.02)', timeout: '2s' }),
      }),
  });

  it('fills in {service}, {version} and {interval} before querying', async () => {
    const query = 'count_over_time(vector(1)[{interval}:1s]) * 0 + scalar(count(label_replace(label_replace(vector(7), "s", "{service}", "", ""), "v", "{version}", "", "") == 7))';
    const sample = await provider(url, { query }).measure(subject, { signal: new AbortController().signal });
    expect(sample).toEqual({ kind: 'value', value: 1, samples: 1 });
    const labels = await provider(url, { query: 'label_replace(vector(3), "v", "{version}-{service}", "", "") and on(v) label_replace(vector(1), "v", "v2-shop", "", "")' }).measure(subject, { signal: new AbortController().signal });
    expect(labels).toEqual({ kind: 'value', value: 3, samples: 1 });
  });

  it('reads an empty answer as no data and a PromQL error as an error, never a pass', async () => {
    const signal = new AbortController().signal;
    expect(await provider(url, { query: 'up{job="none"}' }).measure(subject, { signal })).toEqual({ kind: 'value', value: null, samples: 0 });
    expect(await provider(url, { query: 'up{job="none"}', range: '1m' }).measure(subject, { signal })).toEqual({ kind: 'value', value: null, samples: 0 });
    expect(await provider(url, { query: 'sum(' }).measure(subject, { signal })).toMatchObject({ kind: 'error' });
  });
});
