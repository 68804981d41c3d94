/** Per-version request metrics: one-second HDR histograms in a sliding window, and monotonic totals. */
import { build, type Histogram } from 'hdr-histogram-js';
import { LATENCY_LADDER_MS, ladderIndex } from './latency-ladder.js';

/** Seconds of history the sliding window keeps. */
export const DEFAULT_WINDOW_KEEP_SECONDS = 60;
/**
 * Upper bounds (seconds) of the cumulative duration histogram handed to Prometheus: prom-client's defaults, made
 * dense between 50 ms and 2 s where latency objectives usually sit (p95 < 100/200/300/500 ms, p99 < 1–2 s), so a
 * `histogram_quantile` or an alert on those limits is not off by a whole bucket.
 */
export const DEFAULT_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 2.5, 5, 10];

// latencies are recorded in microseconds, 1 µs to 1 h, at 2 significant digits (1 % error)
const HIGHEST_US = 3_600_000_000;

/** Counts by status class, index 1–5 for 1xx–5xx. */
export type StatusClassCounts = Record<'1xx' | '2xx' | '3xx' | '4xx' | '5xx', number>;

/** A version's traffic over the last `seconds`: what canary analysis reads. */
export interface WindowStats {
  seconds: number;
  requests: number;
  rps: number;
  /** Latency percentiles in milliseconds; null without samples. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** (5xx + connection failures) / (requests + connection failures); null without traffic. */
  errorRate: number | null;
  byClass: StatusClassCounts;
  connectionFailures: number;
  /** Requests whose client went away before the response was complete (not in `requests`). */
  aborted: number;
}

/** Monotonic totals since the proxy started, for Prometheus counters and histograms. */
export interface VersionTotals {
  requests: number;
  byCode: Record<string, number>;
  connectionFailures: number;
  aborted: number;
  /** Cumulative counts per bound of `bounds` (seconds), their sum and count, in Prometheus' shape. */
  duration: { bounds: number[]; cumulative: number[]; sum: number; count: number };
  /** Fine latency histogram for analysis: bounds in ms (see latency-ladder.ts) and cumulative counts, the last over all. */
  latency: { boundsMs: number[]; cumulative: number[] };
}

interface Bucket {
  second: number;
  hist: Histogram;
  classes: number[];
  failures: number;
  aborted: number;
}

function newHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 2 });
}

/** One version's request metrics: a ring of one-second HDR buckets plus monotonic totals. */
export class VersionMetrics {
  readonly version: string;
  readonly #ring: Array<Bucket | undefined>;
  readonly #codes = new Float64Array(600);
  readonly #bounds: number[];
  readonly #durationCounts: Float64Array;
  readonly #ladder = new Float64Array(LATENCY_LADDER_MS.length + 1);
  #durationSum = 0;
  #requests = 0;
  #failures = 0;
  #aborted = 0;
  #current: Bucket | null = null;

  constructor(version: string, keepSeconds = DEFAULT_WINDOW_KEEP_SECONDS, bounds = DEFAULT_DURATION_BUCKETS) {
    this.version = version;
    this.#ring = new Array<Bucket | undefined>(keepSeconds);
    this.#bounds = bounds;
    this.#durationCounts = new Float64Array(bounds.length);
  }

  /** Records a completed response with its status and latency at wall time `nowMs`. */
  record(status: number, latencyMs: number, nowMs: number): void {
    const b = this.#bucket(nowMs);
    const us = Math.min(Math.max(Math.round(latencyMs * 1000), 1), HIGHEST_US);
    b.hist.recordValue(us);
    const cls = (status / 100) | 0;
    if (cls >= 1 && cls <= 5) b.classes[cls] = (b.classes[cls] as number) + 1;
    if (status < 600) this.#codes[status] = (this.#codes[status] as number) + 1;
    this.#requests++;
    const rung = ladderIndex(latencyMs);
    this.#ladder[rung] = (this.#ladder[rung] as number) + 1;
    const seconds = latencyMs / 1000;
    this.#durationSum += seconds;
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= (bounds[i] as number)) {
        this.#durationCounts[i] = (this.#durationCounts[i] as number) + 1;
        break;
      }
    }
  }

  /** Records a failed attempt to reach an instance of this version. */
  connectionFailure(nowMs: number): void {
    this.#bucket(nowMs).failures++;
    this.#failures++;
  }

  /** Records a request abandoned by its client before the response completed. */
  abort(nowMs: number): void {
    this.#bucket(nowMs).aborted++;
    this.#aborted++;
  }

  /** Statistics over the last `seconds` (at most the ring's length) ending at `nowMs`. */
  window(seconds: number, nowMs: number): WindowStats {
    const span = Math.max(1, Math.min(Math.floor(seconds), this.#ring.length));
    const nowSecond = Math.floor(nowMs / 1000);
    const merged = newHistogram();
    const classes = [0, 0, 0, 0, 0, 0];
    let failures = 0;
    let aborted = 0;
    for (let s = nowSecond - span + 1; s <= nowSecond; s++) {
      const b = this.#ring[s % this.#ring.length];
      if (b === undefined || b.second !== s) continue;
      merged.add(b.hist);
      for (let c = 1; c <= 5; c++) classes[c] = (classes[c] as number) + (b.classes[c] as number);
      failures += b.failures;
      aborted += b.aborted;
    }
    const requests = merged.totalCount;
    const elapsed = span - 1 + (nowMs % 1000) / 1000;
    const pct = (p: number): number | null => (requests === 0 ? null : merged.getValueAtPercentile(p) / 1000);
    const stats: WindowStats = {
      seconds: span,
      requests,
      rps: elapsed > 0 ? requests / elapsed : 0,
      p50: pct(50),
      p95: pct(95),
      p99: pct(99),
      errorRate: requests + failures === 0 ? null : ((classes[5] as number) + failures) / (requests + failures),
      byClass: {
        '1xx': classes[1] as number,
        '2xx': classes[2] as number,
        '3xx': classes[3] as number,
        '4xx': classes[4] as number,
        '5xx': classes[5] as number,
      },
      connectionFailures: failures,
      aborted,
    };
    merged.destroy();
    return stats;
  }

  /** Monotonic totals since this version was first seen. */
  totals(): VersionTotals {
    const byCode: Record<string, number> = {};
    for (let c = 0; c < 600; c++) if ((this.#codes[c] as number) > 0) byCode[String(c)] = this.#codes[c] as number;
    const cumulative: number[] = [];
    let acc = 0;
    for (const n of this.#durationCounts) cumulative.push((acc += n));
    const ladder: number[] = [];
    let below = 0;
    for (const n of this.#ladder) ladder.push((below += n));
    return {
      requests: this.#requests,
      byCode,
      connectionFailures: this.#failures,
      aborted: this.#aborted,
      duration: { bounds: [...this.#bounds], cumulative, sum: this.#durationSum, count: this.#requests },
      latency: { boundsMs: [...LATENCY_LADDER_MS], cumulative: ladder },
    };
  }

  #bucket(nowMs: number): Bucket {
    const second = Math.floor(nowMs / 1000);
    const cur = this.#current;
    if (cur !== null && cur.second === second) return cur;
    const slot = second % this.#ring.length;
    let b = this.#ring[slot];
    if (b === undefined) {
      b = { second, hist: newHistogram(), classes: [0, 0, 0, 0, 0, 0], failures: 0, aborted: 0 };
      this.#ring[slot] = b;
    } else if (b.second !== second) {
      b.second = second;
      b.hist.reset();
      b.classes.fill(0);
      b.failures = 0;
      b.aborted = 0;
    }
    this.#current = b;
    return b;
  }
}
