/**
 * First runs spread over time: many schedules started together (200 monitors at 10 s) would otherwise all run in
 * the same instant, and, since each next run counts from the end of the last, stay in step for good: one burst
 * per interval that makes the last of them late. Spread, they keep their offsets and the load is even.
 */

/** The longest a first run is put off to spread it (a monitor at 1 h still reports within seconds of a start). */
export const MAX_FIRST_RUN_SPREAD_MS = 10_000;

/**
 * The delay of the first run of the `index`-th of `count` schedules started together, each at `intervalMs`: evenly
 * over the interval (at most {@link MAX_FIRST_RUN_SPREAD_MS}), the first one right away.
 */
export function firstRunOffsetMs(index: number, count: number, intervalMs: number): number {
  if (count <= 1 || index <= 0) return 0;
  const span = Math.min(Math.max(0, intervalMs), MAX_FIRST_RUN_SPREAD_MS);
  return Math.floor((Math.min(index, count - 1) * span) / count);
}
