/** An instant PromQL query that must answer one number: a scalar, or a vector of at most one series. */
import { describeError } from '../shared/errors.js';
import type { MetricSample } from './measurement.js';

/** How long one Prometheus query may take. */
export const DEFAULT_PROMETHEUS_TIMEOUT_MS = 10_000;

interface QueryAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** Queries `{url}/api/v1/query` and reads the answer as a sample; failures are `error` samples, never thrown. */
export async function queryPrometheus(
  url: string,
  query: string,
  options: { signal?: AbortSignal; fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<MetricSample> {
  const endpoint = `${url.replace(/\/+$/, '')}/api/v1/query`;
  const where = `query prometheus at ${endpoint}`;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_PROMETHEUS_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let answer: QueryAnswer;
  try {
    const response = await (options.fetch ?? fetch)(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ query }).toString(),
      signal,
    });
    const text = await response.text();
    try {
      answer = JSON.parse(text) as QueryAnswer;
    } catch {
      return { kind: 'error', detail: `${where}: HTTP ${response.status}, not JSON: ${text.slice(0, 120)}` };
    }
    if (!response.ok || answer.status !== 'success') {
      return { kind: 'error', detail: `${where}: HTTP ${response.status}: ${answer.error ?? 'query failed'}` };
    }
  } catch (error) {
    return { kind: 'error', detail: `${where}: ${describeError(error)}` };
  }
  return readAnswer(answer, where);
}

function readAnswer(answer: QueryAnswer, where: string): MetricSample {
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
  const raw: unknown = Array.isArray(pair) ? pair[1] : undefined;
  const value = typeof raw === 'string' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value)) {
    // NaN (0/0 over no traffic) is Prometheus' way of saying there was nothing to measure.
    if (raw === 'NaN') return { kind: 'value', value: null, samples: 0 };
    return { kind: 'error', detail: `${where}: expected a number, got ${JSON.stringify(raw)}` };
  }
  return { kind: 'value', value, samples: 1 };
}
