import { afterEach, describe, expect, it } from 'vitest';
import { TestTarget } from '../../testing/test-target.js';
import type { VersionCounters } from '../../targets/target.js';
import type { MetricProviderDeps, MetricSubject } from '../metric.js';
import { runMetricContract } from '../metric.contract.js';
import { createMetricProvider } from '../registry.js';

const targets: TestTarget[] = [];
afterEach(async () => {
  for (const target of targets.splice(0)) await target.close();
});

const counters = (requests: number, errors: number): VersionCounters => ({
  requests,
  errors,
  latency: { upperBoundsMs: [10, 100, Number.POSITIVE_INFINITY], cumulative: [requests - 5, requests - 1, requests] },
});

async function rig(): Promise<{ target: TestTarget; deps: MetricProviderDeps; subject: MetricSubject }> {
  const target = await TestTarget.create();
  targets.push(target);
  target.script('v1', { errorRate: 0.01, counters: () => counters(900, 9) });
  target.script('v2', { errorRate: 0.1, p95: 120, counters: () => counters(100, 10) });
  await target.startVersion('v1');
  await target.startVersion('v2');
  await target.setWeights({ v1: 80, v2: 20 });
  const deps: MetricProviderDeps = { service: 'shop', planDir: '.', observer: target, runCheck: () => Promise.resolve({ status: 'pass', detail: 'ok' }) };
  return { target, deps, subject: { canary: { version: 'v2', url: undefined }, stable: { version: 'v1' }, weight: 20, windowMs: 10_000 } };
}

/** The same deps with a target whose metrics cannot be read (its proxy is gone). */
const broken = (deps: MetricProviderDeps): MetricProviderDeps => ({
  ...deps,
  observer: { type: 'test', serviceUrl: '', metrics: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) },
});

runMetricContract({
  name: 'proxy (metric: p95)',
  async create() {
    const { deps, subject } = await rig();
    return {
      provider: createMetricProvider('metric', 'p95', deps),
      subject,
      expect: 'value',
      unreachable: createMetricProvider('metric', 'p95', broken(deps)),
    };
  },
});

runMetricContract({
  name: 'proxy (compare: error_rate)',
  async create() {
    const { deps, subject } = await rig();
    return {
      provider: createMetricProvider('compare', 'error_rate', deps),
      subject,
      expect: 'counters',
      unreachable: createMetricProvider('compare', 'error_rate', broken(deps)),
    };
  },
});

describe('the proxy metric provider', () => {
  it('reads each built-in metric of the new version over the window, with its distribution', async () => {
    const { deps, subject } = await rig();
    const read = (name: string) => createMetricProvider('metric', name, deps).measure(subject, { signal: new AbortController().signal });
    // 100 rps × 20% × 10 s = 200 requests, 10% of them errors.
    expect(await read('error_rate')).toEqual({ kind: 'value', value: 0.1, samples: 200, distribution: counters(100, 10) });
    expect(await read('p95')).toMatchObject({ kind: 'value', value: 120, samples: 200 });
    expect(await read('rps')).toMatchObject({ kind: 'value', value: 20 });
    expect(await read('cpu')).toMatchObject({ kind: 'value', value: null });
  });

  it('hands both versions\' counters to compare, and errors without a stable version or for one not running', async () => {
    const { deps, subject } = await rig();
    const provider = createMetricProvider('compare', 'latency', deps);
    const signal = new AbortController().signal;
    expect(await provider.measure(subject, { signal })).toEqual({
      kind: 'counters',
      canary: { version: 'v2', totals: counters(100, 10) },
      stable: { version: 'v1', totals: counters(900, 9) },
    });
    expect(await provider.measure({ ...subject, stable: undefined }, { signal })).toEqual({ kind: 'error', detail: 'there is no stable version to compare with' });
    expect(await provider.measure({ ...subject, stable: { version: 'v0' } }, { signal })).toEqual({ kind: 'error', detail: 'the test target does not run v0' });
  });

  it('an unknown source is refused with the known ones', async () => {
    const { deps } = await rig();
    expect(() => createMetricProvider('datadog', {}, deps)).toThrow(/unknown metric source "datadog"; known: metric, check, compare, prometheus, published/);
  });
});
