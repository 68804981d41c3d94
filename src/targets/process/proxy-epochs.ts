/**
 * Reading the proxy's counters across its restarts. A proxy process that dies takes the counts it had not yet
 * handed over with it, and the one serving after it counts from zero: a window reaching back before it began is a
 * gap (the reading fails, and analysis records an error for it, never a pass), and totals are carried on from the
 * last reading before the restart so a sequential test never differences counters of two processes.
 */
import type { ProxyMetricsSnapshot } from '../../proxy/index.js';
import { GlidepathError } from '../../shared/errors.js';
import type { VersionCounters } from '../target.js';
import { versionCounters } from './version-counters.js';

function add(base: VersionCounters | undefined, counters: VersionCounters): VersionCounters {
  if (!base) return counters;
  const sameBounds = base.latency.cumulative.length === counters.latency.cumulative.length;
  return {
    requests: base.requests + counters.requests,
    errors: base.errors + counters.errors,
    latency: sameBounds ? { upperBoundsMs: counters.latency.upperBoundsMs, cumulative: counters.latency.cumulative.map((n, i) => n + (base.latency.cumulative[i] ?? 0)) } : counters.latency,
  };
}

/** What the readings of each version saw of the proxy that served them. */
export class ProxyEpochs {
  readonly #seen = new Map<string, { startedAt: number; totals: VersionCounters }>();
  readonly #carried = new Map<string, VersionCounters>();

  /**
   * The totals of `version` carried across restarts; throws a `metrics_gap` error when the proxy serving now is
   * not the one of the previous reading, or when it began within the window after a restart (`restarted`).
   */
  read(version: string, snapshot: ProxyMetricsSnapshot, windowSeconds: number, restarted: boolean): VersionCounters {
    const found = snapshot.versions.find((v) => v.version === version);
    const totals = found ? versionCounters(found.totals) : { requests: 0, errors: 0, latency: { upperBoundsMs: [Infinity], cumulative: [0] } };
    const startedAt = snapshot.startedAt;
    if (startedAt === undefined) return totals;
    const last = this.#seen.get(version);
    const changed = last !== undefined && last.startedAt !== startedAt;
    if (changed) this.#carried.set(version, last.totals);
    const carried = add(this.#carried.get(version), totals);
    this.#seen.set(version, { startedAt, totals: carried });
    if (changed || (restarted && startedAt > snapshot.at - windowSeconds * 1000)) {
      const ago = ((snapshot.at - startedAt) / 1000).toFixed(1);
      throw new GlidepathError(
        `no metrics of ${version} for the last ${windowSeconds}s: the proxy process was restarted ${ago}s ago and the counts of the one that died are lost (a gap in the data)`,
        { code: 'metrics_gap' },
      );
    }
    return carried;
  }

  /** Forgets a version that stopped. */
  forget(version: string): void {
    this.#seen.delete(version);
    this.#carried.delete(version);
  }
}
