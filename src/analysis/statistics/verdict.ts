/** Verdict of a sequential comparison: `fail` (worse, beyond tolerance), `pass` (within tolerance, shown), `running` (not enough evidence yet). */
export type SequentialVerdict = 'pass' | 'fail' | 'running';

/** A number for a one-line reason: about three significant digits, no exponent for everyday sizes. */
export function formatStatistic(value: number): string {
  if (value === Infinity) return '∞';
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) return value.toPrecision(2);
  if (magnitude >= 100) return String(Math.round(value));
  return String(Number(value.toPrecision(magnitude >= 1 ? 3 : 2)));
}

/** A rate as a percentage for a reason ("4.8%"). */
export function formatPercent(rate: number): string {
  return `${formatStatistic(rate * 100)}%`;
}

/** A confidence level for a reason ("99%"). */
export function formatConfidence(alpha: number): string {
  return `${formatStatistic((1 - alpha) * 100)}%`;
}
