/** Samples an alert rule's condition: where its value comes from, and whether it crosses the threshold. */
import type { MetricProviderDeps, MetricSample } from '../metrics/metric.js';
import { createMetricProvider, type MetricSource } from '../metrics/registry.js';
import type { AlertRule } from '../plan/schema/alerts.js';
import { DEFAULT_ALERT_INTERVAL_MS } from '../plan/schema/alerts.js';
import { DEFAULT_METRIC_SOURCE_TIMEOUT } from '../plan/schema/metric-sources.js';
import { parseDuration } from '../shared/duration.js';
import { formatDuration } from '../shared/duration.js';
import { describeError } from '../shared/errors.js';
import type { AlertSample } from './alert-state.js';
import { formatValue } from './alert-template.js';
import type { HostUsage } from './host-usage.js';
import { sampleJobFailures, type JobFailureDeps } from './job-failure-condition.js';
import { sampleRpo, type SourceRecoveryPoint } from './rpo-condition.js';

/** What conditions read from the daemon. */
export interface ConditionDeps {
  /** A built-in metric of the serving version; null when nothing serves or there was no traffic. */
  servingMetric(metric: string): Promise<number | null>;
  /** Whether a check is down now (its monitor's state, or a fresh run when it has no monitor). */
  checkDown(name: string): Promise<{ down: boolean; detail: string }>;
  /** Age in ms of the newest good backup of a source (`*`: of any), or null when there is none. */
  backupAgeMs(source: string): Promise<number | null>;
  /** The daemon's jobs and their latest runs, for `job:`. */
  jobs: JobFailureDeps;
  /** Each backup source's recovery point and the plan's target, for `rpo:`. */
  recoveryPoints(): Promise<readonly SourceRecoveryPoint[]>;
  host: HostUsage;
  /** The plan's directory, for `host: disk` without a path. */
  planDir: string;
  /** Fills `{service}`, `{service_url}` in URLs and queries. */
  fill(text: string): string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

const SOURCE_TIMEOUT_MS = parseDuration(DEFAULT_METRIC_SOURCE_TIMEOUT) ?? 10_000;

/**
 * Reads a condition's value through the metric provider analysis uses for the same source (`prometheus:`,
 * `published:`), its placeholders filled in first; the window (PromQL's `{interval}`) is the rule's interval.
 */
async function readSource(source: MetricSource, config: Record<string, unknown>, windowMs: number, deps: ConditionDeps): Promise<number | null> {
  const providerDeps: MetricProviderDeps = {
    service: '',
    planDir: deps.planDir,
    observer: { type: 'daemon', serviceUrl: deps.fill('{service_url}') },
    runCheck: () => Promise.resolve({ status: 'error', detail: 'an alert condition runs no checks' }),
    fetch: deps.fetch,
  };
  const provider = createMetricProvider(source, { timeout: SOURCE_TIMEOUT_MS, ...config }, providerDeps);
  const subject = { canary: { version: '', url: deps.fill('{url}') }, stable: undefined, weight: 100, windowMs };
  const sample: MetricSample = await provider.measure(subject, { signal: deps.signal ?? new AbortController().signal });
  if (sample.kind === 'error') throw new Error(sample.detail);
  if (sample.kind !== 'value') throw new Error(`${source}: expected a value, got a ${sample.kind} reading`);
  return sample.value;
}

/** Samples one rule's condition now; never throws (a failure is an `error` sample). */
export async function sampleCondition(rule: AlertRule, deps: ConditionDeps): Promise<AlertSample> {
  try {
    if (rule.check !== undefined) {
      const { down, detail } = await deps.checkDown(rule.check);
      return { active: down, value: down ? 1 : 0, detail: `check ${rule.check} ${down ? 'is down' : 'is up'}${detail ? `: ${detail}` : ''}` };
    }
    if (rule.job !== undefined) return await sampleJobFailures(rule.job, deps.jobs);
    if (rule.rpo !== undefined) return sampleRpo(rule.rpo, await deps.recoveryPoints());
    const when = rule.when;
    if (!when) return { error: 'the rule has no condition' };
    const { value, what } = await readValue(when, rule.interval ?? DEFAULT_ALERT_INTERVAL_MS, deps);
    if (value === null) return { active: false, value: null, detail: `${what}: no data` };
    const above = when.max !== undefined && value > when.max;
    const below = when.min !== undefined && value < when.min;
    const limit = when.max !== undefined ? `max ${show(when, when.max)}` : `min ${show(when, when.min ?? 0)}`;
    return { active: above || below, value, detail: `${what} = ${show(when, value)} (${limit})` };
  } catch (error) {
    return { error: describeError(error) };
  }
}

type When = NonNullable<AlertRule['when']>;

function show(when: When, value: number): string {
  if (when.backupAge !== undefined || when.metric === 'p50' || when.metric === 'p95' || when.metric === 'p99') return formatDuration(value);
  if (when.host !== undefined || when.metric === 'error_rate') return `${formatValue(value * 100)}%`;
  return formatValue(value);
}

async function readValue(when: When, windowMs: number, deps: ConditionDeps): Promise<{ value: number | null; what: string }> {
  if (when.metric !== undefined) return { value: await deps.servingMetric(when.metric), what: when.metric };
  if (when.host !== undefined) {
    const value = when.host === 'cpu' ? deps.host.cpu() : when.host === 'memory' ? deps.host.memory() : await deps.host.disk(when.path ?? deps.planDir);
    return { value, what: `host ${when.host}` };
  }
  if (when.prometheus !== undefined) {
    const value = await readSource('prometheus', { url: when.prometheus.url, query: deps.fill(when.prometheus.query) }, windowMs, deps);
    return { value, what: 'prometheus query' };
  }
  if (when.http !== undefined) {
    const value = await readSource('published', { url: deps.fill(when.http.url), jsonPath: when.http.json }, windowMs, deps);
    return { value, what: when.http.json };
  }
  if (when.scrape !== undefined) {
    const value = await readSource('published', { url: deps.fill(when.scrape.url), series: when.scrape.series }, windowMs, deps);
    return { value, what: when.scrape.series };
  }
  if (when.backupAge !== undefined) {
    const age = await deps.backupAgeMs(when.backupAge);
    // No backup at all is as bad as one that is too old.
    return { value: age ?? Number.MAX_SAFE_INTEGER, what: `age of the newest backup of ${when.backupAge}` };
  }
  throw new Error('the condition has no value source');
}
