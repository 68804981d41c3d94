import { describe, expect, it } from 'vitest';
import { analysisSchema, type AnalysisMetric } from '../plan/schema/analysis.js';
import { assessMeasurement, assessMetric } from './assess.js';
import type { MeasurementVerdict, MetricSample } from './measurement.js';

function metric(input: Record<string, unknown>): AnalysisMetric {
  return analysisSchema.parse({ metrics: [{ name: 'm', ...input }] }).metrics[0] as AnalysisMetric;
}

const value = (v: number | null, samples: number): MetricSample => ({ kind: 'value', value: v, samples });

describe('assessMeasurement', () => {
  const cases: {
    name: string;
    metric: Record<string, unknown>;
    sample: MetricSample;
    context?: { minRequests?: number; weight?: number };
    verdict: MeasurementVerdict;
    reason: string;
    threshold?: number | null;
  }[] = [
    {
      name: 'error rate above max fails, in the words of the issue',
      metric: { metric: 'error_rate', max: 0.05 },
      sample: value(0.19, 212),
      context: { minRequests: 100, weight: 20 },
      verdict: 'fail',
      threshold: 0.05,
      reason: 'error_rate 0.19 > max 0.05 over 212 requests at weight 20%',
    },
    {
      name: 'error rate equal to max passes (max is inclusive)',
      metric: { metric: 'error_rate', max: '5%' },
      sample: value(0.05, 212),
      context: { minRequests: 100, weight: 20 },
      verdict: 'pass',
      reason: 'error_rate 0.05 ≤ max 0.05 over 212 requests at weight 20%',
    },
    {
      name: 'p95 above a duration max fails, shown as durations',
      metric: { metric: 'p95', max: '2s' },
      sample: value(2300, 150),
      verdict: 'fail',
      threshold: 2000,
      reason: 'p95 2.3s > max 2s over 150 requests',
    },
    {
      name: 'p95 +300ms over a 300ms max fails',
      metric: { metric: 'p95', max: '300ms' },
      sample: value(350, 60),
      context: { minRequests: 50, weight: 10 },
      verdict: 'fail',
      reason: 'p95 350ms > max 300ms over 60 requests at weight 10%',
    },
    {
      name: 'rps below min fails',
      metric: { metric: 'rps', min: 50 },
      sample: value(3, 15),
      verdict: 'fail',
      threshold: 50,
      reason: 'rps 3 < min 50 over 15 requests',
    },
    {
      name: 'one request short of minRequests is inconclusive',
      metric: { metric: 'error_rate', max: 0.05 },
      sample: value(0.5, 49),
      context: { minRequests: 50, weight: 10 },
      verdict: 'inconclusive',
      reason: 'error_rate 0.5 over only 49 requests (minRequests 50) at weight 10%: inconclusive',
    },
    {
      name: 'exactly minRequests is enough to judge',
      metric: { metric: 'error_rate', max: 0.05 },
      sample: value(0.5, 50),
      context: { minRequests: 50 },
      verdict: 'fail',
      reason: 'error_rate 0.5 > max 0.05 over 50 requests',
    },
    {
      name: 'no requests take the noData verdict (inconclusive by default)',
      metric: { metric: 'p95', max: '1s' },
      sample: value(null, 0),
      context: { minRequests: 10, weight: 10 },
      verdict: 'inconclusive',
      reason: 'p95: no requests at weight 10% (noData: inconclusive)',
    },
    {
      name: 'noData: fail fails without data',
      metric: { metric: 'error_rate', max: 0.05, noData: 'fail' },
      sample: value(null, 0),
      verdict: 'fail',
      reason: 'error_rate: no requests (noData: fail)',
    },
    {
      name: 'noData: pass applies to too few requests as well',
      metric: { metric: 'error_rate', max: 0.05, noData: 'pass' },
      sample: value(0.5, 3),
      context: { minRequests: 50 },
      verdict: 'pass',
      reason: 'error_rate 0.5 over only 3 requests (minRequests 50): noData: pass',
    },
    {
      name: 'cpu is not request-based: minRequests does not apply',
      metric: { metric: 'cpu', max: '80%' },
      sample: value(0.9, 0),
      context: { minRequests: 50 },
      verdict: 'fail',
      reason: 'cpu 0.9 cores > max 0.8 cores',
    },
    {
      name: 'unknown cpu is no data',
      metric: { metric: 'cpu', max: '80%' },
      sample: value(null, 0),
      verdict: 'inconclusive',
      reason: 'cpu: no data (noData: inconclusive)',
    },
    {
      name: 'memory is shown in MiB',
      metric: { metric: 'memory', max: '512MiB' },
      sample: value(600 * 1024 ** 2, 0),
      verdict: 'fail',
      reason: 'memory 600MiB > max 512MiB',
    },
    {
      name: 'a metric without threshold passes and says so',
      metric: { metric: 'p50' },
      sample: value(12, 100),
      verdict: 'pass',
      threshold: null,
      reason: 'p50 12ms (no threshold) over 100 requests',
    },
    {
      name: 'a passing check',
      metric: { check: 'health' },
      sample: { kind: 'check', status: 'pass', detail: 'HTTP 200 in 3ms' },
      verdict: 'pass',
      reason: 'check health passed: HTTP 200 in 3ms',
    },
    {
      name: 'a failing check',
      metric: { check: 'health' },
      sample: { kind: 'check', status: 'fail', detail: 'HTTP 500, expected 200' },
      verdict: 'fail',
      reason: 'check health failed: HTTP 500, expected 200',
    },
    {
      name: 'a check that could not run is an error',
      metric: { check: 'health' },
      sample: { kind: 'check', status: 'error', detail: 'timed out after 10s' },
      verdict: 'error',
      reason: 'check health could not run: timed out after 10s',
    },
    {
      name: 'a source that failed is an error',
      metric: { metric: 'error_rate', max: 0.05 },
      sample: { kind: 'error', detail: 'the test target does not run v2' },
      verdict: 'error',
      reason: 'error_rate could not be measured: the test target does not run v2',
    },
    {
      name: 'prometheus value above max fails under the metric name',
      metric: { name: 'prom-5xx', prometheus: { url: 'http://127.0.0.1:9090', query: 'x' }, max: 0.01 },
      sample: value(0.02, 1),
      verdict: 'fail',
      reason: 'prom-5xx 0.02 > max 0.01',
    },
    {
      name: 'canary p95 beyond stable × (1 + tolerance) fails',
      metric: { compare: 'latency', tolerance: 0.2 },
      sample: { kind: 'compare', canary: { version: 'v2', value: 420, requests: 80 }, stable: { version: 'v1', value: 100, requests: 800 } },
      context: { minRequests: 50, weight: 10 },
      verdict: 'fail',
      threshold: 120,
      reason: 'p95 vs stable 420ms (v2) > 100ms (v1) × 1.2 = 120ms over 80 canary vs 800 stable requests at weight 10%',
    },
    {
      name: 'canary p95 within tolerance passes',
      metric: { compare: 'latency', tolerance: 0.2 },
      sample: { kind: 'compare', canary: { version: 'v2', value: 115, requests: 80 }, stable: { version: 'v1', value: 100, requests: 800 } },
      context: { minRequests: 50 },
      verdict: 'pass',
      reason: 'p95 vs stable 115ms (v2) ≤ 100ms (v1) × 1.2 = 120ms over 80 canary vs 800 stable requests',
    },
    {
      name: 'a comparison needs minRequests on both sides',
      metric: { compare: 'latency' },
      sample: { kind: 'compare', canary: { version: 'v2', value: 420, requests: 49 }, stable: { version: 'v1', value: 100, requests: 800 } },
      context: { minRequests: 50 },
      verdict: 'inconclusive',
      reason: 'p95 vs stable: too few requests to compare (49 canary vs 800 stable requests; minRequests 50) (noData: inconclusive)',
    },
    {
      name: 'a significantly higher canary error rate fails',
      metric: { compare: 'error_rate', tolerance: 0.2 },
      sample: { kind: 'compare', canary: { version: 'v2', value: 0.05, requests: 200 }, stable: { version: 'v1', value: 0.001, requests: 2000 } },
      context: { minRequests: 50 },
      verdict: 'fail',
      reason: 'error_rate vs stable 0.05 (v2) > 0.001 (v1) × 1.2 = 0.0012 over 200 canary vs 2000 stable requests, z 8.97',
    },
    {
      name: 'a higher error rate on few requests is not significant and passes',
      metric: { compare: 'error_rate', tolerance: 0.2 },
      sample: { kind: 'compare', canary: { version: 'v2', value: 0.02, requests: 50 }, stable: { version: 'v1', value: 0.01, requests: 100 } },
      context: { minRequests: 50 },
      verdict: 'pass',
      reason: 'error_rate vs stable 0.02 (v2) > 0.01 (v1) × 1.2 = 0.012 over 50 canary vs 100 stable requests, z 0.503 ≤ 1.645: not significant',
    },
  ];

  it.each(cases)('$name', ({ metric: config, sample, context, verdict, reason, threshold }) => {
    const assessment = assessMeasurement(metric(config), sample, context);
    expect(assessment.verdict).toBe(verdict);
    expect(assessment.reason).toBe(reason);
    if (threshold !== undefined) expect(assessment.threshold).toBe(threshold);
  });

  it('keeps value and sample count in plan units', () => {
    expect(assessMeasurement(metric({ metric: 'p95', max: '2s' }), value(2300, 150))).toMatchObject({ value: 2300, samples: 150, threshold: 2000 });
  });
});

describe('assessMetric', () => {
  const v = (...verdicts: MeasurementVerdict[]) => verdicts.map((verdict, i) => ({ verdict, reason: `${verdict} #${i + 1}` }));
  const cases: { name: string; limits: Record<string, unknown>; history: ReturnType<typeof v>; complete?: boolean; status: string; reason?: string }[] = [
    { name: 'no failure yet: running', limits: {}, history: v('pass', 'pass'), status: 'running' },
    { name: 'failureLimit 0: the first failure fails, with its reason', limits: {}, history: v('pass', 'fail'), status: 'fail', reason: 'fail #2' },
    { name: 'failureLimit 1: one failure is tolerated', limits: { failureLimit: 1 }, history: v('fail', 'pass'), status: 'running' },
    {
      name: 'failureLimit 1: the second failure fails, with the tally',
      limits: { failureLimit: 1 },
      history: v('fail', 'pass', 'fail'),
      status: 'fail',
      reason: 'fail #3 (2 failures > failureLimit 1)',
    },
    { name: 'consecutiveErrorLimit 4 (default): four errors are tolerated', limits: {}, history: v('error', 'error', 'error', 'error'), status: 'running' },
    {
      name: 'consecutiveErrorLimit 4: the fifth consecutive error errors',
      limits: {},
      history: v('error', 'error', 'error', 'error', 'error'),
      status: 'error',
      reason: 'm: 5 consecutive errors > consecutiveErrorLimit 4; last: error #5',
    },
    { name: 'errors must be consecutive: a pass resets the run', limits: {}, history: v('error', 'error', 'error', 'error', 'pass', 'error'), status: 'running' },
    { name: 'consecutiveErrorLimit 0: one error errors', limits: { consecutiveErrorLimit: 0 }, history: v('error'), status: 'error' },
    { name: 'inconclusiveLimit 3 (default): three are tolerated', limits: {}, history: v('inconclusive', 'inconclusive', 'pass', 'inconclusive'), status: 'running' },
    {
      name: 'inconclusiveLimit 3: the fourth, not necessarily consecutive, is inconclusive',
      limits: {},
      history: v('inconclusive', 'pass', 'inconclusive', 'inconclusive', 'pass', 'inconclusive'),
      status: 'inconclusive',
      reason: 'm: 4 inconclusive measurements > inconclusiveLimit 3; last: inconclusive #6',
    },
    { name: 'inconclusiveLimit 0: the first inconclusive counts', limits: { inconclusiveLimit: 0 }, history: v('inconclusive'), status: 'inconclusive' },
    { name: 'failure wins over inconclusive', limits: { inconclusiveLimit: 0 }, history: v('inconclusive', 'fail'), status: 'fail', reason: 'fail #2' },
    { name: 'complete within limits: pass', limits: {}, history: v('pass', 'inconclusive'), complete: true, status: 'pass', reason: 'm: 1 of 2 measurements passed, within limits' },
    { name: 'complete with no measurements: pass', limits: {}, history: v(), complete: true, status: 'pass' },
    { name: 'complete still fails past the limit', limits: {}, history: v('fail'), complete: true, status: 'fail' },
  ];

  it.each(cases)('$name', ({ limits, history, complete, status, reason }) => {
    const result = assessMetric(metric({ metric: 'error_rate', max: 0.05, ...limits }), history, { complete });
    expect(result.status).toBe(status);
    if (reason !== undefined) expect(result.reason).toBe(reason);
  });
});
