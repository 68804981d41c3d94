/** Every metric provider glidepath knows, by the key an analysis metric names its source with (`prometheus:` …). */
import { z } from 'zod';
import { BUILTIN_METRICS, type METRIC_SOURCE_KEYS, type AnalysisMetric } from '../plan/schema/analysis.js';
import { refName } from '../plan/schema/common.js';
import { prometheusSourceSchema, publishedSourceSchema } from '../plan/schema/metric-sources.js';
import { UnknownPluginError } from '../shared/errors.js';
import { createCheckMetricProvider } from './check/index.js';
import type { MetricProvider, MetricProviderDeps, MetricProviderFactory } from './metric.js';
import { createPrometheusProvider } from './prometheus/index.js';
import { createProxyCompareProvider, createProxyMetricProvider } from './proxy/index.js';
import { createPublishedProvider } from './published/index.js';

/** A metric source: the schema of its setting (the plan validates with the same) and the factory that takes the result. */
export interface MetricSourceEntry<Schema extends z.ZodType = z.ZodType> {
  schema: Schema;
  create: MetricProviderFactory<z.output<Schema>>;
}

function entry<Schema extends z.ZodType>(schema: Schema, create: MetricProviderFactory<z.output<Schema>>): MetricSourceEntry<Schema> {
  return { schema, create };
}

/** The static map from source key to `{ schema, create }`. */
export const metricProviderRegistry = {
  metric: entry(z.enum(BUILTIN_METRICS), createProxyMetricProvider),
  check: entry(refName('A check under `checks:`.'), createCheckMetricProvider),
  compare: entry(z.enum(['latency', 'error_rate']), createProxyCompareProvider),
  prometheus: entry(prometheusSourceSchema, createPrometheusProvider),
  published: entry(publishedSourceSchema, createPublishedProvider),
} as const satisfies Record<(typeof METRIC_SOURCE_KEYS)[number], MetricSourceEntry>;

/** A key of {@link metricProviderRegistry}. */
export type MetricSource = keyof typeof metricProviderRegistry;

/** The known sources, in the order the documentation lists them. */
export const METRIC_SOURCES = Object.freeze(Object.keys(metricProviderRegistry) as MetricSource[]);

/** Whether a string names a known metric source. */
export function isMetricSource(source: string): source is MetricSource {
  return Object.hasOwn(metricProviderRegistry, source);
}

/** Builds a provider from a source key and its setting as the plan validated it; an unknown key lists the known ones. */
export function createMetricProvider(source: string, config: unknown, deps: MetricProviderDeps): MetricProvider {
  if (!isMetricSource(source)) throw new UnknownPluginError('metric source', source, METRIC_SOURCES);
  const { create } = metricProviderRegistry[source] as MetricSourceEntry;
  return create(config, deps);
}

/** The provider of an analysis metric: the one source key it sets. */
export function providerForMetric(metric: AnalysisMetric, deps: MetricProviderDeps): MetricProvider {
  const set = METRIC_SOURCES.filter((source) => metric[source] !== undefined);
  if (set.length !== 1) throw new UnknownPluginError('metric source', set.join(',') || 'none', METRIC_SOURCES);
  const source = set[0] as MetricSource;
  return createMetricProvider(source, metric[source], deps);
}
