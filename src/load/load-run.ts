/**
 * A bounded load test: `connections` keep-alive connections send a weighted mix of requests for a duration or a
 * number of requests, as fast as answers come (closed model) or at a fixed arrival rate (open model). In the open
 * model each request has an intended send time on a fixed schedule and its latency is measured from then, so a
 * slow answer that holds back the next requests shows in their latency too (no coordinated omission, as in wrk2
 * and k6's constant-arrival-rate).
 */
import { HttpConnection } from './http-connection.js';
import { LoadStats, type ErrorKind, type LatencySummary, type RequestCounts } from './load-stats.js';
import { prepareMix, type MixRequest } from './request-mix.js';

/** Default time a request may take before it counts as a timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

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
  if (!Number.isInteger(options.connections) || options.connections < 1) throw new Error('a load needs at least one connection');
  const base = url.pathname.replace(/\/$/, '');
  const mix = prepareMix(options.requests.map((r) => ({ ...r, path: base + r.path })), url.host);
  const stats = new LoadStats(mix.requests.map((r) => r.name));
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 80);
  // each connection's request in flight: its index in the mix and when it was meant to be sent
  const slots = Array.from({ length: options.connections }, () => ({ index: 0, intendedAt: 0 }));
  const connections = slots.map((slot, i) => new HttpConnection({ host, port, onResult: (status, error) => ended(i, slot.index, slot.intendedAt, status, error) }));
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const count = options.count ?? Number.POSITIVE_INFINITY;
  const rate = options.rate;
  const interval = rate === undefined ? 0 : 1_000 / rate;

  const started = performance.now();
  const endAt = options.durationMs === undefined ? Number.POSITIVE_INFINITY : started + options.durationMs;
  let sent = 0;
  let stopped = false;
  let inFlight = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const idle: number[] = [];
  let wakeTimer: NodeJS.Timeout | undefined;

  const more = (now: number) => !stopped && sent < count && now < endAt;
  const checkDone = () => {
    if (inFlight === 0 && !more(performance.now())) finish();
  };

  const launch = (i: number, intendedAt: number) => {
    const slot = slots[i] as (typeof slots)[number];
    const index = mix.order[sent % mix.order.length] as number;
    const request = mix.requests[index] as (typeof mix.requests)[number];
    slot.index = index;
    slot.intendedAt = intendedAt;
    sent++;
    inFlight++;
    (connections[i] as HttpConnection).send(request.bytes, request.noBody);
  };

  const ended = (i: number, index: number, intendedAt: number, status: number, error: string | undefined) => {
    inFlight--;
    const now = performance.now();
    if (error === undefined) stats.answered(index, status, now - intendedAt);
    // CLOSED: this side gave up on it (aborted), nothing the server did
    else if (error !== 'CLOSED') stats.failed(index, error);
    if (rate === undefined) {
      if (more(now)) launch(i, now);
      else checkDone();
    } else {
      idle.push(i);
      pump();
    }
  };

  // open model: send every request whose time has come on an idle connection; wake up for the next one
  const pump = () => {
    if (wakeTimer !== undefined) clearTimeout(wakeTimer);
    wakeTimer = undefined;
    let now = performance.now();
    while (idle.length > 0 && more(now)) {
      const intendedAt = started + sent * interval;
      if (intendedAt > now) break;
      launch(idle.pop() as number, intendedAt);
      now = performance.now();
    }
    if (more(now)) {
      const wait = started + sent * interval - now;
      // all connections busy with requests already due: the next answer pumps again
      if (idle.length > 0 || wait > 0) wakeTimer = setTimeout(pump, Math.max(1, Math.min(wait, endAt - now)));
    } else checkDone();
  };

  const sweep = setInterval(() => {
    const now = performance.now();
    for (const connection of connections) if (connection.busy && now - connection.sentAt > timeoutMs) connection.timeOut();
    if (!more(now)) checkDone();
  }, Math.min(100, timeoutMs / 4));
  const progressMs = options.progressMs ?? 250;
  const progress = options.onProgress === undefined ? undefined : setInterval(() => options.onProgress?.(progressOf()), progressMs);
  const progressOf = (): LoadProgress => {
    const elapsedMs = performance.now() - started;
    const byTime = options.durationMs === undefined ? 0 : elapsedMs / options.durationMs;
    const byCount = options.count === undefined ? 0 : stats.requests / options.count;
    return { elapsedMs, requests: stats.requests, errors: stats.errorCount, done: Math.min(1, Math.max(byTime, byCount)) };
  };
  const abort = () => {
    stopped = true;
    for (const connection of connections) connection.close();
    checkDone();
  };
  options.signal?.addEventListener('abort', abort, { once: true });

  try {
    if (options.signal?.aborted !== true) {
      if (rate === undefined) for (let i = 0; i < connections.length; i++) if (more(performance.now())) launch(i, performance.now());
      if (rate !== undefined) {
        idle.push(...connections.keys());
        pump();
      }
    }
    checkDone();
    await finished;
  } finally {
    stopped = true;
    clearInterval(sweep);
    if (progress !== undefined) clearInterval(progress);
    if (wakeTimer !== undefined) clearTimeout(wakeTimer);
    options.signal?.removeEventListener('abort', abort);
    for (const connection of connections) connection.close();
  }
  const seconds = (Math.min(performance.now(), endAt + timeoutMs) - started) / 1_000;
  const total = stats.total();
  const answered = total.requests - Object.values(stats.codes).reduce((sum, n) => sum + n, 0);
  const scheduled = rate === undefined ? sent : Math.min(count, Math.floor(((options.durationMs ?? (count / rate) * 1_000) * rate) / 1_000));
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
    unsent: Math.max(0, scheduled - sent),
    model: rate === undefined ? 'closed' : 'open',
  };
}
