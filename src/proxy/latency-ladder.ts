/**
 * A fine, fixed latency histogram for sequential analysis: log-spaced bounds 5% apart from 0.1 ms to about 10 min,
 * so a quantile read from it is off by at most 5% — fine enough to show two versions equivalent within a 20%
 * tolerance. The Prometheus histogram keeps its few conventional buckets; this one is not exported there.
 */

/** Lowest bound in ms. */
const LOWEST_MS = 0.1;
/** Ratio of consecutive bounds. */
const GROWTH = 1.05;
/** Number of finite bounds (0.1 ms × 1.05^320 ≈ 600 s); one more bucket holds everything above. */
const STEPS = 320;
const LOG_GROWTH = Math.log(GROWTH);

/** The finite upper bounds in ms, ascending; bucket i holds latencies in (bound[i-1], bound[i]]. */
export const LATENCY_LADDER_MS: readonly number[] = Array.from({ length: STEPS }, (_, i) => LOWEST_MS * GROWTH ** i);

/** Index of the bucket a latency in ms falls in (STEPS for the open bucket above the last bound). */
export function ladderIndex(latencyMs: number): number {
  if (!(latencyMs > LOWEST_MS)) return 0;
  let i = Math.ceil(Math.log(latencyMs / LOWEST_MS) / LOG_GROWTH - 1e-9);
  // Rounding at a bound: move to the first bound that is >= the latency.
  while (i > 0 && (LATENCY_LADDER_MS[i - 1] as number) >= latencyMs) i--;
  while (i < STEPS && (LATENCY_LADDER_MS[i] as number) < latencyMs) i++;
  return Math.min(i, STEPS);
}
