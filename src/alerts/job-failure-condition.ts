/** The `job:` alert condition: a job's latest runs all failed. */
import type { AlertSample } from './alert-state.js';

/** One finished run of a job, as the condition reads it (newest first). */
export interface JobRunOutcome {
  status: string;
  startedAt: string;
  detail: string;
}

/** What the job condition reads from the daemon. */
export interface JobFailureDeps {
  /** The names of the jobs the daemon runs, for `*`. */
  jobNames(): readonly string[];
  /** A job's latest runs, newest first, skipped runs included or not. */
  recentRuns(job: string, limit: number): Promise<readonly JobRunOutcome[]>;
}

const FAILED = new Set(['failed', 'timed_out']);

/** How many of the newest runs failed in a row (skipped runs left aside), and the newest failure. */
export function consecutiveFailures(runs: readonly JobRunOutcome[]): { count: number; newest: JobRunOutcome | undefined } {
  let count = 0;
  let newest: JobRunOutcome | undefined;
  for (const run of runs) {
    if (run.status === 'skipped') continue;
    if (!FAILED.has(run.status)) break;
    newest ??= run;
    count += 1;
  }
  return { count, newest };
}

/**
 * Samples `job: { name, failures }`: active while the latest `failures` runs of the job (of any job for `*`)
 * failed; the value is the longest run of failures.
 */
export async function sampleJobFailures(condition: { name: string; failures: number }, deps: JobFailureDeps): Promise<AlertSample> {
  const names = condition.name === '*' ? deps.jobNames() : [condition.name];
  // Enough runs to see `failures` of them past the skipped ones an overlap guard records between.
  const limit = condition.failures * 2 + 20;
  const streaks = await Promise.all(names.map(async (job) => ({ job, ...consecutiveFailures(await deps.recentRuns(job, limit)) })));
  const failing = streaks.filter((s) => s.count >= condition.failures).sort((a, b) => b.count - a.count);
  const value = Math.max(0, ...streaks.map((s) => s.count));
  const what = condition.name === '*' ? 'any job' : `job ${condition.name}`;
  if (failing.length === 0) return { active: false, value, detail: `${what}: ${value} consecutive failure(s) (fires at ${condition.failures})` };
  const told = failing.map((s) => `${s.job} failed ${s.count} time(s) in a row, last: ${s.newest?.detail ?? '?'}`);
  return { active: true, value, detail: told.join('; ') };
}
