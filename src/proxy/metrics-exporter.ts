/** The proxy's per-version metrics as Prometheus series. */
import {
  Counter,
  Histogram,
  Registry,
  type MetricObjectWithValues,
  type MetricValueWithName,
} from 'prom-client';
import type { ProxyMetricsSnapshot } from './proxy-server.js';
import { DEFAULT_DURATION_BUCKETS, type VersionTotals } from './version-metrics.js';

type DurationLabels = 'service' | 'version';
const HELP = 'Duration of requests through the glidepath proxy, by version.';

// The proxy keeps cumulative bucket counts on its own thread; this histogram reports the latest of them
// instead of observing values one by one.
class SnapshotHistogram extends Histogram<DurationLabels> {
  readonly #totals = new Map<string, VersionTotals>();
  readonly #service: string;

  constructor(registry: Registry, service: string) {
    super({
      name: 'glidepath_request_duration_seconds',
      help: HELP,
      labelNames: ['service', 'version'],
      buckets: DEFAULT_DURATION_BUCKETS,
      registers: [registry],
    });
    this.#service = service;
  }

  set(version: string, totals: VersionTotals): void {
    this.#totals.set(version, totals);
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<DurationLabels>>> {
    const values: Array<MetricValueWithName<DurationLabels>> = [];
    const name = 'glidepath_request_duration_seconds';
    for (const [version, t] of this.#totals) {
      const labels = { service: this.#service, version };
      t.duration.bounds.forEach((le, i) => {
        values.push({ metricName: `${name}_bucket`, labels: { ...labels, le } as never, value: t.duration.cumulative[i] ?? 0 });
      });
      values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' } as never, value: t.duration.count });
      values.push({ metricName: `${name}_sum`, labels, value: t.duration.sum });
      values.push({ metricName: `${name}_count`, labels, value: t.duration.count });
    }
    // prom-client's typings declare `type` as a numeric enum; at run time (and in its own classes) it is a string
    const metric = { name, help: HELP, type: 'histogram', values, aggregator: 'sum', collect: () => {} };
    return metric as unknown as MetricObjectWithValues<MetricValueWithName<DurationLabels>>;
  }

  // prom-client's registry prefers this one when present
  async getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<DurationLabels>>> {
    return this.get();
  }
}

/** Turns proxy metrics snapshots into `glidepath_requests_total` and `glidepath_request_duration_seconds`. */
export class ProxyMetricsExporter {
  /** The registry the two metrics live in (a new one unless given). */
  readonly registry: Registry;
  readonly #service: string;
  readonly #requests: Counter<'service' | 'version' | 'code'>;
  readonly #duration: SnapshotHistogram;
  readonly #seen = new Map<string, number>();

  constructor(options: { service: string; registry?: Registry }) {
    this.registry = options.registry ?? new Registry();
    this.#service = options.service;
    this.#requests = new Counter({
      name: 'glidepath_requests_total',
      help: 'Requests through the glidepath proxy, by version and status code.',
      labelNames: ['service', 'version', 'code'],
      registers: [this.registry],
    });
    this.#duration = new SnapshotHistogram(this.registry, options.service);
  }

  /** Brings the metrics up to `snapshot` (counters only ever grow by the difference since the last one). */
  update(snapshot: ProxyMetricsSnapshot): void {
    for (const v of snapshot.versions) {
      for (const [code, total] of Object.entries(v.totals.byCode)) {
        const key = `${v.version}\u0000${code}`;
        const last = this.#seen.get(key) ?? 0;
        // a restarted proxy starts its totals again from zero; count what it has seen since
        const delta = total >= last ? total - last : total;
        if (delta > 0) this.#requests.inc({ service: this.#service, version: v.version, code }, delta);
        this.#seen.set(key, total);
      }
      this.#duration.set(v.version, v.totals);
    }
  }
}
