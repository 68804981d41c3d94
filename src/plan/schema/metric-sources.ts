/** The settings of the analysis' metric sources that are objects: a Prometheus query and a value the service publishes. */
import { z } from 'zod';
import { parseJsonPath } from '../../checks/http/json-path.js';
import { parseSeriesSelector } from '../../shared/series-selector.js';
import { httpUrl } from '../../shared/value-schemas.js';
import { durationMs } from '../../shared/units-schema.js';
import { exactlyOne } from './common.js';

/** How long one Prometheus query or one read of a published value may take, unless the metric says otherwise. */
export const DEFAULT_METRIC_SOURCE_TIMEOUT = '10s';
/** How a range query's points become one number, unless the metric says otherwise. */
export const DEFAULT_RANGE_REDUCE = 'max';

const timeout = durationMs('How long one read may take before it counts as an error (default 10s).', { max: 300_000 }).prefault(DEFAULT_METRIC_SOURCE_TIMEOUT);

/** `prometheus:` of an analysis metric. */
export const prometheusSourceSchema = z
  .strictObject({
    url: httpUrl('Prometheus base URL.', 'http://127.0.0.1:9090'),
    query: z
      .string()
      .trim()
      .min(1, { error: 'expected a PromQL query' })
      .describe(
        'PromQL returning one number (a scalar, or one series; an empty answer is no data); `{version}`, `{service}` and `{interval}` (the analysis interval as a PromQL duration, e.g. `5s`) are filled in.',
      ),
    range: durationMs('Make it a range query over this much time back from each measurement (e.g. `1m`); its points are reduced to one number by `reduce`. Without it the query is an instant query.', {
      max: 7 * 86_400_000,
    }).optional(),
    step: durationMs('For `range`: the resolution of the range query (default: the analysis interval).', { max: 86_400_000 }).optional(),
    reduce: z
      .enum(['max', 'min', 'mean', 'last'])
      .optional()
      .describe('For `range`: how the points of the one series become one number (default max: the worst moment).'),
    timeout,
  })
  .superRefine((item, ctx) => {
    for (const key of ['step', 'reduce'] as const) {
      if (item[key] !== undefined && item.range === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `\`${key}\` applies to range queries only: set \`range\`` });
    }
    if (item.step !== undefined && item.range !== undefined && item.step > item.range) {
      ctx.addIssue({ code: 'custom', path: ['step'], message: 'expected a `step` no longer than `range`' });
    }
  })
  .describe('A PromQL query, instant or over a range.');

/** `published:` of an analysis metric. */
export const publishedSourceSchema = z
  .strictObject({
    url: httpUrl(
      'Where the service publishes the value, e.g. `{url}/stats` (`{url}` is the new version\'s direct address; `{service_url}`, `{version}` and `{service}` are filled in too).',
      '{url}/stats',
    ),
    jsonPath: z
      .string()
      .refine((path) => parseJsonPath(path) !== undefined, { error: 'expected a JSON path like $.errors.rate or $.items[0].count' })
      .optional()
      .describe('The number at this path of the JSON answer, e.g. `$.queue.depth`; a missing path is an error, `null` no data.'),
    series: z
      .string()
      .superRefine((text, ctx) => {
        const parsed = parseSeriesSelector(text);
        if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
      })
      .optional()
      .describe(
        'A series of the answer read as Prometheus text exposition, with label matchers: `jobs_failed_total` or `http_requests_total{code=~"5..",version="{version}"}` (`{version}` and `{service}` are filled in); several matching series are summed, none is no data.',
      ),
    timeout,
  })
  .superRefine(exactlyOne(['jsonPath', 'series'], 'what to read'))
  .describe('A number the service publishes itself: at a JSON path of an HTTP answer, or a series of its Prometheus exposition.');

/** `prometheus:` as validated, durations in milliseconds. */
export type PrometheusSource = z.output<typeof prometheusSourceSchema>;
/** `published:` as validated, the timeout in milliseconds. */
export type PublishedSource = z.output<typeof publishedSourceSchema>;
