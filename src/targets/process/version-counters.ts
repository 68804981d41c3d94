/** The proxy's monotonic totals of one version, in the shape sequential analysis differences between readings. */
import type { VersionTotals } from '../../proxy/index.js';
import type { VersionCounters } from '../target.js';

/** Requests, errors (5xx and connection failures) and the cumulative latency histogram in ms, from proxy totals. */
export function versionCounters(totals: VersionTotals): VersionCounters {
  let fivexx = 0;
  for (const [code, count] of Object.entries(totals.byCode)) if (code.startsWith('5')) fivexx += count;
  const { bounds, cumulative } = totals.duration;
  return {
    requests: totals.requests + totals.connectionFailures,
    errors: fivexx + totals.connectionFailures,
    latency: {
      // The proxy's last bucket is +Inf implicitly: every request is counted there.
      upperBoundsMs: [...bounds.map((seconds) => seconds * 1000), Infinity],
      cumulative: [...cumulative, totals.duration.count],
    },
  };
}
