/** `status`: which version is stable and which is the canary, from what the target runs now. */
import type { StatusDocument, TrafficDocument } from '../api/contract.js';
import type { Target, TargetVersion, VersionObserver } from '../targets/target.js';

/** Window of the live metrics `status` and the deploy view show. */
export const LIVE_WINDOW_MS = 10_000;

/**
 * Outside a release, the stable version is the one with the most traffic (the older one on a tie) and a
 * canary is any other version that gets traffic. The engine's release, when one runs, is added by the caller.
 */
export function trafficStatus(service: string, versions: readonly TargetVersion[], canaryVersion?: string): StatusDocument {
  const serving = versions.filter((v) => v.state === 'ready' || v.state === 'draining');
  const canary = canaryVersion === undefined ? undefined : serving.find((v) => v.version === canaryVersion);
  const others = serving.filter((v) => v !== canary).sort((a, b) => b.weight - a.weight);
  const stable = others[0];
  const extraCanary = canary ?? others.slice(1).find((v) => v.weight > 0);
  return {
    service,
    stable: stable ? { version: stable.version, weight: stable.weight } : null,
    canary: extraCanary ? { version: extraCanary.version, weight: extraCanary.weight } : null,
    release: null,
  };
}

/** Each running version's share and live metrics, for the deploy view and the dashboard. */
export async function trafficDocument(service: string, target: Target | undefined): Promise<TrafficDocument> {
  const versions = await Promise.all(
    (target?.versions() ?? []).map(async (v) => {
      const m = await target?.metrics?.(v.version, LIVE_WINDOW_MS).catch(() => undefined);
      return {
        version: v.version,
        state: v.state,
        weight: v.weight,
        requests: m?.requests ?? 0,
        rps: m?.rps ?? 0,
        errorRate: m?.errorRate ?? 0,
        p50: m?.p50 ?? null,
        p95: m?.p95 ?? null,
        p99: m?.p99 ?? null,
      };
    }),
  );
  return { service, windowMs: LIVE_WINDOW_MS, versions };
}

/** Requests and failures (5xx and connection failures) each version has served since the proxy started. */
export async function trafficTotals(target: Required<Pick<VersionObserver, 'proxyMetrics'>>): Promise<Record<string, { requests: number; failed: number }>> {
  const snapshot = await target.proxyMetrics(1);
  const totals: Record<string, { requests: number; failed: number }> = {};
  for (const version of snapshot.versions) {
    const failed5xx = Object.entries(version.totals.byCode)
      .filter(([code]) => code.startsWith('5'))
      .reduce((sum, [, count]) => sum + count, 0);
    totals[version.version] = { requests: version.totals.requests + version.totals.connectionFailures, failed: failed5xx + version.totals.connectionFailures };
  }
  return totals;
}
