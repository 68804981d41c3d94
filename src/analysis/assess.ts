/**
 * The pure part of analysis: what one sample means against a metric's thresholds, and what a metric's history
 * of verdicts means against its limits. Semantics, as the plan documents them:
 *
 * - A measurement is `pass` or `fail` against `max`/`min`; `error` when the source could not be read; and when
 *   there is not enough data to judge (no data, or fewer than `minRequests` requests for a request-based metric:
 *   error_rate, p50, p95, p99 and comparisons) it takes the metric's `noData` verdict, `inconclusive` by default.
 * - A metric fails once its failures exceed `failureLimit` (default 0: the first failure fails it), errors once
 *   its trailing run of consecutive errors exceeds `consecutiveErrorLimit` (default 4), and is inconclusive once its
 *   inconclusive measurements exceed `inconclusiveLimit`; checked in that order. Otherwise it is `running`, and
 *   `pass` when analysis completes.
 */
import type { AnalysisMetric } from '../plan/schema/analysis.js';
import { formatMetricValue, metricLabel, shortNumber } from './metric-format.js';
import type { Assessment, ComparedSide, MeasurementVerdict, MetricSample, MetricStatus } from './measurement.js';

/** Tolerance of a `compare` metric that sets none: the new version may be 20% worse than stable. */
export const DEFAULT_COMPARE_TOLERANCE = 0.2;
/** One-sided 95% critical value: an error-rate difference must also be this many standard errors wide to fail. */
export const COMPARE_Z_CRITICAL = 1.645;

const REQUEST_BASED = new Set(['error_rate', 'p50', 'p95', 'p99']);

/** What the engine knows about the moment of measurement, for thresholds and reasons. */
export interface AssessContext {
  /** Requests a request-based measurement needs (the analysis' `minRequests`). */
  minRequests?: number;
  /** Percent of traffic the new version had, quoted in reasons. */
  weight?: number;
}

/** Applies the metric's thresholds to one sample and explains the verdict. */
export function assessMeasurement(metric: AnalysisMetric, sample: MetricSample, context: AssessContext = {}): Assessment {
  const at = context.weight === undefined ? '' : ` at weight ${shortNumber(context.weight)}%`;
  switch (sample.kind) {
    case 'error':
      return { verdict: 'error', value: null, threshold: null, samples: 0, reason: `${metricLabel(metric)} could not be measured: ${sample.detail}` };
    case 'check':
      return assessCheck(metric, sample);
    case 'compare':
      return assessCompare(metric, sample.canary, sample.stable, context.minRequests ?? 0, at);
    case 'value':
      return assessValue(metric, sample.value, sample.samples, context.minRequests ?? 0, at);
    case 'counters':
      // Counters mean something only against an earlier reading: the analysis run's sequential test judges them.
      return { verdict: 'error', value: null, threshold: null, samples: 0, reason: `${metricLabel(metric)}: counters need a sequential comparison` };
  }
}

function assessCheck(metric: AnalysisMetric, sample: { status: 'pass' | 'fail' | 'error'; detail: string }): Assessment {
  const label = metricLabel(metric);
  const said = { pass: 'passed', fail: 'failed', error: 'could not run' }[sample.status];
  return { verdict: sample.status, value: null, threshold: null, samples: 1, reason: `${label} ${said}: ${sample.detail}` };
}

function assessValue(metric: AnalysisMetric, value: number | null, samples: number, minRequests: number, at: string): Assessment {
  const label = metricLabel(metric);
  const requestBased = metric.metric !== undefined && REQUEST_BASED.has(metric.metric);
  const threshold = metric.max ?? metric.min ?? null;
  if (value === null || (requestBased && samples === 0)) {
    const what = requestBased ? 'no requests' : 'no data';
    return { verdict: metric.noData, value: null, threshold, samples, reason: `${label}: ${what}${at} (noData: ${metric.noData})` };
  }
  const shown = formatMetricValue(metric, value);
  const over = requestBased || metric.metric === 'rps' ? ` over ${samples} requests` : '';
  if (requestBased && samples < minRequests) {
    return {
      verdict: metric.noData,
      value,
      threshold,
      samples,
      reason: `${label} ${shown} over only ${samples} requests (minRequests ${minRequests})${at}: ${metric.noData === 'inconclusive' ? 'inconclusive' : `noData: ${metric.noData}`}`,
    };
  }
  const base = { value, samples };
  if (metric.max !== undefined && value > metric.max) {
    return { ...base, verdict: 'fail', threshold: metric.max, reason: `${label} ${shown} > max ${formatMetricValue(metric, metric.max)}${over}${at}` };
  }
  if (metric.min !== undefined && value < metric.min) {
    return { ...base, verdict: 'fail', threshold: metric.min, reason: `${label} ${shown} < min ${formatMetricValue(metric, metric.min)}${over}${at}` };
  }
  const bounds = [
    metric.max !== undefined ? `≤ max ${formatMetricValue(metric, metric.max)}` : undefined,
    metric.min !== undefined ? `≥ min ${formatMetricValue(metric, metric.min)}` : undefined,
  ].filter((part) => part !== undefined);
  const within = bounds.length > 0 ? ` ${bounds.join(' and ')}` : ' (no threshold)';
  return { ...base, verdict: 'pass', threshold, reason: `${label} ${shown}${within}${over}${at}` };
}

function assessCompare(metric: AnalysisMetric, canary: ComparedSide, stable: ComparedSide, minRequests: number, at: string): Assessment {
  const label = metricLabel(metric);
  const tolerance = metric.tolerance ?? DEFAULT_COMPARE_TOLERANCE;
  const samples = canary.requests;
  const counts = `${canary.requests} canary vs ${stable.requests} stable requests`;
  const enough = Math.max(minRequests, 1);
  if (canary.value === null || stable.value === null || canary.requests < enough || stable.requests < enough) {
    return {
      verdict: metric.noData,
      value: canary.value,
      threshold: null,
      samples,
      reason: `${label}: too few requests to compare (${counts}; minRequests ${minRequests})${at} (noData: ${metric.noData})`,
    };
  }
  const threshold = stable.value * (1 + tolerance);
  const shown = (value: number) => formatMetricValue(metric, value);
  const sentence = `${shown(canary.value)} (${canary.version}) %op% ${shown(stable.value)} (${stable.version}) × ${shortNumber(1 + tolerance)} = ${shown(threshold)} over ${counts}${at}`;
  let worse = canary.value > threshold;
  let significance = '';
  if (worse && metric.compare === 'error_rate') {
    const z = twoProportionZ(canary, stable);
    significance = `, z ${shortNumber(z)}`;
    // A rate can exceed the tolerance by chance on small samples; only a significant difference fails.
    worse = z > COMPARE_Z_CRITICAL;
    if (!worse) significance += ` ≤ ${COMPARE_Z_CRITICAL}: not significant`;
  }
  const op = canary.value > threshold ? '>' : '≤';
  return { verdict: worse ? 'fail' : 'pass', value: canary.value, threshold, samples, reason: `${label} ${sentence.replace('%op%', op)}${significance}` };
}

/** z statistic of "the canary's error rate is higher than stable's", pooled two-proportion test. */
function twoProportionZ(canary: ComparedSide, stable: ComparedSide): number {
  const errorsCanary = Math.round((canary.value ?? 0) * canary.requests);
  const errorsStable = Math.round((stable.value ?? 0) * stable.requests);
  const pooled = (errorsCanary + errorsStable) / (canary.requests + stable.requests);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / canary.requests + 1 / stable.requests));
  const diff = errorsCanary / canary.requests - errorsStable / stable.requests;
  if (se === 0) return diff > 0 ? Number.POSITIVE_INFINITY : 0;
  return diff / se;
}

/** A metric's standing after a history of verdicts, with the reason that decides it. */
export interface MetricAssessment {
  status: MetricStatus;
  reason: string;
  failures: number;
  consecutiveErrors: number;
  inconclusive: number;
  measurements: number;
}

/** Applies `failureLimit`, `consecutiveErrorLimit` and `inconclusiveLimit` to a metric's measurements, oldest first. */
export function assessMetric(
  metric: AnalysisMetric,
  history: readonly { verdict: MeasurementVerdict; reason: string }[],
  options: { complete?: boolean } = {},
): MetricAssessment {
  let failures = 0;
  let inconclusive = 0;
  let consecutiveErrors = 0;
  let passes = 0;
  let lastFail = '';
  let lastError = '';
  let lastInconclusive = '';
  for (const entry of history) {
    if (entry.verdict === 'error') {
      consecutiveErrors++;
      lastError = entry.reason;
      continue;
    }
    consecutiveErrors = 0;
    if (entry.verdict === 'fail') {
      failures++;
      lastFail = entry.reason;
    } else if (entry.verdict === 'inconclusive') {
      inconclusive++;
      lastInconclusive = entry.reason;
    } else passes++;
  }
  const counts = { failures, consecutiveErrors, inconclusive, measurements: history.length };
  if (failures > metric.failureLimit) {
    const tally = metric.failureLimit > 0 ? ` (${failures} failures > failureLimit ${metric.failureLimit})` : '';
    return { status: 'fail', reason: `${lastFail}${tally}`, ...counts };
  }
  if (consecutiveErrors > metric.consecutiveErrorLimit) {
    const reason = `${metric.name}: ${consecutiveErrors} consecutive errors > consecutiveErrorLimit ${metric.consecutiveErrorLimit}; last: ${lastError}`;
    return { status: 'error', reason, ...counts };
  }
  if (inconclusive > metric.inconclusiveLimit) {
    const reason = `${metric.name}: ${inconclusive} inconclusive measurements > inconclusiveLimit ${metric.inconclusiveLimit}; last: ${lastInconclusive}`;
    return { status: 'inconclusive', reason, ...counts };
  }
  if (!options.complete) return { status: 'running', reason: `${metric.name}: ${history.length} measurements, within limits`, ...counts };
  return { status: 'pass', reason: `${metric.name}: ${passes} of ${history.length} measurements passed, within limits`, ...counts };
}
