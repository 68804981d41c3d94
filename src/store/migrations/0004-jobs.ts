/** Store migration 0004: scheduled jobs' run history, and which jobs are disabled. */
import type { Kysely, Migration } from 'kysely';

/** `job_runs`: one row per run (or skipped run) of a job; `job_states`: a job's emergency stop, kept across restarts. */
export const jobsMigration: Migration = {
  // Kysely migrations receive an untyped database: the schema is what they are creating.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('job_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('job', 'text', (c) => c.notNull())
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('scheduled_at', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('duration_ms', 'integer')
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('exit_code', 'integer')
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('output', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('job_runs_service_job_started').on('job_runs').columns(['service', 'job', 'started_at']).execute();
    await db.schema
      .createTable('job_states')
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('job', 'text', (c) => c.notNull())
      .addColumn('disabled', 'integer', (c) => c.notNull())
      .addColumn('changed_by', 'text', (c) => c.notNull())
      .addColumn('changed_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('job_states_pk', ['service', 'job'])
      .execute();
  },
};
