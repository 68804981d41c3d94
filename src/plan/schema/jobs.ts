/** `jobs:` scheduled commands or HTTP calls, with run history. */
import { z } from 'zod';
import { httpHeaders, httpUrl } from '../../shared/value-schemas.js';
import { durationMs } from '../../shared/units-schema.js';
import { commandLine, cronExpression, exactlyOne, refName } from './common.js';

const jobSchema = z
  .strictObject({
    name: refName('Name of the job.'),
    schedule: cronExpression('When it runs (cron).'),
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
    timeout: durationMs('How long one run may take.').prefault('10m'),
    overlap: z.boolean().default(false).describe('Allow a run to start while the previous one still runs.'),
  })
  .superRefine(exactlyOne(['run', 'http'], 'a job action'))
  .describe('A scheduled job.');

export const jobsSchema = z.array(jobSchema).describe('Scheduled jobs run by the daemon.');
