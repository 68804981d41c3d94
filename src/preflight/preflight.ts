/** Preflight: the plan's list of checks, commands and confirmations, run in order before a release. */
import { resolve } from 'node:path';
import type { CheckVariables } from '../checks/check.js';
import type { Plan } from '../plan/plan-schema.js';
import type { PreflightItem } from '../plan/schema/preflight.js';
import { DEFAULT_PREFLIGHT_RUN_TIMEOUT_MS } from '../plan/schema/preflight.js';
import { describeError } from '../shared/errors.js';
import { runCommand } from '../exec/run-command.js';
import { runCheckEntry } from './plan-checks.js';

/** The kinds of preflight item. */
export type PreflightItemKind = 'check' | 'run' | 'confirm';
/** The outcome of one preflight item. */
export type PreflightStatus = 'pass' | 'fail' | 'error' | 'skipped';

/** One item's outcome with the evidence a launch record keeps. */
export interface PreflightItemResult {
  index: number;
  kind: PreflightItemKind;
  label: string;
  status: PreflightStatus;
  detail: string;
  durationMs: number;
  evidence: Record<string, unknown>;
}

/** The whole preflight's outcome, item by item. */
export interface PreflightReport {
  passed: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  items: PreflightItemResult[];
}

/** How a confirmation is answered: `--yes`, a person at a terminal, or nobody. */
export type Confirmer = { mode: 'yes' } | { mode: 'ask'; ask: (statement: string) => Promise<boolean> } | { mode: 'none' };

/** What preflight needs: the project directory, check variables, how confirmations are answered, output. */
export interface PreflightDeps {
  cwd: string;
  variables: CheckVariables;
  confirmer: Confirmer;
  /** Stop at the first failed item (a release does; `glidepath preflight` shows everything). */
  failFast?: boolean;
  signal?: AbortSignal;
  /** Output of `run` items as it comes. */
  onOutput?: (item: PreflightItemResult['index'], chunk: string) => void;
  /** Called before each item starts and after it ends. */
  onItem?: (event: 'start' | 'end', item: Pick<PreflightItemResult, 'index' | 'kind' | 'label'> & Partial<PreflightItemResult>) => void;
}

function kindOf(item: PreflightItem): PreflightItemKind {
  return item.check !== undefined ? 'check' : item.run !== undefined ? 'run' : 'confirm';
}

function labelOf(item: PreflightItem): string {
  return item.name ?? item.check ?? item.run ?? item.confirm ?? '';
}

async function runItem(plan: Plan, item: PreflightItem, index: number, deps: PreflightDeps): Promise<Omit<PreflightItemResult, 'index' | 'kind' | 'label'>> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (item.check !== undefined) {
    const entry = plan.checks[item.check];
    if (!entry) return { status: 'error', detail: `unknown check "${item.check}"`, durationMs: 0, evidence: {} };
    const result = await runCheckEntry(item.check, entry, { cwd: deps.cwd, variables: deps.variables, signal: deps.signal });
    return { status: result.status, detail: result.detail, durationMs: result.durationMs, evidence: { kind: result.kind, ...result.data } };
  }
  if (item.run !== undefined) {
    const outcome = await runCommand({
      command: item.run,
      shell: item.shell,
      cwd: resolve(deps.cwd, item.cwd ?? '.'),
      timeoutMs: item.timeout ?? DEFAULT_PREFLIGHT_RUN_TIMEOUT_MS,
      signal: deps.signal,
      onOutput: (chunk) => deps.onOutput?.(index, chunk),
    });
    const evidence = { command: item.run, exitCode: outcome.exitCode, signal: outcome.signal, outputTail: outcome.tail };
    if (outcome.spawnError) return { status: 'error', detail: `could not start: ${outcome.spawnError}`, durationMs: outcome.durationMs, evidence };
    if (outcome.timedOut) return { status: 'fail', detail: `timed out after ${Math.round(outcome.durationMs / 1000)}s`, durationMs: outcome.durationMs, evidence };
    const ok = outcome.exitCode === 0;
    const last = outcome.lastLine ? ` — ${outcome.lastLine}` : '';
    return { status: ok ? 'pass' : 'fail', detail: `${outcome.exitCode === null ? `killed by ${outcome.signal ?? 'a signal'}` : `exit ${outcome.exitCode}`}${last}`, durationMs: outcome.durationMs, evidence };
  }
  const statement = item.confirm ?? '';
  switch (deps.confirmer.mode) {
    case 'yes':
      return { status: 'pass', detail: 'confirmed by --yes', durationMs: 0, evidence: { statement, by: '--yes' } };
    case 'none':
      return {
        status: 'fail',
        detail: 'needs a confirmation: answer yes on a terminal, or pass --yes in scripts',
        durationMs: 0,
        evidence: { statement },
      };
    case 'ask':
      try {
        const yes = await deps.confirmer.ask(statement);
        return { status: yes ? 'pass' : 'fail', detail: yes ? 'confirmed at the terminal' : 'not confirmed', durationMs: elapsed(), evidence: { statement, by: 'terminal' } };
      } catch (error) {
        return { status: 'error', detail: `could not ask: ${describeError(error)}`, durationMs: elapsed(), evidence: { statement } };
      }
  }
}

/** Runs every preflight item in order and reports each one's outcome; never throws for a failing item. */
export async function runPreflight(plan: Plan, deps: PreflightDeps): Promise<PreflightReport> {
  const startedAt = new Date();
  const items: PreflightItemResult[] = [];
  let failed = false;
  for (const [index, item] of plan.preflight.entries()) {
    const head = { index, kind: kindOf(item), label: labelOf(item) };
    // Nobody should be asked to confirm a release that cannot go ahead anyway.
    if (failed && (deps.failFast || head.kind === 'confirm')) {
      const skipped = { ...head, status: 'skipped' as const, detail: 'an earlier item failed', durationMs: 0, evidence: {} };
      items.push(skipped);
      deps.onItem?.('end', skipped);
      continue;
    }
    deps.onItem?.('start', head);
    const result = { ...head, ...(await runItem(plan, item, index, deps)) };
    items.push(result);
    deps.onItem?.('end', result);
    if (result.status !== 'pass') failed = true;
  }
  const finishedAt = new Date();
  return {
    passed: !failed,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    items,
  };
}
