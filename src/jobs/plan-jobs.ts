/** The jobs a plan asks the daemon for: its `jobs`, its scheduled backups and its restore drills. */
import { scheduledBackup } from '../backups/scheduled-backup.js';
import type { Plan } from '../plan/plan-schema.js';
import type { JobConfig } from '../plan/schema/jobs.js';
import type { ScheduleSpec } from '../scheduler/schedule-spec.js';
import type { Store } from '../store/store.js';
import { attemptPlanJob } from './job-action.js';
import type { AttemptOutcome, JobDefinition } from './job-definition.js';
import { restoreDrill } from './restore-drill.js';

/** How long a scheduled backup or drill may take before it is stopped. */
export const DEFAULT_BACKUP_JOB_TIMEOUT_MS = 6 * 3_600_000;

const NO_RETRY = { retries: 0, backoffMs: 0 };

function planJob(job: JobConfig, planDir: string): JobDefinition {
  const spec: ScheduleSpec = job.every !== undefined ? { everyMs: job.every } : { cron: job.schedule ?? '', timezone: job.timezone };
  return {
    name: job.name,
    kind: job.run !== undefined ? 'command' : 'http',
    spec,
    timeoutMs: job.timeout,
    overlap: job.overlap,
    retry: { retries: job.retries, backoffMs: job.retryBackoff, maxBackoffMs: 3_600_000 },
    catchUp: job.catchUp,
    fingerprint: JSON.stringify(job),
    attempt: (signal) => attemptPlanJob(job, planDir, signal),
  };
}

function backupJob(name: string, cron: string, plan: Plan, planDir: string, store: Store, sources: string[]): JobDefinition {
  return {
    name,
    kind: 'backup',
    spec: { cron, timezone: plan.backup?.timezone },
    timeoutMs: DEFAULT_BACKUP_JOB_TIMEOUT_MS,
    overlap: false,
    retry: NO_RETRY,
    catchUp: 'once',
    fingerprint: JSON.stringify([plan.backup, sources]),
    attempt: async (signal): Promise<AttemptOutcome> => {
      const result = await scheduledBackup({ plan, planDir, store, sources, signal });
      const lines = [
        ...result.backups.map((b) => `${b.source}: ${b.status} ${b.id}${b.size === null ? '' : ` (${b.size} bytes)`}`),
        ...result.verified.map((v) => `verified ${v.id}: ${v.status}`),
        ...result.pruned.map((id) => `pruned ${id}`),
        ...result.errors,
      ];
      const detail = `${result.backups.length} backup(s), ${result.verified.filter((v) => v.status === 'pass').length} verified, ${result.pruned.length} pruned${result.errors.length > 0 ? `; ${result.errors.join('; ')}` : ''}`;
      return { status: result.ok ? 'succeeded' : 'failed', exitCode: null, detail, output: lines.join('\n') };
    },
  };
}

/**
 * Every job of `plan`: its `jobs`; `backup` at `backup.schedule` for the sources without a schedule of their own;
 * `backup.<source>` for each source with one; `restore-drill` at `backup.verify.schedule`.
 */
export function planJobs(plan: Plan, planDir: string, store: Store): JobDefinition[] {
  const jobs = (plan.jobs ?? []).map((job) => planJob(job, planDir));
  const backup = plan.backup;
  if (!backup) return jobs;
  const unscheduled = backup.sources.filter((s) => s.schedule === undefined).map((s) => s.name);
  if (backup.schedule !== undefined && unscheduled.length > 0) jobs.push(backupJob('backup', backup.schedule, plan, planDir, store, unscheduled));
  for (const source of backup.sources) {
    if (source.schedule !== undefined) jobs.push(backupJob(`backup.${source.name}`, source.schedule, plan, planDir, store, [source.name]));
  }
  const drill = backup.verify?.schedule;
  if (drill !== undefined) {
    jobs.push({
      name: 'restore-drill',
      kind: 'drill',
      spec: { cron: drill, timezone: backup.timezone },
      timeoutMs: DEFAULT_BACKUP_JOB_TIMEOUT_MS,
      overlap: false,
      retry: NO_RETRY,
      catchUp: 'none',
      fingerprint: JSON.stringify(backup),
      attempt: (signal) => restoreDrill({ plan, planDir, store, signal }),
    });
  }
  return jobs;
}
