/**
 * Retention with the semantics of restic's `forget`, as a pure function.
 *
 * Backups are taken newest first. `keepLast: N` keeps the N newest. `keepDaily: N` keeps the newest backup of
 * each of the last N days that have one (days without a backup do not count), and likewise `keepWeekly`
 * (ISO weeks) and `keepMonthly` (calendar months); days, weeks and months are UTC. `maxAge` keeps every
 * backup younger than it (restic's `--keep-within`, but measured from now rather than from the newest backup);
 * older ones go unless another rule keeps them. A backup kept by any rule stays; with no rule at all, every
 * backup stays. Whatever the rules say, the newest verified backup is never removed.
 */
import { formatDuration } from '../shared/duration.js';

/** The plan's `backup.retention`. */
export interface RetentionPolicy {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  /** Milliseconds. */
  maxAge?: number;
}

/** What retention needs to know about one backup. */
export interface RetentionCandidate {
  id: string;
  /** When the backup was taken. */
  at: Date;
  /** Whether it last passed verification. */
  verified: boolean;
}

/** The verdict on one backup, with every reason. */
export interface RetentionDecision {
  id: string;
  at: Date;
  keep: boolean;
  reasons: string[];
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const month = (d: Date) => d.toISOString().slice(0, 7);

/** ISO-8601 week of a date (UTC), as `2025-W01`. */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = t.getUTCDay() || 7;
  // The Thursday of this week decides the year the week belongs to.
  t.setUTCDate(t.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

const BUCKET_RULES = [
  ['keepDaily', 'daily', day],
  ['keepWeekly', 'weekly', isoWeek],
  ['keepMonthly', 'monthly', month],
] as const;

/** Decides, newest first, which backups the policy keeps and which go, and why. */
export function applyRetention(candidates: readonly RetentionCandidate[], policy: RetentionPolicy, now: Date): RetentionDecision[] {
  const sorted = [...candidates].sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1));
  const decisions: RetentionDecision[] = sorted.map((c) => ({ id: c.id, at: c.at, keep: false, reasons: [] }));
  const anyRule = Object.values(policy).some((value) => value !== undefined);
  const keep = (d: RetentionDecision, reason: string) => {
    d.keep = true;
    d.reasons.push(reason);
  };
  if (!anyRule) for (const d of decisions) keep(d, 'no retention policy');
  if (policy.keepLast !== undefined) decisions.slice(0, policy.keepLast).forEach((d, i) => keep(d, `last ${i + 1} of ${String(policy.keepLast)}`));
  for (const [key, label, bucketOf] of BUCKET_RULES) {
    let left = policy[key];
    if (left === undefined) continue;
    let lastBucket: string | undefined;
    for (const d of decisions) {
      if (left <= 0) break;
      const bucket = bucketOf(d.at);
      if (bucket === lastBucket) continue;
      lastBucket = bucket;
      left--;
      keep(d, `${label} ${bucket}`);
    }
  }
  if (policy.maxAge !== undefined) {
    const cutoff = now.getTime() - policy.maxAge;
    for (const d of decisions) if (d.at.getTime() > cutoff) keep(d, `younger than maxAge ${formatDuration(policy.maxAge)}`);
  }
  const newestVerified = sorted.findIndex((c) => c.verified);
  const guarded = decisions[newestVerified];
  if (guarded && !guarded.keep) keep(guarded, 'newest verified backup');
  const rules = describePolicy(policy);
  for (const d of decisions) {
    if (d.keep) continue;
    const old = policy.maxAge !== undefined && d.at.getTime() <= now.getTime() - policy.maxAge;
    d.reasons.push(old ? `older than maxAge ${formatDuration(policy.maxAge ?? 0)} and kept by no other rule (${rules})` : `kept by no rule (${rules})`);
  }
  return decisions;
}

/** The policy in words: `keepLast 3, keepDaily 7, maxAge 30d`. */
export function describePolicy(policy: RetentionPolicy): string {
  const parts = (['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly'] as const)
    .filter((key) => policy[key] !== undefined)
    .map((key) => `${key} ${String(policy[key])}`);
  if (policy.maxAge !== undefined) parts.push(`maxAge ${formatDuration(policy.maxAge)}`);
  return parts.join(', ') || 'none';
}
