/** `alerts:` conditions held for a duration, with severity and what to do. */
import { z } from 'zod';
import { durationMs } from '../../shared/units-schema.js';
import { BUILTIN_METRICS, METRIC_UNITS } from './analysis.js';
import { commandLine, exactlyOne, refName } from './common.js';

const alertRule = z
  .strictObject({
    name: refName('Name of the alert.'),
    when: z
      .strictObject({
        metric: z.enum(BUILTIN_METRICS).describe('A built-in metric of the serving version.'),
        max: z.union([z.number(), z.string()]).optional().describe('Fires above this value.'),
        min: z.union([z.number(), z.string()]).optional().describe('Fires below this value.'),
      })
      .superRefine(exactlyOne(['max', 'min'], 'a threshold'))
      .superRefine((when, ctx) => {
        const units = METRIC_UNITS[when.metric];
        for (const key of ['max', 'min'] as const) {
          const raw = when[key];
          if (raw !== undefined && units.parse(raw) === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `expected ${units.expected}, got ${JSON.stringify(raw)}` });
        }
      })
      .optional()
      .describe('A metric condition.'),
    check: refName('A check that fires the alert while it fails.').optional(),
    for: durationMs('How long the condition must hold before the alert fires.').prefault('0s'),
    severity: z.enum(['info', 'warning', 'critical']).default('warning').describe('Severity.'),
    notify: z.array(refName('A notifier under `notify:`.')).default([]).describe('Notifiers told when it fires and resolves.'),
    do: z.enum(['rollback', 'run']).optional().describe('Action on firing: roll back the current release, or run `run`.'),
    run: commandLine('Command for `do: run`.').optional(),
  })
  .superRefine(exactlyOne(['when', 'check'], 'an alert condition'))
  .superRefine((rule, ctx) => {
    if (rule.do === 'run' && rule.run === undefined) ctx.addIssue({ code: 'custom', path: ['run'], message: 'expected a command for do: run' });
  })
  .describe('An alert rule.');

export const alertsSchema = z.array(alertRule).describe('Alert rules evaluated by the daemon.');
