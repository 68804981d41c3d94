/** Running one of the command target's commands: placeholders filled, timeout, output captured and masked. */
import { runCommand } from '../../exec/run-command.js';
import type { CommandStep } from '../../plan/schema/command-target.js';
import { GlidepathError } from '../../shared/errors.js';
import { maskSecrets } from '../../shared/secret-mask.js';
import { type CommandVariables, fillCommand } from './command-template.js';

/** How the commands run: directory, environment, default timeout, shell, and the secrets to mask. */
export interface CommandContext {
  cwd: string;
  env: Readonly<Record<string, string>>;
  shell: boolean;
  timeoutMs: number;
  secrets: readonly string[];
  signal?: AbortSignal;
}

/** What one command did, for the release record (output masked, its last few KB). */
export interface CommandRun {
  name: string;
  command: string;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  output: string;
  ok: boolean;
  /** Why it failed, with its output tail; undefined when it exited 0. */
  failure: string | undefined;
}

/** Runs one command of the target to its end; never throws. */
export async function runCommandStep(name: string, step: CommandStep, variables: CommandVariables, ctx: CommandContext): Promise<CommandRun> {
  const line = typeof step === 'string' ? step : step.run;
  const timeoutMs = typeof step === 'string' ? ctx.timeoutMs : (step.timeout ?? ctx.timeoutMs);
  const command = fillCommand(line, variables);
  const outcome = await runCommand({ command, shell: ctx.shell, cwd: ctx.cwd, env: ctx.env, timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const mask = (text: string) => maskSecrets(text, ctx.secrets);
  const output = mask(outcome.tail);
  const ok = outcome.exitCode === 0 && !outcome.timedOut;
  const failure = ok
    ? undefined
    : outcome.spawnError
      ? mask(outcome.spawnError)
      : outcome.timedOut
        ? `timed out after ${timeoutMs}ms`
        : `exited with ${outcome.exitCode ?? outcome.signal ?? '?'}${outcome.lastLine ? `: ${mask(outcome.lastLine)}` : ''}`;
  return { name, command: mask(command), exitCode: outcome.exitCode, timedOut: outcome.timedOut, durationMs: outcome.durationMs, output, ok, failure };
}

/** Throws a clear error for a command that failed, naming it and its output tail. */
export function requireSuccess(run: CommandRun): void {
  if (!run.ok) throw new GlidepathError(`target.${run.name} failed: ${run.failure ?? 'unknown'}`);
}
