/** The verify step: the plan's verify items, named checks or inline probes, run against the new version. */
import { checkVariables, runCheckEntry } from '../preflight/plan-checks.js';
import { checkKindOf } from '../plan/schema/checks.js';
import type { JsonObject } from '../store/index.js';
import { runBenchUse } from './bench-step.js';
import type { RunContext } from './run-context.js';

/** How the verify items went, and the first failure's reason. */
export interface VerifyOutcome {
  passed: boolean;
  reason: string | undefined;
  items: JsonObject[];
}

/**
 * Runs every verify item in order with `{url}` the new version's direct address and `{service_url}` the public
 * address; stops at the first failure. (A first release is routed before it is verified, so both reach it.)
 */
export async function runVerify(ctx: RunContext): Promise<VerifyOutcome> {
  const variables = checkVariables(ctx.plan, {
    url: ctx.state.canaryUrl ?? undefined,
    service_url: ctx.target.serviceUrl,
    version: ctx.state.canary,
  });
  const items: JsonObject[] = [];
  for (const item of ctx.plan.verify) {
    if (item.bench !== undefined) {
      const outcome = await runBenchUse(ctx, item.bench);
      items.push({ name: 'bench', kind: 'bench', status: outcome.passed ? 'pass' : 'fail', detail: outcome.detail, data: outcome.data });
      if (!outcome.passed) return { passed: false, reason: `verify bench failed: ${outcome.detail}`, items };
      continue;
    }
    const entry = item.check !== undefined ? ctx.plan.checks[item.check] : item;
    const name = item.check ?? checkKindOf(item).kind;
    if (!entry) {
      const detail = `the plan has no check "${name}"`;
      items.push({ name, status: 'error', detail });
      return { passed: false, reason: `verify ${name}: ${detail}`, items };
    }
    const result = await runCheckEntry(name, entry, { cwd: ctx.planDir, variables, signal: ctx.signal });
    items.push({ name, kind: result.kind, status: result.status, detail: result.detail, durationMs: result.durationMs });
    if (result.status !== 'pass') return { passed: false, reason: `verify ${name} ${result.status === 'fail' ? 'failed' : 'could not run'}: ${result.detail}`, items };
  }
  return { passed: true, reason: undefined, items };
}

/** Runs verify as a recorded step (skipped without items); returns why it failed, or undefined. */
export async function verifyStep(ctx: RunContext): Promise<string | undefined> {
  const { plan, recorder, signal } = ctx;
  await recorder.setStatus('verify');
  if (plan.verify.length === 0) {
    await recorder.instantStep('verify', 'skipped', { reason: 'the plan has no verify items' });
    return undefined;
  }
  const step = await recorder.beginStep('verify', { items: plan.verify.length });
  const outcome = await runVerify(ctx);
  if (signal.aborted) throw signal.reason;
  await recorder.endStep(step, outcome.passed ? 'succeeded' : 'failed', { items: outcome.items });
  return outcome.passed ? undefined : (outcome.reason ?? 'verify failed');
}
