/**
 * Per-version counts from nginx's access log in glidepath's format (`$msec "$version" $status $request_time`):
 * monotonic totals (requests, errors, a cumulative latency histogram on the proxy's ladder), and one-second
 * buckets for the recent windows analysis reads.
 */
import { LATENCY_LADDER_MS, ladderIndex } from '../../proxy/latency-ladder.js';
import type { VersionCounters } from '../target.js';

/** One request as nginx logged it. */
export interface LoggedRequest {
  atMs: number;
  version: string;
  status: number;
  latencyMs: number;
}

const LINE = /^(\d+(?:\.\d+)?) "([^"]*)" (\d{3}) (\d+(?:\.\d+)?)$/;

/** One line of glidepath's log format, or undefined for another line (a request no version took logs `""`). */
export function parseLogLine(line: string): LoggedRequest | undefined {
  const match = LINE.exec(line.trim());
  if (!match || match[2] === '') return undefined;
  return { atMs: Number(match[1]) * 1000, version: match[2] as string, status: Number(match[3]), latencyMs: Number(match[4]) * 1000 };
}

interface Bucket {
  second: number;
  requests: number;
  errors: number;
  /** Ladder index → count. */
  latency: Map<number, number>;
}

interface VersionCounts {
  requests: number;
  errors: number;
  /** Count per ladder index (the last index is the open bucket above the ladder). */
  latency: number[];
  buckets: Bucket[];
}

/** Statistics of one version over a window. */
export interface WindowCounts {
  requests: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Counts requests per version; keeps `keepSeconds` of one-second buckets. */
export class LogCounters {
  readonly #versions = new Map<string, VersionCounts>();
  readonly #keepSeconds: number;

  constructor(keepSeconds = 900) {
    this.#keepSeconds = keepSeconds;
  }

  /** Counts one request: an error when nginx answered 5xx (502 when no server of the version answered). */
  add(request: LoggedRequest): void {
    const counts = this.#of(request.version);
    const error = request.status >= 500;
    const index = ladderIndex(request.latencyMs);
    counts.requests++;
    if (error) counts.errors++;
    counts.latency[index] = (counts.latency[index] ?? 0) + 1;
    const second = Math.floor(request.atMs / 1000);
    let bucket = counts.buckets.find((b) => b.second === second);
    if (!bucket) {
      bucket = { second, requests: 0, errors: 0, latency: new Map() };
      counts.buckets.push(bucket);
      counts.buckets.sort((a, b) => a.second - b.second);
      while ((counts.buckets[0]?.second ?? second) < second - this.#keepSeconds) counts.buckets.shift();
    }
    bucket.requests++;
    if (error) bucket.errors++;
    bucket.latency.set(index, (bucket.latency.get(index) ?? 0) + 1);
  }

  #of(version: string): VersionCounts {
    let counts = this.#versions.get(version);
    if (!counts) {
      counts = { requests: 0, errors: 0, latency: new Array<number>(LATENCY_LADDER_MS.length + 1).fill(0), buckets: [] };
      this.#versions.set(version, counts);
    }
    return counts;
  }

  /** Monotonic totals of a version since counting began (zeros for one not seen yet). */
  totals(version: string): VersionCounters {
    const counts = this.#of(version);
    let running = 0;
    const cumulative = counts.latency.map((count) => (running += count));
    return { requests: counts.requests, errors: counts.errors, latency: { upperBoundsMs: [...LATENCY_LADDER_MS, Infinity], cumulative } };
  }

  /** Requests, errors and latency percentiles of a version in the seconds `[fromMs, toMs)`. */
  window(version: string, fromMs: number, toMs: number): WindowCounts {
    const from = Math.floor(fromMs / 1000);
    const to = Math.floor(toMs / 1000);
    const latency = new Map<number, number>();
    let requests = 0;
    let errors = 0;
    for (const bucket of this.#versions.get(version)?.buckets ?? []) {
      if (bucket.second < from || bucket.second >= to) continue;
      requests += bucket.requests;
      errors += bucket.errors;
      for (const [index, count] of bucket.latency) latency.set(index, (latency.get(index) ?? 0) + count);
    }
    return { requests, errors, p50: quantile(latency, requests, 0.5), p95: quantile(latency, requests, 0.95), p99: quantile(latency, requests, 0.99) };
  }

  /** Forgets a version that stopped. */
  forget(version: string): void {
    this.#versions.delete(version);
  }
}

/** The ladder bound at or above the `q` quantile (the last finite bound for the open bucket); null without requests. */
function quantile(latency: Map<number, number>, total: number, q: number): number | null {
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const index of [...latency.keys()].sort((a, b) => a - b)) {
    seen += latency.get(index) ?? 0;
    if (seen >= rank) return LATENCY_LADDER_MS[Math.min(index, LATENCY_LADDER_MS.length - 1)] as number;
  }
  return null;
}
