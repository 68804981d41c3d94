/**
 * A bounded load test: `connections` keep-alive connections send a weighted mix of requests for a duration or a
 * number of requests, as fast as answers come (closed model) or at a fixed arrival rate (open model). In the open
 * model each request has an intended send time on a fixed schedule and its latency is measured from then, so a
 * slow answer that holds back the next requests shows in their latency too (no coordinated omission, as in wrk2
 * and k6's constant-arrival-rate).
 */
import { DEFAULT_REQUEST_TIMEOUT_MS, LoadEngine } from './load-engine.js';
import { LoadStats, type ErrorKind, type LatencySummary, type RequestCounts } from './load-stats.js';
import { prepareMix, type MixRequest } from './request-mix.js';

/** What to load and how hard. */
export interface LoadRunOptions {
  /** Base URL (`http://host:port`); each request's path is appended. */
  url: string;
  requests: readonly MixRequest[];
  connections: number;
  /** Stop sending after this long … */
  durationMs?: number;
  /** … or after this many requests, whichever comes first (at least one of the two). */
  count?: number;
  /** Requests per second to send, on a fixed schedule (open model); unset sends as fast as answers come. */
  rate?: number;
  timeoutMs?: number;
  /** Called about every `progressMs` (default 250) while the load runs. */
  onProgress?: (progress: LoadProgress) => void;
  progressMs?: number;
  /** Ends the load early; what ran so far is reported. */
  signal?: AbortSignal;
}

/** Where a running load stands. */
export interface LoadProgress {
  elapsedMs: number;
  requests: number;
  errors: number;
  /** 0–1: the share of the duration or request count done. */
  done: number;
}

/** What a load run saw. */
export interface LoadRunResult {
  /** Requests that ended, answered or not. */
  requests: number;
  /** Answered requests per second over the run. */
  rps: number;
  /** Failed requests: 4xx, 5xx, or no answer. */
  errors: number;
  errorRate: number;
  /** Latency of answered requests in ms (open model: from the intended send time). */
  latency: LatencySummary;
  errorsByKind: Partial<Record<ErrorKind, number>>;
  statuses: Record<string, number>;
  /** Connection error codes (ECONNREFUSED …) by count. */
  connectionErrors: Record<string, number>;
  byRequest: Record<string, RequestCounts>;
  seconds: number;
  /** Open model: requests the schedule called for that could not be sent before the end (all connections busy). */
  unsent: number;
  model: 'closed' | 'open';
}

/** Runs a load test to its end and reports. */
export async function runLoad(options: LoadRunOptions): Promise<LoadRunResult> {
  const url = new URL(options.url);
  if (url.protocol !== 'http:') throw new Error(`load goes over http:// only, not ${url.protocol}`);
  if (options.durationMs === undefined && options.count === undefined) throw new Error('a load needs a duration or a request count');
  const base = url.pathname.replace(/\/$/, '');
  const mix = prepareMix(options.requests.map((r) => ({ ...r, path: base + r.path })), url.host);
  const stats = new LoadStats(mix.requests.map((r) => r.name));
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const rate = options.rate;
  const started = performance.now();
  const endAt = options.durationMs === undefined ? undefined : started + options.durationMs;
  const engine = new LoadEngine({
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port || 80),
    mix,
    connections: options.connections,
    count: options.count,
    endAt,
    rate,
    timeoutMs,
    onResult: (index, status, error, _header, intendedAt, _sentAt, now) => {
      if (error === undefined) stats.answered(index, status, now - intendedAt);
      // CLOSED: this side gave up on it (aborted), nothing the server did
      else if (error !== 'CLOSED') stats.failed(index, error);
    },
  });

  const progressOf = (): LoadProgress => {
    const elapsedMs = performance.now() - started;
    const byTime = options.durationMs === undefined ? 0 : elapsedMs / options.durationMs;
    const byCount = options.count === undefined ? 0 : stats.requests / options.count;
    return { elapsedMs, requests: stats.requests, errors: stats.errorCount, done: Math.min(1, Math.max(byTime, byCount)) };
  };
  const progress = options.onProgress === undefined ? undefined : setInterval(() => options.onProgress?.(progressOf()), options.progressMs ?? 250);
  const abort = () => engine.abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    if (options.signal?.aborted === true) engine.abort();
    await engine.start();
  } finally {
    if (progress !== undefined) clearInterval(progress);
    options.signal?.removeEventListener('abort', abort);
    engine.close();
  }
  const seconds = (Math.min(performance.now(), (endAt ?? Number.POSITIVE_INFINITY) + timeoutMs) - started) / 1_000;
  const total = stats.total();
  const answered = total.requests - Object.values(stats.codes).reduce((sum, n) => sum + n, 0);
  const count = options.count ?? Number.POSITIVE_INFINITY;
  const scheduled = rate === undefined ? engine.sent : Math.min(count, Math.floor(((options.durationMs ?? (count / rate) * 1_000) * rate) / 1_000));
  options.onProgress?.(progressOf());
  return {
    requests: total.requests,
    rps: seconds > 0 ? answered / seconds : 0,
    errors: total.errors,
    errorRate: total.requests === 0 ? 0 : total.errors / total.requests,
    latency: total.latency,
    errorsByKind: { ...stats.errors },
    statuses: Object.fromEntries(Object.entries(stats.statuses).filter(([, n]) => n > 0)),
    connectionErrors: { ...stats.codes },
    byRequest: stats.byRequest(),
    seconds,
    unsent: Math.max(0, scheduled - engine.sent),
    model: rate === undefined ? 'closed' : 'open',
  };
}
