import { describe, expect, it } from 'vitest';
import type { ProxyMetricsSnapshot, VersionTotals } from '../../proxy/index.js';
import { ProxyEpochs } from './proxy-epochs.js';

function totals(requests: number, errors: number): VersionTotals {
  return {
    requests,
    byCode: { '200': requests - errors, '500': errors },
    connectionFailures: 0,
    aborted: 0,
    duration: { bounds: [], cumulative: [], sum: 0, count: requests },
    latency: { boundsMs: [10], cumulative: [requests, requests] },
  };
}

function snapshot(at: number, startedAt: number, requests: number, errors = 0): ProxyMetricsSnapshot {
  return { at, startedAt, windowSeconds: 3, versions: [{ version: 'v2', weight: 20, draining: false, inFlight: 0, window: undefined as never, totals: totals(requests, errors) }] };
}

describe('ProxyEpochs: the proxy restarted during an analysis window', () => {
  it('the reading across the restart is a gap, and later totals carry on instead of starting again from zero', () => {
    const epochs = new ProxyEpochs();
    expect(epochs.read('v2', snapshot(10_000, 0, 500, 1), 3, false)).toMatchObject({ requests: 500, errors: 1 });
    // The proxy died (its counts since the last reading are lost); the standby counts from zero, 40 requests, all 5xx.
    expect(() => epochs.read('v2', snapshot(11_000, 10_500, 40, 40), 3, true)).toThrow(/restarted 0\.5s ago .* lost \(a gap in the data\)/);
    // Still within the window after the restart: still a gap, never a value built on the new process' few counts.
    expect(() => epochs.read('v2', snapshot(12_000, 10_500, 80, 40), 3, true)).toThrow(expect.objectContaining({ code: 'metrics_gap' }));
    // Past it: totals continue from the last reading before the restart, so a difference between readings never
    // mixes two processes' counters (500 then 80 would read as a reset, 500 then 600 as 100 made-up requests).
    const later = epochs.read('v2', snapshot(14_000, 10_500, 100, 40), 3, true);
    expect(later).toMatchObject({ requests: 600, errors: 41 });
    expect(later.latency.cumulative).toEqual([600, 600]);
  });

  it('a proxy that just started without a restart (a fresh up) is read at once', () => {
    const epochs = new ProxyEpochs();
    expect(epochs.read('v2', snapshot(1_000, 500, 10), 3, false)).toMatchObject({ requests: 10 });
  });
});
