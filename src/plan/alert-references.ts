/**
 * What an alert's `job` and `rpo` conditions name: a job the daemon runs, a backup source with an RPO target.
 * Checked on the raw data, like the other references between sections.
 */
import type { KeyPath } from './yaml-path.js';

/** A reference that names nothing, where it stands. */
export interface AlertConditionIssue {
  path: KeyPath;
  message: string;
}

type Raw = Record<string, unknown>;

const isRecord = (value: unknown): value is Raw => value !== null && typeof value === 'object' && !Array.isArray(value);
const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const nameOf = (value: unknown): string | undefined => (isRecord(value) && typeof value.name === 'string' ? value.name : undefined);

/** The names of the jobs the daemon runs for this plan: its `jobs`, its scheduled backups and its restore drill. */
export function daemonJobNames(data: Raw): string[] {
  const names = listOf(data.jobs).flatMap((job) => nameOf(job) ?? []);
  const backup = data.backup;
  if (!isRecord(backup)) return names;
  const sources = listOf(backup.sources).filter(isRecord);
  if (backup.schedule !== undefined && sources.some((s) => s.schedule === undefined)) names.push('backup');
  for (const source of sources) if (source.schedule !== undefined && typeof source.name === 'string') names.push(`backup.${source.name}`);
  if (isRecord(backup.verify) && backup.verify.schedule !== undefined) names.push('restore-drill');
  return names;
}

/** Every alert `job` naming no job and every `rpo` naming no source or lacking `backup.rpo`, with where it stands. */
export function alertConditionIssues(data: Raw): AlertConditionIssue[] {
  const issues: AlertConditionIssue[] = [];
  const jobs = daemonJobNames(data);
  const backup = isRecord(data.backup) ? data.backup : undefined;
  const sources = listOf(backup?.sources).flatMap((s) => nameOf(s) ?? []);
  listOf(data.alerts).forEach((rule, i) => {
    if (!isRecord(rule)) return;
    const job = nameOf(rule.job);
    if (job !== undefined && job !== '*' && !jobs.includes(job)) {
      issues.push({ path: ['alerts', i, 'job', 'name'], message: `unknown job "${job}" (the daemon's jobs: ${jobs.join(', ') || 'none'}; or * for any)` });
    }
    if (typeof rule.rpo !== 'string') return;
    if (backup?.rpo === undefined) {
      issues.push({ path: ['alerts', i, 'rpo'], message: 'compares backups against backup.rpo, and the plan sets none (add e.g. `backup: { rpo: 26h }`)' });
    } else if (rule.rpo !== '*' && !sources.includes(rule.rpo)) {
      issues.push({ path: ['alerts', i, 'rpo'], message: `unknown backup source "${rule.rpo}" (backup.sources: ${sources.join(', ') || 'none defined'}; or * for every source)` });
    }
  });
  return issues;
}
