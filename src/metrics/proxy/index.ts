/**
 * The built-in metrics, measured by the proxy where traffic is split: one version's rps, error rate, latency
 * percentiles, cpu and memory (`metric:`), or both versions' counts and latency histograms side by side (`compare:`).
 * Both hand out the distributions (request and error counts, histogram buckets) with the numbers.
 */
import type { BuiltinMetric } from '../../plan/schema/analysis.js';
import { describeError } from '../../shared/errors.js';
import type { VersionMetrics } from '../../targets/target.js';
import type { ComparedSide, MetricProvider, MetricProviderDeps, MetricSample, MetricSubject, VersionObserver } from '../metric.js';

/** What `compare:` compares. */
export type ComparedQuantity = 'latency' | 'error_rate';

/** The version's built-in metrics over the window, or why they cannot be read. */
async function versionMetrics(observer: VersionObserver, version: string, windowMs: number): Promise<VersionMetrics | string> {
  if (!observer.metrics) return `the ${observer.type} target has no built-in metrics: measure with a check or Prometheus`;
  try {
    return (await observer.metrics(version, windowMs)) ?? `the ${observer.type} target does not run ${version}`;
  } catch (error) {
    return `read metrics of ${version}: ${describeError(error)}`;
  }
}

/** The value of one built-in metric; null where there is nothing to measure (no requests, unknown usage). */
export function builtinValue(metrics: VersionMetrics, name: BuiltinMetric): number | null {
  switch (name) {
    case 'error_rate':
      return metrics.requests > 0 ? metrics.errorRate : null;
    case 'rps':
      return metrics.rps;
    default:
      return metrics[name];
  }
}

/** `metric: <name>`: one built-in metric of the new version. */
export function createProxyMetricProvider(name: BuiltinMetric, deps: MetricProviderDeps): MetricProvider {
  return {
    kind: 'metric',
    async measure(subject: MetricSubject, { signal }): Promise<MetricSample> {
      if (signal.aborted) return { kind: 'error', detail: `read ${name}: aborted` };
      const metrics = await versionMetrics(deps.observer, subject.canary.version, subject.windowMs);
      if (typeof metrics === 'string') return { kind: 'error', detail: metrics };
      const sample: MetricSample = { kind: 'value', value: builtinValue(metrics, name), samples: metrics.requests };
      return metrics.totals ? { ...sample, distribution: metrics.totals } : sample;
    },
  };
}

/** `compare: latency | error_rate`: both versions' counters for the sequential test, else their windowed values. */
export function createProxyCompareProvider(what: ComparedQuantity, deps: MetricProviderDeps): MetricProvider {
  return {
    kind: 'compare',
    async measure(subject: MetricSubject, { signal }): Promise<MetricSample> {
      if (signal.aborted) return { kind: 'error', detail: `compare ${what}: aborted` };
      if (!subject.stable) return { kind: 'error', detail: 'there is no stable version to compare with' };
      const [canary, stable] = await Promise.all([
        versionMetrics(deps.observer, subject.canary.version, subject.windowMs),
        versionMetrics(deps.observer, subject.stable.version, subject.windowMs),
      ]);
      if (typeof canary === 'string') return { kind: 'error', detail: canary };
      if (typeof stable === 'string') return { kind: 'error', detail: stable };
      if (canary.totals && stable.totals) {
        return { kind: 'counters', canary: { version: canary.version, totals: canary.totals }, stable: { version: stable.version, totals: stable.totals } };
      }
      const read = (m: VersionMetrics): ComparedSide => ({
        version: m.version,
        value: what === 'latency' ? m.p95 : builtinValue(m, 'error_rate'),
        requests: m.requests,
      });
      return { kind: 'compare', canary: read(canary), stable: read(stable) };
    },
  };
}
