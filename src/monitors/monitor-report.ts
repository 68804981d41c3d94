/** What `glidepath monitors` shows: each monitor's state, timing and uptime over 24 h, 7 d and 30 d. */
import type { Store } from '../store/index.js';
import type { MonitorDefinition } from './monitors.js';

/** Uptime windows shown, by label. */
export const UPTIME_WINDOWS = { '24h': 24 * 3_600_000, '7d': 7 * 24 * 3_600_000, '30d': 30 * 24 * 3_600_000 } as const;

/** One monitor in `GET /v1/monitors`. */
export interface MonitorView {
  name: string;
  status: string;
  since: string | null;
  checkedAt: string | null;
  detail: string;
  durationMs: number | null;
  intervalMs: number;
  retryIntervalMs: number;
  retries: number;
  /** Share of up beats (0–1) per window; null without beats in it. */
  uptime: Record<keyof typeof UPTIME_WINDOWS, number | null>;
}

/** The monitors document: one view per monitor of the plan, in the plan's order, and the newest state changes. */
export async function monitorReport(
  service: string,
  definitions: readonly MonitorDefinition[],
  store: Pick<Store, 'monitors'>,
  now: Date,
): Promise<{ service: string; monitors: MonitorView[]; changes: { name: string; at: string; from: string; to: string; detail: string }[] }> {
  const states = new Map((await store.monitors.states(service)).map((s) => [s.name, s]));
  const windows = await Promise.all(
    Object.entries(UPTIME_WINDOWS).map(async ([label, ms]) => [label, await store.monitors.uptimeSince(service, new Date(now.getTime() - ms))] as const),
  );
  const monitors = definitions.map((d): MonitorView => {
    const state = states.get(d.name);
    const uptime = Object.fromEntries(
      windows.map(([label, ratios]) => {
        const ratio = ratios.get(d.name);
        return [label, ratio && ratio.total > 0 ? ratio.up / ratio.total : null];
      }),
    ) as MonitorView['uptime'];
    return {
      name: d.name,
      status: state?.status ?? 'unknown',
      since: state?.since ?? null,
      checkedAt: state?.checkedAt ?? null,
      detail: state?.detail ?? '',
      durationMs: state?.durationMs ?? null,
      intervalMs: d.timing.intervalMs,
      retryIntervalMs: d.timing.retryIntervalMs,
      retries: d.timing.retries,
      uptime,
    };
  });
  return { service, monitors, changes: await store.monitors.changes(service, { limit: 20 }) };
}
