/** The `rpo:` alert condition: a backup source's newest verified backup is older than the plan's `backup.rpo`. */
import { formatDuration } from '../shared/duration.js';
import type { AlertSample } from './alert-state.js';

/** One source's recovery point as the daemon measures it (see backups' backup status). */
export interface SourceRecoveryPoint {
  source: string;
  /** Age of the newest verified backup; null when none is verified. */
  rpoMs: number | null;
  /** The plan's `backup.rpo`; null without one. */
  rpoTargetMs: number | null;
}

/**
 * Samples `rpo: SOURCE` (or `*` for every source): active while the source's newest verified backup is older than
 * the target, or it has none (a loss now would cost more than the target allows). The value is the age in ms.
 */
export function sampleRpo(source: string, points: readonly SourceRecoveryPoint[]): AlertSample {
  const chosen = source === '*' ? points : points.filter((p) => p.source === source);
  if (chosen.length === 0) return { error: source === '*' ? 'the plan has no backup sources' : `no backup source ${source}` };
  const target = chosen[0]?.rpoTargetMs ?? null;
  if (target === null) return { error: 'the plan sets no backup.rpo' };
  const breached = chosen.filter((p) => p.rpoMs === null || p.rpoMs > target);
  const ages = chosen.map((p) => p.rpoMs ?? Number.MAX_SAFE_INTEGER);
  const value = Math.max(...ages);
  const show = (p: SourceRecoveryPoint) => (p.rpoMs === null ? `${p.source}: no verified backup` : `${p.source}: newest verified backup ${formatDuration(p.rpoMs)} old`);
  const limit = `(rpo ${formatDuration(target)})`;
  if (breached.length === 0) return { active: false, value, detail: `${chosen.map(show).join('; ')} ${limit}` };
  return { active: true, value, detail: `${breached.map(show).join('; ')} ${limit}` };
}
