/** Reads one metric from its source: the target's built-in metrics, a named check, a comparison, or Prometheus. */
import { checkVariables, runCheckEntry } from '../preflight/plan-checks.js';
import type { Plan } from '../plan/plan-schema.js';
import type { AnalysisMetric } from '../plan/schema/analysis.js';
import { describeError } from '../shared/errors.js';
import { observes, type Target, type VersionMetrics } from '../targets/target.js';
import type { MetricSample } from './measurement.js';
import { queryPrometheus } from './prometheus-query.js';

/** The versions under analysis at one moment. */
export interface AnalysisSubject {
  /** The new version and its direct address (`{url}`). */
  canary: { version: string; url: string | undefined };
  /** The version it replaces, when there is one. */
  stable: { version: string } | undefined;
  /** Percent of traffic the new version has now. */
  weight: number;
}

/** What measuring needs besides the metric. */
export interface MeasureDeps {
  plan: Plan;
  planDir: string;
  target: Target;
  windowMs: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** Takes one reading of a metric for the subject; never throws. */
export async function measureMetric(metric: AnalysisMetric, subject: AnalysisSubject, deps: MeasureDeps): Promise<MetricSample> {
  try {
    if (metric.metric !== undefined) return await measureBuiltin(metric.metric, subject.canary.version, deps);
    if (metric.check !== undefined) return await measureCheck(metric.check, subject, deps);
    if (metric.compare !== undefined) return await measureCompare(metric.compare, subject, deps);
    if (metric.prometheus !== undefined) {
      const query = metric.prometheus.query
        .replaceAll('{version}', subject.canary.version)
        .replaceAll('{service}', deps.plan.service)
        .replaceAll('{interval}', promDuration(deps.windowMs));
      return await queryPrometheus(metric.prometheus.url, query, { signal: deps.signal, fetch: deps.fetch });
    }
    return { kind: 'error', detail: 'the metric names no source' };
  } catch (error) {
    return { kind: 'error', detail: describeError(error) };
  }
}

/** A PromQL range duration for the analysis interval: whole seconds as `5s`, else milliseconds. */
function promDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;
}

async function versionMetrics(version: string, deps: MeasureDeps): Promise<VersionMetrics | string> {
  const { target } = deps;
  if (!observes(target)) return `the ${target.type} target has no built-in metrics: measure with a check or Prometheus`;
  try {
    return (await target.metrics(version, deps.windowMs)) ?? `the ${deps.target.type} target does not run ${version}`;
  } catch (error) {
    return `read metrics of ${version}: ${describeError(error)}`;
  }
}

async function measureBuiltin(name: NonNullable<AnalysisMetric['metric']>, version: string, deps: MeasureDeps): Promise<MetricSample> {
  const metrics = await versionMetrics(version, deps);
  if (typeof metrics === 'string') return { kind: 'error', detail: metrics };
  const values: Record<typeof name, number | null> = {
    error_rate: metrics.requests > 0 ? metrics.errorRate : null,
    p50: metrics.p50,
    p95: metrics.p95,
    p99: metrics.p99,
    rps: metrics.rps,
    cpu: metrics.cpu,
    memory: metrics.memory,
  };
  return { kind: 'value', value: values[name], samples: metrics.requests };
}

async function measureCheck(name: string, subject: AnalysisSubject, deps: MeasureDeps): Promise<MetricSample> {
  const entry = deps.plan.checks[name];
  if (!entry) return { kind: 'error', detail: `the plan has no check "${name}"` };
  const variables = checkVariables(deps.plan, {
    url: subject.canary.url,
    service_url: deps.target.serviceUrl,
    version: subject.canary.version,
  });
  const result = await runCheckEntry(name, entry, { cwd: deps.planDir, variables, signal: deps.signal });
  return { kind: 'check', status: result.status, detail: result.detail };
}

async function measureCompare(what: 'latency' | 'error_rate', subject: AnalysisSubject, deps: MeasureDeps): Promise<MetricSample> {
  if (!subject.stable) return { kind: 'error', detail: 'there is no stable version to compare with' };
  const [canary, stable] = await Promise.all([versionMetrics(subject.canary.version, deps), versionMetrics(subject.stable.version, deps)]);
  if (typeof canary === 'string') return { kind: 'error', detail: canary };
  if (typeof stable === 'string') return { kind: 'error', detail: stable };
  if (canary.totals && stable.totals) {
    return { kind: 'counters', canary: { version: canary.version, totals: canary.totals }, stable: { version: stable.version, totals: stable.totals } };
  }
  const read = (m: VersionMetrics) => ({
    version: m.version,
    value: what === 'latency' ? m.p95 : m.requests > 0 ? m.errorRate : null,
    requests: m.requests,
  });
  return { kind: 'compare', canary: read(canary), stable: read(stable) };
}
