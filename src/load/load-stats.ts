/** What a load saw, counted as it runs: HDR latency histograms, statuses by class, errors by kind. */
import { build, type Histogram } from 'hdr-histogram-js';

/** Latency percentiles and maximum in milliseconds; null without a single response. */
export interface LatencySummary {
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** Counts of one request of the mix, or of all of them. */
export interface RequestCounts {
  /** Requests that ended, with an answer or without. */
  requests: number;
  /** Requests that failed: a 4xx or 5xx answer, or none at all. */
  errors: number;
  latency: LatencySummary;
}

/** Error kinds: status classes, and what left a request without an answer. */
export type ErrorKind = '4xx' | '5xx' | 'timeout' | 'reset' | 'refused' | 'protocol' | 'other';

// latencies are recorded in microseconds, 1 µs to 1 h, at 3 significant digits (0.1 % error)
const HIGHEST_US = 3_600_000_000;

/** The error kind of a connection error code. */
export function errorKindOf(code: string): ErrorKind {
  switch (code) {
    case 'TIMEOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'CLOSED':
      return 'reset';
    case 'ECONNREFUSED':
      return 'refused';
    case 'EPROTO':
      return 'protocol';
    default:
      return 'other';
  }
}

class Counter {
  readonly histogram: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
  requests = 0;
  errors = 0;

  summary(): RequestCounts {
    const h = this.histogram;
    const at = (q: number) => (h.totalCount === 0 ? null : h.getValueAtPercentile(q) / 1_000);
    return { requests: this.requests, errors: this.errors, latency: { p50: at(50), p90: at(90), p95: at(95), p99: at(99), max: h.totalCount === 0 ? null : h.maxValue / 1_000 } };
  }
}

/** Running counts of a load, all requests together and per request of the mix. */
export class LoadStats {
  readonly #all = new Counter();
  readonly #each: Counter[];
  readonly #names: readonly string[];
  readonly statuses: Record<'1xx' | '2xx' | '3xx' | '4xx' | '5xx', number> = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  readonly errors: Partial<Record<ErrorKind, number>> = {};
  /** Connection error codes as the system named them (ECONNREFUSED …), for the detail. */
  readonly codes: Record<string, number> = {};

  constructor(names: readonly string[]) {
    this.#names = names;
    this.#each = names.map(() => new Counter());
  }

  /** Requests that ended so far. */
  get requests(): number {
    return this.#all.requests;
  }

  /** Failed requests so far. */
  get errorCount(): number {
    return this.#all.errors;
  }

  /** Records an answer with its status and latency (ms, from when it was meant to be sent). */
  answered(index: number, status: number, latencyMs: number): void {
    const each = this.#each[index] as Counter;
    const us = Math.min(HIGHEST_US, Math.max(1, Math.round(latencyMs * 1_000)));
    this.#all.requests++;
    each.requests++;
    // recorded once, in the request's own histogram; the total adds them up when asked
    each.histogram.recordValue(us);
    const kind = status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 300 ? '3xx' : status >= 200 ? '2xx' : '1xx';
    this.statuses[kind]++;
    if (status >= 400) {
      this.#all.errors++;
      each.errors++;
      this.errors[kind as '4xx' | '5xx'] = (this.errors[kind as '4xx' | '5xx'] ?? 0) + 1;
    }
  }

  /** Records a request that got no answer. */
  failed(index: number, code: string): void {
    const each = this.#each[index] as Counter;
    this.#all.requests++;
    each.requests++;
    this.#all.errors++;
    each.errors++;
    const kind = errorKindOf(code);
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
    this.codes[code] = (this.codes[code] ?? 0) + 1;
  }

  /** All requests together. */
  total(): RequestCounts {
    this.#all.histogram.reset();
    for (const each of this.#each) this.#all.histogram.add(each.histogram);
    return this.#all.summary();
  }

  /** Each request of the mix by its name (requests of the same name are counted apart, under `name #2` …). */
  byRequest(): Record<string, RequestCounts> {
    const out: Record<string, RequestCounts> = {};
    this.#each.forEach((counter, i) => {
      const name = this.#names[i] as string;
      let key = name;
      for (let n = 2; key in out; n++) key = `${name} #${n}`;
      out[key] = counter.summary();
    });
    return out;
  }
}
