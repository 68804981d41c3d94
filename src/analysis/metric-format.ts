/** How analysis writes values in reasons: latencies as durations, rates as short fractions, memory in MiB. */
import type { AnalysisMetric } from '../plan/schema/analysis.js';
import { formatDuration } from '../shared/duration.js';

/** A number with at most three significant digits and no trailing zeros: 0.19, 0.0024, 212. */
export function shortNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

/** A value of a metric in the unit its plan threshold is written in. */
export function formatMetricValue(metric: AnalysisMetric, value: number): string {
  const kind = metric.metric ?? (metric.compare === 'latency' ? 'p95' : metric.compare);
  switch (kind) {
    case 'p50':
    case 'p95':
    case 'p99':
      return formatDuration(value);
    case 'memory':
      return `${shortNumber(value / 1024 ** 2)}MiB`;
    case 'cpu':
      return `${shortNumber(value)} cores`;
    default:
      return shortNumber(value);
  }
}

/** The name a reason starts with: the built-in metric, the check, or the metric's own name. */
export function metricLabel(metric: AnalysisMetric): string {
  if (metric.metric) return metric.metric;
  if (metric.check) return `check ${metric.check}`;
  if (metric.compare) return `${metric.compare === 'latency' ? 'p95' : 'error_rate'} vs stable`;
  return metric.name;
}
