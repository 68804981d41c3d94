/**
 * `published:`: a number the service publishes itself, read at every measurement from the new version (`{url}`):
 * at a JSON path of an HTTP answer, or the sum of a series of its Prometheus text exposition.
 */
import { readJsonPath } from '../../checks/http/json-path.js';
import type { PublishedSource } from '../../plan/schema/metric-sources.js';
import { parseSeriesSelector } from '../../shared/series-selector.js';
import type { MetricProvider, MetricProviderDeps, MetricSample, MetricSubject } from '../metric.js';
import { requestSource, shownUrl } from '../http-source.js';
import { readSeries } from './exposition.js';

/** The URL with the subject's placeholders filled in, or why it cannot be. */
function fillUrl(template: string, subject: MetricSubject, deps: MetricProviderDeps): string | { error: string } {
  if (template.includes('{url}') && subject.canary.url === undefined) {
    return { error: `the ${deps.observer.type} target gives no direct address of ${subject.canary.version} for {url}` };
  }
  return template
    .replaceAll('{url}', subject.canary.url ?? '')
    .replaceAll('{service_url}', deps.observer.serviceUrl)
    .replaceAll('{version}', encodeURIComponent(subject.canary.version))
    .replaceAll('{service}', encodeURIComponent(deps.service));
}

/** The selector with `{version}` and `{service}` filled in, escaped for a quoted label value. */
function fillLabels(series: string, subject: MetricSubject, deps: MetricProviderDeps): string {
  const quoted = (text: string) => text.replace(/[\\"]/g, '\\$&');
  return series.replaceAll('{version}', quoted(subject.canary.version)).replaceAll('{service}', quoted(deps.service));
}

/** Reads the published value at every measurement. */
export function createPublishedProvider(config: PublishedSource, deps: MetricProviderDeps): MetricProvider {
  const parsed = config.series === undefined ? undefined : parseSeriesSelector(config.series);
  if (typeof parsed === 'string') throw new Error(`published.series: ${parsed}`);
  return {
    kind: 'published',
    async measure(subject, { signal }): Promise<MetricSample> {
      const url = fillUrl(config.url, subject, deps);
      if (typeof url !== 'string') return { kind: 'error', detail: url.error };
      // Label values may name the version or the service (`version="{version}"`), filled in like the URL.
      const selector = config.series?.includes('{') ? parseSeriesSelector(fillLabels(config.series, subject, deps)) : parsed;
      if (typeof selector === 'string') return { kind: 'error', detail: `published.series: ${selector}` };
      const what = selector ? `read ${config.series ?? ''}` : `read ${config.jsonPath ?? ''}`;
      const answer = await requestSource(url, what, { timeoutMs: config.timeout, signal, fetch: deps.fetch });
      if (!answer.ok) return { kind: 'error', detail: answer.detail };
      const where = `${what} at ${shownUrl(url)}`;
      if (answer.status < 200 || answer.status > 299) return { kind: 'error', detail: `${where}: HTTP ${answer.status}` };
      if (selector) {
        const { value, series } = readSeries(answer.text, selector);
        return { kind: 'value', value, samples: series };
      }
      return readJson(answer.text, config.jsonPath ?? '$', where);
    },
  };
}

function readJson(text: string, path: string, where: string): MetricSample {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { kind: 'error', detail: `${where}: the answer is not JSON: ${text.slice(0, 120).replace(/\s+/g, ' ')}` };
  }
  const found = readJsonPath(document, path);
  if (!found.found) return { kind: 'error', detail: `${where}: the answer has nothing at ${path}` };
  if (found.value === null) return { kind: 'value', value: null, samples: 0 };
  const value = typeof found.value === 'string' && found.value.trim() !== '' ? Number(found.value) : found.value;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { kind: 'error', detail: `${where}: expected a number at ${path}, got ${JSON.stringify(found.value).slice(0, 60)}` };
  }
  return { kind: 'value', value, samples: 1 };
}
