/** The phases before traffic moves: preflight, backup, migrate, and starting the new version. */
import { checkVariables } from '../preflight/plan-checks.js';
import { runPreflight } from '../preflight/preflight.js';
import { describeError } from '../shared/errors.js';
import { type RunContext, ReleaseHalted } from './run-context.js';
import { targetRuns } from './stable-version.js';
import type { SteeringCommand } from './steering.js';

async function fail(ctx: RunContext, reason: string): Promise<never> {
  await ctx.recorder.finish('failed', reason, ctx.state);
  throw new ReleaseHalted();
}

/** Runs the plan's preflight, stopping at the first failure; a failure fails the release with nothing touched. */
export async function preflightPhase(ctx: RunContext): Promise<void> {
  await ctx.recorder.setStatus('preflight');
  if (ctx.plan.preflight.length === 0) {
    await ctx.recorder.instantStep('preflight', 'skipped', { reason: 'the plan has no preflight items' });
    return;
  }
  const step = await ctx.recorder.beginStep('preflight', { items: ctx.plan.preflight.length });
  const report = await runPreflight(ctx.plan, {
    cwd: ctx.planDir,
    variables: checkVariables(ctx.plan, { service_url: ctx.target.serviceUrl, version: ctx.state.canary }),
    confirmer: ctx.state.yes ? { mode: 'yes' } : ctx.confirmer,
    failFast: true,
    signal: ctx.signal,
  });
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const items = report.items.map((item) => ({ kind: item.kind, label: item.label, status: item.status, detail: item.detail, durationMs: item.durationMs }));
  await ctx.recorder.endStep(step, report.passed ? 'succeeded' : 'failed', { items });
  if (!report.passed) {
    const bad = report.items.find((item) => item.status === 'fail' || item.status === 'error');
    await fail(ctx, `preflight failed: ${bad ? `${bad.label}: ${bad.detail}` : 'an item did not pass'}`);
  }
}

/** Runs a database-safety hook when the plan asks for it and one is wired in; records it as skipped otherwise. */
export async function hookPhase(ctx: RunContext, kind: 'backup' | 'migrate'): Promise<void> {
  const { plan } = ctx;
  const before = plan.backup?.before ?? [];
  const wanted =
    kind === 'backup' ? before.includes('deploy') || (before.includes('migrate') && plan.migrations !== undefined) : plan.migrations !== undefined;
  const hook = ctx.hooks[kind];
  if (!wanted || !hook) {
    const reason = !wanted
      ? kind === 'backup'
        ? 'the plan asks for no backup before a release'
        : 'the plan has no migrations'
      : `no ${kind} driver is wired into the engine`;
    await ctx.recorder.instantStep(kind, 'skipped', { reason });
    return;
  }
  await ctx.recorder.setStatus(kind);
  const step = await ctx.recorder.beginStep(kind);
  const release = ctx.recorder.release;
  const outcome = await hook({ releaseId: release.id, service: plan.service, version: ctx.state.canary, previousVersion: ctx.state.stable, signal: ctx.signal }).catch(
    (error: unknown) => ({ ok: false, detail: describeError(error), evidence: undefined }),
  );
  if (ctx.signal.aborted) throw ctx.signal.reason;
  await ctx.recorder.endStep(step, outcome.ok ? 'succeeded' : 'failed', { detail: outcome.detail, ...outcome.evidence });
  if (!outcome.ok) await fail(ctx, `${kind} failed: ${outcome.detail}`);
}

/** An abort that came during preflight, backup or migrate ends the release before the new version starts. */
export async function abortBeforeStart(ctx: RunContext, abort: SteeringCommand | undefined): Promise<void> {
  if (abort?.kind !== 'abort') return;
  await ctx.recorder.instantStep('abort', 'succeeded', { by: abort.by });
  await ctx.recorder.finish('aborted', `aborted by ${abort.by} before ${ctx.state.canary} was started`, ctx.state);
  throw new ReleaseHalted();
}

/** Brings up the new version without traffic; a version that does not become ready fails the release. */
export async function startPhase(ctx: RunContext): Promise<void> {
  await ctx.recorder.setStatus('rollout');
  const version = ctx.state.canary;
  const step = await ctx.recorder.beginStep('start', { version });
  const outcome = await ctx.target.startVersion(version, { signal: ctx.signal });
  if (ctx.signal.aborted) throw ctx.signal.reason;
  if (outcome.status === 'failed') {
    await ctx.recorder.endStep(step, 'failed', { reason: outcome.reason });
    await fail(ctx, `${version} did not start: ${outcome.reason}`);
  } else {
    ctx.state.canaryUrl = outcome.url;
    await ctx.recorder.saveState(ctx.state);
    await ctx.recorder.endStep(step, 'succeeded', { url: outcome.url });
  }
}

/**
 * After a restart: makes sure the versions of a release in rollout run (starting them again when the target lost
 * them) and re-applies the recorded split. Returns why the release cannot continue, or undefined when it can.
 */
export async function reattach(ctx: RunContext): Promise<string | undefined> {
  const { state, target } = ctx;
  for (const version of [state.stable, state.canary]) {
    if (version === null || targetRuns(target, version)) continue;
    const step = await ctx.recorder.beginStep('start', { version, restart: true });
    const outcome = await target.startVersion(version, { signal: ctx.signal });
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (outcome.status === 'failed') {
      await ctx.recorder.endStep(step, 'failed', { reason: outcome.reason });
      return `${version} was not running after the restart and did not start again: ${outcome.reason}`;
    }
    if (version === state.canary) state.canaryUrl = outcome.url;
    await ctx.recorder.endStep(step, 'succeeded', { url: outcome.url });
  }
  state.canaryUrl = target.versions().find((v) => v.version === state.canary)?.url ?? state.canaryUrl;
  if (Object.keys(state.weights).length > 0) {
    const step = await ctx.recorder.beginStep('weight', { weights: state.weights, reapplied: true });
    await target.setWeights(state.weights);
    await ctx.recorder.endStep(step, 'succeeded');
  }
  await ctx.recorder.saveState(state);
  return undefined;
}
