/** `glidepath jobs list | run NAME | history NAME | disable NAME | enable NAME`: the daemon's scheduled jobs. */
import type { Command } from 'commander';
import type { JobHistoryDocument, JobRunDocument, JobRunRecord, JobsDocument, JobStateDocument } from '../api/contract.js';
import { formatDuration } from '../shared/duration.js';
import { EXIT, UsageError } from '../shared/errors.js';
import type { CliContext } from './context.js';
import { assertSameProject, requireDaemon } from './daemon-connection.js';
import { renderTable } from './output.js';
import { releaseOwner } from './owner.js';

/** A manual run may take as long as a job's timeout; the CLI waits that long for its answer. */
const RUN_WAIT_MS = 7 * 3_600_000;

const time = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 19) : '–');
const took = (run: JobRunRecord) => (run.durationMs === null ? '–' : formatDuration(run.durationMs));

function runLine(run: JobRunRecord): string {
  const exit = run.exitCode === null ? '' : ` exit ${run.exitCode}`;
  return `${run.job} ${run.status}${exit} after ${took(run)} (${run.attempts} attempt(s)): ${run.detail}${run.output ? `\n${run.output.trimEnd()}` : ''}`;
}

/** Registers `glidepath jobs …`. */
export function registerJobs(program: Command, ctx: CliContext): void {
  const jobs = program.command('jobs').description('scheduled jobs the daemon runs (plan `jobs`, scheduled backups, restore drills)');
  const daemon = async () => {
    const loaded = ctx.loadPlan();
    const found = await requireDaemon(loaded);
    assertSameProject(found, loaded);
    return found.client;
  };

  jobs
    .command('list', { isDefault: true })
    .description('every job with its schedule, next run, last run and whether it is disabled')
    .action(async () => {
      const { jobs: list } = await (await daemon()).get<JobsDocument>('/v1/jobs');
      ctx.out.result({ jobs: list }, () =>
        list.length === 0
          ? 'the plan has no jobs'
          : renderTable(
              ['NAME', 'KIND', 'SCHEDULE', 'NEXT RUN', 'LAST RUN', 'STATUS', 'STATE'],
              list.map((j) => [j.name, j.kind, j.schedule, j.disabled ? '(disabled)' : time(j.nextRun), time(j.lastRun?.startedAt ?? null), j.lastRun?.status ?? '–', j.disabled ? 'disabled' : j.running ? 'running' : 'enabled']),
            ),
      );
    });

  jobs
    .command('run')
    .description('run a job now and wait for it (exit 1 when it fails)')
    .argument('<name>', 'job name (see glidepath jobs list)')
    .action(async (name: string) => {
      const client = await daemon();
      const { run } = await client.request<JobRunDocument>('POST', `/v1/jobs/${encodeURIComponent(name)}/run`, {}, { timeoutMs: RUN_WAIT_MS });
      if (run.status !== 'succeeded') ctx.setExit(EXIT.bad);
      ctx.out.result({ run }, () => runLine(run));
    });

  jobs
    .command('history')
    .description("a job's runs, newest first: status, start, duration, exit code, output tail")
    .argument('<name>', 'job name')
    .option('-n, --limit <n>', 'how many', '20')
    .action(async (name: string, opts: { limit: string }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError(`--limit expects a whole number from 1 to 500, got "${opts.limit}"`);
      const document = await (await daemon()).get<JobHistoryDocument>(`/v1/jobs/${encodeURIComponent(name)}/history?limit=${limit}`);
      ctx.out.result(document, () =>
        document.runs.length === 0
          ? `job ${name} has not run yet`
          : renderTable(
              ['STARTED', 'TRIGGER', 'STATUS', 'TOOK', 'EXIT', 'ATTEMPTS', 'DETAIL'],
              document.runs.map((r) => [time(r.startedAt), r.trigger, r.status, took(r), r.exitCode === null ? '–' : String(r.exitCode), String(r.attempts), r.detail]),
            ),
      );
    });

  for (const verb of ['disable', 'enable'] as const) {
    jobs
      .command(verb)
      .description(verb === 'disable' ? 'emergency stop: the job does not run again until enabled, across daemon restarts' : 'let a disabled job run again on its schedule')
      .argument('<name>', 'job name')
      .action(async (name: string) => {
        const loaded = ctx.loadPlan();
        const client = await daemon();
        const state = await client.post<JobStateDocument>(`/v1/jobs/${encodeURIComponent(name)}/${verb}`, { by: releaseOwner(loaded.dir, ctx.env) });
        ctx.out.result(state, () => `${name} ${verb}d by ${state.by}`);
      });
  }
}
