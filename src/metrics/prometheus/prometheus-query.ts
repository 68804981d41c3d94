/**
 * Prometheus' HTTP API, read as one number: an instant query must answer a scalar or at most one series; a range
 * query at most one series, whose points are reduced to one number. Failures are `error` samples, never thrown;
 * an empty answer (and NaN, Prometheus' 0/0 over no traffic) is no data.
 */
import type { MetricSample } from '../metric.js';
import { requestSource, shownUrl } from '../http-source.js';

/** How long one Prometheus query may take unless the caller says otherwise. */
export const DEFAULT_PROMETHEUS_TIMEOUT_MS = 10_000;

/** How a range query's points become one number. */
export type RangeReduce = 'max' | 'min' | 'mean' | 'last';

/** A range of a range query: from `endMs - rangeMs` to `endMs`, one point every `stepMs`. */
export interface QueryRange {
  rangeMs: number;
  stepMs: number;
  reduce: RangeReduce;
  /** The end of the range (default: now). */
  endMs?: number;
}

/** How to query. */
export interface PrometheusQueryOptions {
  signal?: AbortSignal;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Makes it a range query. */
  range?: QueryRange;
}

interface QueryAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** Queries `{url}/api/v1/query` (or `query_range`) and reads the answer as one sample. */
export async function queryPrometheus(url: string, query: string, options: PrometheusQueryOptions = {}): Promise<MetricSample> {
  const endpoint = `${url.replace(/\/+$/, '')}/api/v1/${options.range ? 'query_range' : 'query'}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROMETHEUS_TIMEOUT_MS;
  const form = new URLSearchParams({ query });
  if (options.range) {
    const end = (options.range.endMs ?? Date.now()) / 1000;
    form.set('start', String(end - options.range.rangeMs / 1000));
    form.set('end', String(end));
    form.set('step', `${Math.max(1, Math.round(options.range.stepMs)) / 1000}s`);
  }
  // Prometheus stops evaluating a query past its own timeout too, so a slow query does not linger server-side.
  form.set('timeout', `${Math.max(1, Math.round(timeoutMs / 1000))}s`);
  const answer = await requestSource(endpoint, 'query prometheus', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
    timeoutMs,
    signal: options.signal ?? new AbortController().signal,
    fetch: options.fetch,
  });
  const where = `query prometheus at ${shownUrl(endpoint)}`;
  if (!answer.ok) return { kind: 'error', detail: answer.detail };
  let parsed: QueryAnswer;
  try {
    parsed = JSON.parse(answer.text) as QueryAnswer;
  } catch {
    return { kind: 'error', detail: `${where}: HTTP ${answer.status}, not JSON: ${answer.text.slice(0, 120).replace(/\s+/g, ' ')}` };
  }
  if (answer.status < 200 || answer.status > 299 || parsed.status !== 'success') {
    return { kind: 'error', detail: `${where}: HTTP ${answer.status}: ${parsed.error ?? 'query failed'}` };
  }
  return options.range ? readMatrix(parsed, where, options.range.reduce) : readInstant(parsed, where);
}

function readInstant(answer: QueryAnswer, where: string): MetricSample {
  const { resultType, result } = answer.data ?? {};
  if (resultType === 'scalar') return numberSample(result, where);
  if (resultType === 'vector' && Array.isArray(result)) {
    if (result.length === 0) return { kind: 'value', value: null, samples: 0 };
    if (result.length > 1) return { kind: 'error', detail: `${where}: the query returned ${result.length} series; expected one number` };
    return numberSample((result[0] as { value?: unknown }).value, where);
  }
  return { kind: 'error', detail: `${where}: the query returned a ${resultType ?? 'malformed'} result; expected a scalar or one series` };
}

function numberSample(pair: unknown, where: string): MetricSample {
  const value = pointValue(pair);
  if (value === 'NaN') return { kind: 'value', value: null, samples: 0 };
  if (value === undefined) return { kind: 'error', detail: `${where}: expected a number, got ${JSON.stringify(Array.isArray(pair) ? pair[1] : pair)}` };
  return { kind: 'value', value, samples: 1 };
}

/** The number of a `[time, "value"]` pair; 'NaN' for Prometheus' NaN, undefined for anything else. */
function pointValue(pair: unknown): number | 'NaN' | undefined {
  const raw: unknown = Array.isArray(pair) ? pair[1] : undefined;
  if (raw === 'NaN') return 'NaN';
  const value = typeof raw === 'string' ? Number(raw) : Number.NaN;
  return Number.isFinite(value) ? value : undefined;
}

function readMatrix(answer: QueryAnswer, where: string, reduce: RangeReduce): MetricSample {
  const { resultType, result } = answer.data ?? {};
  if (resultType !== 'matrix' || !Array.isArray(result)) {
    return { kind: 'error', detail: `${where}: the range query returned a ${resultType ?? 'malformed'} result; expected a matrix` };
  }
  if (result.length === 0) return { kind: 'value', value: null, samples: 0 };
  if (result.length > 1) return { kind: 'error', detail: `${where}: the range query returned ${result.length} series; expected one` };
  const values = (result[0] as { values?: unknown }).values;
  if (!Array.isArray(values)) return { kind: 'error', detail: `${where}: the series has no values` };
  const points: number[] = [];
  for (const pair of values) {
    const value = pointValue(pair);
    if (value === undefined) return { kind: 'error', detail: `${where}: expected numbers, got ${JSON.stringify(pair)}` };
    // NaN points (no traffic at that moment) measure nothing; they neither pass nor fail the range.
    if (value !== 'NaN') points.push(value);
  }
  if (points.length === 0) return { kind: 'value', value: null, samples: 0 };
  return { kind: 'value', value: reducePoints(points, reduce), samples: points.length };
}

/** One number for a range's points. */
export function reducePoints(points: readonly number[], reduce: RangeReduce): number {
  switch (reduce) {
    case 'max':
      return Math.max(...points);
    case 'min':
      return Math.min(...points);
    case 'mean':
      return points.reduce((sum, value) => sum + value, 0) / points.length;
    case 'last':
      return points[points.length - 1] as number;
  }
}
