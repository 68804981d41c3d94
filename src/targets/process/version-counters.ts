/** The proxy's monotonic totals of one version, in the shape sequential analysis differences between readings. */
import type { VersionTotals } from '../../proxy/index.js';
import type { VersionCounters } from '../target.js';

/** Requests, errors (5xx and connection failures) and the cumulative latency histogram in ms, from proxy totals. */
export function versionCounters(totals: VersionTotals): VersionCounters {
  let fivexx = 0;
  for (const [code, count] of Object.entries(totals.byCode)) if (code.startsWith('5')) fivexx += count;
  return {
    requests: totals.requests + totals.connectionFailures,
    errors: fivexx + totals.connectionFailures,
    // The ladder's last count is the open bucket above its last bound.
    latency: { upperBoundsMs: [...totals.latency.boundsMs, Infinity], cumulative: [...totals.latency.cumulative] },
  };
}
