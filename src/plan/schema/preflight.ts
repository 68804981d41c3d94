/** `preflight:` what must hold before a release starts: checks, commands and human confirmations. */
import { z } from 'zod';
import { durationMs } from '../../shared/units-schema.js';
import { commandLine, exactlyOne, refName } from './common.js';

export const DEFAULT_PREFLIGHT_RUN_TIMEOUT_MS = 10 * 60_000;

export const preflightItemSchema = z
  .strictObject({
    check: refName('Name of a check under `checks:` that must pass.').optional(),
    run: commandLine('A command that must exit 0 (tests, a lint, a dry run); its output is streamed.').optional(),
    confirm: z.string().min(1).optional().describe('A statement a person must confirm ("SSL certificate renewed"); `--yes` confirms in scripts.'),
    shell: z.boolean().default(false).describe('For `run`: use /bin/sh instead of splitting the command into argv.'),
    cwd: z.string().optional().describe('For `run`: working directory, relative to the plan.'),
    timeout: durationMs('For `run`: how long the command may take.').optional(),
    name: z.string().optional().describe('Label shown in the report instead of the command or check name.'),
  })
  .superRefine(exactlyOne(['check', 'run', 'confirm'], 'a preflight item'))
  .describe('One preflight item: `check`, `run` or `confirm`.');

export const preflightSchema = z.array(preflightItemSchema).describe('Items run in order before a release; any failure stops it.');

/** One preflight item as validated. */
export type PreflightItem = z.output<typeof preflightItemSchema>;
