/** Jobs in the store: the run history (bounded per job) and the disabled flag that survives restarts. */
import type { Kysely, Selectable } from 'kysely';
import { newId } from './id.js';
import type { Database, IsoTime } from './schema.js';

/** Table `job_runs` (migration 0004). */
export interface JobRunsTable {
  id: string;
  service: string;
  job: string;
  trigger: string;
  status: string;
  scheduled_at: IsoTime | null;
  started_at: IsoTime;
  finished_at: IsoTime | null;
  duration_ms: number | null;
  attempts: number;
  exit_code: number | null;
  detail: string;
  output: string;
}

/** Table `job_states` (migration 0004). */
export interface JobStatesTable {
  service: string;
  job: string;
  disabled: number;
  changed_by: string;
  changed_at: IsoTime;
}

/** How a run ended; `skipped` is a due run not started because the previous one still ran. */
export type JobRunStatus = 'succeeded' | 'failed' | 'timed_out' | 'skipped';

/** What started a run. */
export type JobTrigger = 'schedule' | 'manual' | 'catch-up';

/** One run of a job as the history keeps it. */
export interface JobRunRecord {
  id: string;
  job: string;
  trigger: JobTrigger;
  status: JobRunStatus;
  scheduledAt: IsoTime | null;
  startedAt: IsoTime;
  finishedAt: IsoTime | null;
  durationMs: number | null;
  attempts: number;
  exitCode: number | null;
  detail: string;
  /** The tail of the output, secrets masked. */
  output: string;
}

/** A job's emergency stop. */
export interface JobState {
  disabled: boolean;
  by: string;
  at: IsoTime;
}

/** Runs kept per job; older ones are deleted as new ones are recorded. */
export const JOB_HISTORY_LIMIT = 200;

type JobTables = Database & { job_runs: JobRunsTable; job_states: JobStatesTable };

function toRecord(row: Selectable<JobRunsTable>): JobRunRecord {
  return {
    id: row.id,
    job: row.job,
    trigger: row.trigger as JobTrigger,
    status: row.status as JobRunStatus,
    scheduledAt: row.scheduled_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    attempts: Number(row.attempts),
    exitCode: row.exit_code === null ? null : Number(row.exit_code),
    detail: row.detail,
    output: row.output,
  };
}

/** Run history and disabled flags of a service's jobs. */
export class JobRepository {
  readonly #db: Kysely<JobTables>;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, now: () => Date) {
    this.#db = db.withTables<{ job_runs: JobRunsTable; job_states: JobStatesTable }>();
    this.#now = now;
  }

  /** Records a finished (or skipped) run and drops the job's runs beyond `limit`. */
  async record(service: string, run: Omit<JobRunRecord, 'id'>, limit = JOB_HISTORY_LIMIT): Promise<JobRunRecord> {
    const id = newId('job', this.#now().getTime());
    await this.#db
      .insertInto('job_runs')
      .values({
        id,
        service,
        job: run.job,
        trigger: run.trigger,
        status: run.status,
        scheduled_at: run.scheduledAt,
        started_at: run.startedAt,
        finished_at: run.finishedAt,
        duration_ms: run.durationMs === null ? null : Math.round(run.durationMs),
        attempts: run.attempts,
        exit_code: run.exitCode,
        detail: run.detail,
        output: run.output,
      })
      .execute();
    const keep = await this.#db.selectFrom('job_runs').select('id').where('service', '=', service).where('job', '=', run.job).orderBy('id', 'desc').limit(limit).execute();
    if (keep.length >= limit) {
      const oldest = keep[keep.length - 1]?.id ?? id;
      await this.#db.deleteFrom('job_runs').where('service', '=', service).where('job', '=', run.job).where('id', '<', oldest).execute();
    }
    return { id, ...run };
  }

  /** A job's runs, newest first. */
  async history(service: string, job: string, limit = 20): Promise<JobRunRecord[]> {
    const rows = await this.#db.selectFrom('job_runs').selectAll().where('service', '=', service).where('job', '=', job).orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toRecord);
  }

  /** The newest run of each job of the service that has one, skipped runs left aside. */
  async latest(service: string): Promise<Map<string, JobRunRecord>> {
    const rows = await this.#db
      .selectFrom('job_runs as r')
      .selectAll('r')
      .where('r.service', '=', service)
      .where('r.status', '!=', 'skipped')
      .where('r.id', '=', (eb) =>
        eb.selectFrom('job_runs as n').select((inner) => inner.fn.max('n.id').as('id')).whereRef('n.service', '=', 'r.service').whereRef('n.job', '=', 'r.job').where('n.status', '!=', 'skipped'),
      )
      .execute();
    return new Map(rows.map((row) => [row.job, toRecord(row)]));
  }

  /** Which of the service's jobs are disabled (or were enabled again), by job name. */
  async states(service: string): Promise<Map<string, JobState>> {
    const rows = await this.#db.selectFrom('job_states').selectAll().where('service', '=', service).execute();
    return new Map(rows.map((row) => [row.job, { disabled: Number(row.disabled) === 1, by: row.changed_by, at: row.changed_at }]));
  }

  /** Disables or enables a job; the flag holds until changed again, whatever the daemon does meanwhile. */
  async setDisabled(service: string, job: string, disabled: boolean, by: string): Promise<JobState> {
    const at = this.#now().toISOString();
    const values = { service, job, disabled: disabled ? 1 : 0, changed_by: by, changed_at: at };
    await this.#db
      .insertInto('job_states')
      .values(values)
      .onConflict((oc) => oc.columns(['service', 'job']).doUpdateSet({ disabled: values.disabled, changed_by: by, changed_at: at }))
      .execute();
    return { disabled, by, at };
  }
}
