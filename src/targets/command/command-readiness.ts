/** Waiting for a version the command target started: a health URL that answers 2xx, or a command that exits 0. */
import type { CommandTargetConfig } from '../../plan/schema/command-target.js';
import { sleepLong } from '../../shared/long-timer.js';
import { runCommandStep, type CommandContext, type CommandRun } from './command-step.js';
import { type CommandVariables, fillText } from './command-template.js';

async function answers2xx(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    return response.status >= 200 && response.status < 300 ? undefined : `${url} answered ${response.status}`;
  } catch (error) {
    return `${url}: ${(error as Error).message}`;
  }
}

/** Probes until the version is ready; returns why it is not once `ready.timeout` has passed, or undefined. */
export async function waitReady(
  ready: NonNullable<CommandTargetConfig['ready']>,
  variables: CommandVariables,
  ctx: CommandContext,
  onRun: (run: CommandRun) => void,
): Promise<string | undefined> {
  const deadline = performance.now() + ready.timeout;
  let last = 'not probed';
  for (;;) {
    if (ctx.signal?.aborted) return 'aborted';
    const left = deadline - performance.now();
    if (ready.url !== undefined) {
      const problem = await answers2xx(fillText(ready.url, variables), Math.max(1, Math.round(Math.min(left, 10_000))));
      if (problem === undefined) return undefined;
      last = problem;
    } else if (ready.command !== undefined) {
      const run = await runCommandStep('ready', ready.command, variables, { ...ctx, timeoutMs: Math.max(1, Math.round(Math.min(left, ctx.timeoutMs))) });
      onRun(run);
      if (run.ok) return undefined;
      last = run.failure ?? 'failed';
    }
    if (performance.now() + ready.interval >= deadline) return `not ready within ${ready.timeout}ms: ${last}`;
    await sleepLong(ready.interval, ctx.signal).catch(() => undefined);
  }
}
