/**
 * `glidepath rollback [--to VERSION]` after a success: a short release of the earlier version that switches all
 * traffic back in one change. Instant while that version is still warm (blue-green `keepOld`); otherwise it is started
 * first. The version it replaces is drained and stopped.
 */
import type { Plan } from '../plan/plan-schema.js';
import type { Clock } from '../shared/clock.js';
import { UsageError } from '../shared/errors.js';
import type { Store } from '../store/index.js';
import type { Target } from '../targets/target.js';
import { type EventSink, ReleaseRecorder } from './release-recorder.js';
import { readReleaseResult, type ReleaseResult } from './release-result.js';
import { initialState } from './release-state.js';
import { findStableVersion, targetRuns } from './stable-version.js';
import { stopVersionStep } from './traffic.js';

/** What a manual rollback needs. */
export interface ManualRollbackDeps {
  plan: Plan;
  store: Store;
  events: EventSink;
  target: Target;
  clock: Clock;
  drainMs: number | undefined;
  lockHolder: string;
}

/** Works out which version to go back to; throws UsageError when there is nothing to roll back to. */
export async function rollbackTarget(deps: ManualRollbackDeps, to: string | undefined): Promise<{ from: string; to: string }> {
  const service = deps.plan.service;
  const from = await findStableVersion(deps.store, service, deps.target);
  if (from === null) throw new UsageError(`no version of ${service} serves traffic; there is nothing to roll back`);
  const releases = await deps.store.releases.listByService(service, { limit: 200 });
  const previous = to ?? releases.find((release) => release.status === 'succeeded' && release.version === from)?.previousVersion ?? undefined;
  if (previous === undefined) throw new UsageError(`${from} has no earlier version to roll back to; name one with --to`);
  if (previous === from) throw new UsageError(`${from} already serves ${service}`);
  // only a version that served before (or still runs) can be gone back to; anything else is a typo, refused
  // before a release is recorded
  const served = releases.some((release) => release.status === 'succeeded' && release.version === previous);
  if (!served && !targetRuns(deps.target, previous)) {
    throw new UsageError(`${previous} never served ${service}, so there is nothing to roll back to; a new version is released with deploy`);
  }
  return { from, to: previous };
}

/** Runs the rollback as its own release (strategy `rollback`) and returns its record. */
export async function runManualRollback(deps: ManualRollbackDeps, plan: { from: string; to: string; by: string }): Promise<ReleaseResult> {
  const { store, target, clock } = deps;
  const warm = targetRuns(target, plan.to);
  const release = await store.releases.create({
    service: deps.plan.service,
    version: plan.to,
    strategy: 'rollback',
    previousVersion: plan.from,
    owner: plan.by,
    startedAt: clock.now().toISOString(),
  });
  const state = { ...initialState({ lockHolder: deps.lockHolder, yes: true, stable: plan.from, canary: plan.to }), phase: 'rollout' as const };
  const recorder = await ReleaseRecorder.open(store, deps.events, clock, release);
  await recorder.event('release.created', { version: plan.to, previousVersion: plan.from, strategy: 'rollback', owner: plan.by });
  await recorder.setStatus('rollout');
  await recorder.event('release.steered', { action: 'rollback', by: plan.by, from: plan.from, to: plan.to });
  if (!warm) {
    const step = await recorder.beginStep('start', { version: plan.to });
    const outcome = await target.startVersion(plan.to, {});
    if (outcome.status === 'failed') {
      await recorder.endStep(step, 'failed', { reason: outcome.reason });
      await recorder.finish('failed', `${plan.to} did not start: ${outcome.reason}; ${plan.from} keeps serving`, state);
      return readReleaseResult(store, release.id);
    }
    state.canaryUrl = outcome.url;
    await recorder.endStep(step, 'succeeded', { url: outcome.url });
  }
  const weights = { [plan.to]: 100 };
  const step = await recorder.beginStep('rollback', { from: plan.from, to: plan.to, by: plan.by, warm, weights });
  await target.setWeights(weights);
  state.weights = weights;
  await recorder.endStep(step, 'succeeded', { applied: await target.currentWeights() });
  await recorder.event('release.weights', { weights });
  await stopVersionStep({ recorder, target, drainMs: deps.drainMs }, plan.from);
  const how = warm ? 'instantly: it was still running' : 'after starting it again';
  await recorder.finish('succeeded', `rolled back from ${plan.from} to ${plan.to} by ${plan.by}, ${how}`, state);
  return readReleaseResult(store, release.id);
}
