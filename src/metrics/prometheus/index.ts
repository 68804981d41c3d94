/** `prometheus:`: a PromQL query, instant or over a range, with `{service}`, `{version}` and `{interval}` filled in. */
import type { PrometheusSource } from '../../plan/schema/metric-sources.js';
import { DEFAULT_RANGE_REDUCE } from '../../plan/schema/metric-sources.js';
import type { MetricProvider, MetricProviderDeps, MetricSample, MetricSubject } from '../metric.js';
import { queryPrometheus } from './prometheus-query.js';

/** A PromQL duration for a window: whole seconds as `5s`, else milliseconds. */
export function promDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;
}

/** The query with the subject's placeholders filled in. */
export function fillQuery(query: string, subject: MetricSubject, service: string): string {
  return query.replaceAll('{version}', subject.canary.version).replaceAll('{service}', service).replaceAll('{interval}', promDuration(subject.windowMs));
}

/** Queries Prometheus at every measurement. */
export function createPrometheusProvider(config: PrometheusSource, deps: MetricProviderDeps): MetricProvider {
  return {
    kind: 'prometheus',
    measure(subject, { signal }): Promise<MetricSample> {
      const range =
        config.range === undefined
          ? undefined
          : { rangeMs: config.range, stepMs: config.step ?? Math.min(subject.windowMs, config.range), reduce: config.reduce ?? DEFAULT_RANGE_REDUCE };
      return queryPrometheus(config.url, fillQuery(config.query, subject, deps.service), { signal, fetch: deps.fetch, timeoutMs: config.timeout, range });
    },
  };
}
