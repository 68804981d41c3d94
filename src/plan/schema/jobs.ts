/** `jobs:` scheduled commands or HTTP calls, with run history. */
import { z } from 'zod';
import { httpHeaders, httpUrl } from '../../shared/value-schemas.js';
import { durationMs } from '../../shared/units-schema.js';
import { commandLine, countInt, cronExpression, envMap, exactlyOne, refName, timeZone } from './common.js';

/** Names the daemon gives its own jobs (scheduled backups and restore drills); a plan's job may not take them. */
export const RESERVED_JOB_NAME = /^(backup|restore-drill)(\.|$)/;

const jobSchema = z
  .strictObject({
    name: refName('Name of the job (`backup…` and `restore-drill` are the daemon\'s own).').refine((name) => !RESERVED_JOB_NAME.test(name), {
      error: 'expected another name: backup, backup.<source> and restore-drill name the scheduled backups and drills',
    }),
    schedule: cronExpression('When it runs: cron, 5 fields or 6 with seconds first.').optional(),
    every: durationMs('Or: run at this interval, counted from when the daemon starts (`30s`, `5m`).').optional(),
    timezone: timeZone('Time zone `schedule` is read in (default UTC).').optional(),
    run: commandLine('Command to run.').optional(),
    http: z
      .strictObject({
        url: httpUrl('URL to call.'),
        method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).default('POST').describe('Method.'),
        headers: httpHeaders('Headers.').default({}),
        body: z.string().optional().describe('Body.'),
      })
      .optional()
      .describe('HTTP call to make.'),
    shell: z.boolean().default(false).describe('For `run`: use /bin/sh.'),
    cwd: z.string().optional().describe('For `run`: working directory, relative to the plan.'),
    env: envMap('For `run`: environment variables added.').optional(),
    timeout: durationMs('How long one run may take.').prefault('10m'),
    overlap: z.boolean().default(false).describe('Allow a run to start while the previous one still runs (default: the due run is skipped and recorded as skipped).'),
    retries: countInt('Attempts after a failed one, within the same run.').default(0),
    retryBackoff: durationMs('Wait before the first retry; each next wait doubles.').prefault('10s'),
    catchUp: z.enum(['none', 'once']).default('none').describe('Runs missed while the daemon was down: `none` forgets them, `once` runs the job once at start.'),
  })
  .superRefine(exactlyOne(['run', 'http'], 'a job action'))
  .superRefine(exactlyOne(['schedule', 'every'], 'a job schedule'))
  .describe('A scheduled job.');

export const jobsSchema = z
  .array(jobSchema)
  .describe('Scheduled jobs run by the daemon; `glidepath jobs` lists, runs, disables and enables them.');

/** One job as validated. */
export type JobConfig = z.output<typeof jobSchema>;
