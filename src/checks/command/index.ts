/** `command` check: runs a program (no shell unless asked) and judges its exit code and output. */
import { resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { formatDuration } from '../../shared/duration.js';
import { envName } from '../../shared/value-schemas.js';
import type { Check, CheckDeps } from '../check.js';
import { fillConfigPlaceholders } from '../placeholders.js';
import { abortDetail, oneLine, probe, type ProbeOutcome } from '../probe.js';
import { splitCommandLine } from '../../exec/argv.js';
import { runCommand, type CommandOutcome } from '../../exec/run-command.js';

const SECRET_ENV = /token|secret|password|passwd|key|credential/i;

/** Configuration of a `command` check. */
export const commandCheckSchema = z
  .strictObject({
    run: z.string().min(1).describe('Command line, split into arguments with quotes respected, e.g. "npm test" or "./scripts/smoke.sh {url}".'),
    shell: z.boolean().default(false).describe('Run the line through /bin/sh -c (pipes, &&, $VARS). Default: false, no shell.'),
    cwd: z.string().optional().describe("Working directory, relative to the plan's directory. Default: the plan's directory."),
    env: z.record(envName(), z.string()).optional().describe('Extra environment variables, added to those glidepath runs with.'),
    exitCode: z.number().int().min(0).max(255).default(0).describe('Exit code that means success. Default: 0.'),
    outputContains: z.string().optional().describe('Text that must appear in the output (stdout and stderr together).'),
  })
  .superRefine((config, ctx) => {
    if (config.shell) return;
    try {
      if (splitCommandLine(config.run).length === 0) ctx.addIssue({ code: 'custom', message: 'command is empty', path: ['run'] });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message, path: ['run'] });
    }
  })
  .describe('Runs a command; passes when it exits with the expected code (and prints the expected text).');

/** Parsed configuration of a `command` check (durations in ms, defaults applied). */
export type CommandCheckConfig = z.output<typeof commandCheckSchema>;

/** Creates a `command` check. */
export function createCommandCheck(config: CommandCheckConfig, deps: CheckDeps): Check {
  const filled = fillConfigPlaceholders(config, deps.variables);
  const cwd = resolvePath(deps.cwd, filled.cwd ?? '.');
  const secrets = Object.entries(filled.env ?? {})
    .filter(([name]) => SECRET_ENV.test(name))
    .map(([, value]) => value);
  const label = oneLine(filled.run, 60);
  return {
    kind: 'command',
    run: ({ signal }) =>
      probe(signal, (signal) => execute(filled, cwd, label, signal), { label, secrets, raceAbort: false }),
  };
}

async function execute(config: CommandCheckConfig, cwd: string, label: string, signal: AbortSignal): Promise<ProbeOutcome> {
  const outcome = await runCommand({ command: config.run, shell: config.shell, cwd, env: config.env, signal, watchFor: config.outputContains });
  if (outcome.spawnError !== undefined) return { status: 'error', detail: outcome.spawnError };
  return judge(config, label, outcome, signal);
}

function judge(config: CommandCheckConfig, label: string, outcome: CommandOutcome, signal: AbortSignal): ProbeOutcome {
  const exit = { code: outcome.exitCode, signal: outcome.signal };
  const data: Record<string, unknown> = { exitCode: exit.code, signal: exit.signal, output: outcome.tail };
  const last = outcome.lastLine ? `: ${oneLine(outcome.lastLine, 120)}` : '';
  if (signal.aborted) return { status: 'error', detail: `${abortDetail(signal)}; stopped the command${last}`, data };
  if (exit.code === null) return { status: 'fail', detail: `${label} killed by ${exit.signal ?? 'a signal'}${last}`, data };
  if (exit.code !== config.exitCode) {
    return { status: 'fail', detail: `${label} exited ${exit.code}, expected ${config.exitCode}${last}`, data };
  }
  if (!outcome.found) {
    return { status: 'fail', detail: `${label} exited ${exit.code} but output lacks ${JSON.stringify(config.outputContains)}`, data };
  }
  return { status: 'pass', detail: `${label} exited ${exit.code} in ${formatDuration(outcome.durationMs)}`, data };
}
