/** `backup:` sources, where artifacts go, when, how long they are kept, and how they are proven restorable. */
import { z } from 'zod';
import { httpHeaders, httpUrl, urlString } from '../../shared/value-schemas.js';
import { durationMs } from '../../shared/units-schema.js';
import { countInt, cronExpression, exactlyOne, refName, timeZone } from './common.js';

const postgresSource = z
  .strictObject({
    url: urlString('Connection URL of the database to dump.', ['postgres', 'postgresql'], 'postgres://user@127.0.0.1:5432/db'),
    jobs: z.number().int().min(1).max(64).optional().describe('Parallel jobs for pg_restore.'),
    options: z.array(z.string()).default([]).describe('Extra pg_dump arguments.'),
  })
  .describe('A PostgreSQL database, dumped with pg_dump in custom format.');

const sqliteSource = z.strictObject({ path: z.string().describe('SQLite database file, relative to the plan.') }).describe('A SQLite database, copied with the online backup API.');

const filesSource = z
  .strictObject({
    path: z.string().describe('Directory to archive, relative to the plan.'),
    exclude: z.array(z.string()).default([]).describe('Glob patterns left out of the archive.'),
  })
  .describe('A directory, streamed into a tar.gz.');

const httpSource = z
  .strictObject({
    url: httpUrl('Snapshot endpoint (e.g. Qdrant\'s /collections/NAME/snapshots).', 'http://127.0.0.1:6333/collections/NAME/snapshots'),
    method: z.enum(['GET', 'POST']).default('GET').describe('HTTP method that produces the snapshot.'),
    headers: httpHeaders('Request headers (e.g. an API key from ${VAR}).').default({}),
  })
  .describe('An HTTP endpoint whose response body is the snapshot.');

const SOURCE_KINDS = ['postgres', 'sqlite', 'files', 'http'] as const;

const sourceSchema = z
  .strictObject({
    name: refName('Name of the source; artifacts and reports use it.'),
    postgres: postgresSource.optional(),
    sqlite: sqliteSource.optional(),
    files: filesSource.optional(),
    http: httpSource.optional(),
    schedule: cronExpression('When this source is backed up on its own schedule (cron, in `backup.timezone`); it is then left out of `backup.schedule`.').optional(),
  })
  .superRefine(exactlyOne(SOURCE_KINDS, 'a backup source kind'))
  .describe('One thing to back up.');

const storeSchema = z
  .strictObject({
    dir: z.string().optional().describe('Local directory for artifacts, relative to the plan.'),
    s3: z
      .strictObject({
        bucket: z.string().describe('Bucket name.'),
        prefix: z.string().default('').describe('Key prefix.'),
        endpoint: z.string().optional().describe('Endpoint of an S3-compatible service (MinIO, R2 …).'),
        region: z.string().default('us-east-1').describe('Region.'),
      })
      .optional()
      .describe('S3-compatible object storage; credentials come from the usual AWS_* environment.'),
  })
  .superRefine(exactlyOne(['dir', 's3'], 'a backup store'))
  .describe('Where backup artifacts are kept.');

export const retentionSchema = z
  .strictObject({
    keepLast: countInt('Keep the newest N backups.').optional(),
    keepDaily: countInt('Keep the newest backup of each of the last N days that have one.').optional(),
    keepWeekly: countInt('Keep the newest backup of each of the last N weeks that have one.').optional(),
    keepMonthly: countInt('Keep the newest backup of each of the last N months that have one.').optional(),
    maxAge: durationMs('Remove backups older than this unless another rule keeps them (at most 3650d).', { max: 3650 * 86_400_000 }).optional(),
  })
  .describe('Which backups to keep (semantics of restic\'s forget); the newest verified backup is always kept.');

export const backupSchema = z
  .strictObject({
    sources: z.array(sourceSchema).min(1, { error: 'expected at least one source' }).describe('What to back up.'),
    store: storeSchema,
    before: z.array(z.enum(['migrate', 'deploy'])).default([]).describe('Release phases that take a backup first.'),
    schedule: cronExpression('When the daemon backs up every source without a schedule of its own, verifies and applies retention (cron).').optional(),
    timezone: timeZone('Time zone the backup and drill schedules are read in (default UTC).').optional(),
    rpo: durationMs('Recovery point objective: the newest backup of each source should be younger than this.').optional(),
    rto: durationMs('Recovery time objective: a restore drill should finish within this.').optional(),
    retention: retentionSchema.optional(),
    verify: z
      .strictObject({
        restoreTo: z.string().optional().describe('Scratch database URL or directory a verify drill restores into.'),
        checks: z.array(refName('A check name.')).default([]).describe('Checks that must pass after the drill restore.'),
        schedule: cronExpression('When the daemon runs a restore drill of the newest backup of each source and times it against `rto` (cron).').optional(),
      })
      .optional()
      .describe('How backups are proven restorable.'),
  })
  .describe('Backups: sources, store, schedule, retention and verification.');

/** `backup:` as validated. */
export type BackupConfig = z.output<typeof backupSchema>;
