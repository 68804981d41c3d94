/** `analysis:` what is measured during a release, how often, and what a verdict leads to. */
import { z } from 'zod';
import { parseDuration, parsePercent, parseSize } from '../../shared/duration.js';
import { durationMs, fraction } from '../../shared/units-schema.js';
import { countInt, exactlyOne, refName } from './common.js';
import { prometheusSourceSchema, publishedSourceSchema } from './metric-sources.js';

export const BUILTIN_METRICS = ['rps', 'error_rate', 'p50', 'p95', 'p99', 'cpu', 'memory'] as const;
/** Keys of an analysis metric that name its source: exactly one per metric, each a metric provider. */
export const METRIC_SOURCE_KEYS = ['metric', 'check', 'compare', 'prometheus', 'published'] as const;

/** A metric the built-in proxy measures. */
export type BuiltinMetric = (typeof BUILTIN_METRICS)[number];

export const DEFAULT_FAILURE_LIMIT = 0;
export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;
export const DEFAULT_INCONCLUSIVE_LIMIT = 3;

const threshold = z.union([z.number(), z.string()]);

const rate = (v: number | string) => {
  const parsed = typeof v === 'number' ? v : parsePercent(v);
  return parsed !== undefined && parsed >= 0 && parsed <= 1 ? parsed : undefined;
};
const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) && v >= 0 ? v : undefined);

/** What a threshold of each built-in metric is written in, and how it is read. */
export const METRIC_UNITS: Record<BuiltinMetric, { expected: string; parse: (value: number | string) => number | undefined }> = {
  rps: { expected: 'a number of requests per second', parse: (v) => (typeof v === 'number' ? finite(v) : undefined) },
  error_rate: { expected: 'a fraction from 0 to 1 like 0.05, or a percentage up to 100% like 5%', parse: rate },
  p50: { expected: 'a duration like 250ms or 2s', parse: (v) => (typeof v === 'string' ? finite(parseDuration(v)) : undefined) },
  p95: { expected: 'a duration like 250ms or 2s', parse: (v) => (typeof v === 'string' ? finite(parseDuration(v)) : undefined) },
  p99: { expected: 'a duration like 250ms or 2s', parse: (v) => (typeof v === 'string' ? finite(parseDuration(v)) : undefined) },
  cpu: { expected: 'cores as a number, or a percentage of one core like 80%', parse: (v) => finite(typeof v === 'number' ? v : parsePercent(v)) },
  memory: { expected: 'a size like 512MiB', parse: (v) => finite(typeof v === 'number' ? v : parseSize(v)) },
};

const metricSchema = z
  .strictObject({
    name: refName('Name of the measurement in reports and decisions.'),
    metric: z.enum(BUILTIN_METRICS).optional().describe('A built-in metric of the new version, measured by the proxy.'),
    check: refName('A check under `checks:` run against the new version.').optional(),
    compare: z.enum(['latency', 'error_rate']).optional().describe('Compare the new version with the stable one, statistically.'),
    prometheus: prometheusSourceSchema.optional(),
    published: publishedSourceSchema.optional(),
    max: threshold.optional().describe('Highest acceptable value (durations for latency, fractions or % for rates).'),
    min: threshold.optional().describe('Lowest acceptable value.'),
    tolerance: fraction(
      'For `compare`: how much worse than stable is still a pass, and the smallest regression worth catching (0.2 = 20%; default 0.2).',
    ).optional(),
    alpha: z
      .number()
      .gt(0)
      .lt(0.5)
      .optional()
      .describe('For `compare`: the false-alarm rate, the chance that a canary no worse than the tolerance is ever failed, however often it is looked at (default 0.01).'),
    quantile: z
      .number()
      .gt(0)
      .lt(1)
      .optional()
      .describe('For `compare: latency`: the latency quantile compared, 0 to 1 (default 0.95).'),
    promoteEarly: z
      .boolean()
      .optional()
      .describe('For `compare`: promote the new version as soon as the test shows it within the tolerance of stable (default false).'),
    failureLimit: countInt('Failed measurements tolerated; one more fails the metric.').default(DEFAULT_FAILURE_LIMIT),
    consecutiveErrorLimit: countInt('Consecutive errors of the source tolerated; one more errors the metric.').default(DEFAULT_CONSECUTIVE_ERROR_LIMIT),
    inconclusiveLimit: countInt('Inconclusive measurements tolerated; one more makes the metric inconclusive.').default(DEFAULT_INCONCLUSIVE_LIMIT),
    noData: z.enum(['inconclusive', 'fail', 'pass']).default('inconclusive').describe('Verdict of a measurement with no data.'),
  })
  .superRefine(exactlyOne(METRIC_SOURCE_KEYS, 'a metric source'))
  .superRefine((item, ctx) => {
    for (const key of ['alpha', 'promoteEarly'] as const) {
      if (item[key] !== undefined && item.compare === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `\`${key}\` applies to \`compare\` metrics only` });
    }
    if (item.quantile !== undefined && item.compare !== 'latency') {
      ctx.addIssue({ code: 'custom', path: ['quantile'], message: '`quantile` applies to `compare: latency` only' });
    }
  })
  .transform((item, ctx) => {
    const units = item.metric ? METRIC_UNITS[item.metric] : undefined;
    const read = (key: 'max' | 'min'): number | undefined => {
      const raw = item[key];
      if (raw === undefined) return undefined;
      const parsed = units ? units.parse(raw) : typeof raw === 'number' ? raw : Number.isFinite(Number(raw)) ? Number(raw) : undefined;
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `expected ${units?.expected ?? 'a number'}, got ${JSON.stringify(raw)}` });
      }
      return parsed;
    };
    return { ...item, max: read('max'), min: read('min') };
  })
  .describe('One measurement: `metric`, `check`, `compare`, `prometheus` or `published`, with limits.');

export const analysisSchema = z
  .strictObject({
    interval: durationMs('Time between measurements.').prefault('5s'),
    lookEvery: durationMs(
      'How often `compare:` metrics are looked at between measurements; one that fails at a look is recorded and acted on at once. Their tests stay valid however often they are looked at. At least 100ms; `interval` when larger.',
      { min: 100 },
    ).prefault('1s'),
    minRequests: countInt('Requests a measurement needs; fewer make it inconclusive, not a pass.').default(50),
    onFailure: z.enum(['rollback', 'pause']).default('rollback').describe('When a metric fails: roll back, or hold traffic where it is and wait for a person.'),
    onInconclusive: z.enum(['pause', 'rollback', 'continue']).default('pause').describe('When a metric is inconclusive past its limit.'),
    metrics: z.array(metricSchema).default([]).describe('The measurements.'),
  })
  .describe('Measurements taken during a release, and what their verdicts lead to.');

/** `analysis:` as validated, durations in milliseconds. */
export type AnalysisConfig = z.output<typeof analysisSchema>;
/** One entry of `analysis.metrics`. */
export type AnalysisMetric = AnalysisConfig['metrics'][number];
