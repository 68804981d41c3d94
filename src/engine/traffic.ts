/** Moving traffic and stopping versions, each as a recorded step. */
import { describeError } from '../shared/errors.js';
import type { JsonObject } from '../store/index.js';
import { WEIGHTS_UNSUPPORTED } from '../targets/target.js';
import { type RunContext, sameWeights, splitWeights } from './run-context.js';

const show = (weights: Readonly<Record<string, number>>) =>
  Object.entries(weights)
    .map(([version, share]) => `${version} ${share}%`)
    .join(', ') || 'nothing';

/**
 * Gives the new version `weight` percent in one change and reads the split back; returns why that failed (the new
 * version is not ready, or the target applied something else), or undefined.
 */
export async function shiftTraffic(ctx: RunContext, weight: number, kind: 'weight' | 'promote'): Promise<string | undefined> {
  const { state, target, recorder } = ctx;
  const running = target.versions().find((version) => version.version === state.canary);
  if (running?.state !== 'ready') return `${state.canary} is not ready (${running?.state ?? 'not running'}); traffic stays at ${show(state.weights)}`;
  const weights = splitWeights(state, weight);
  const step = await recorder.beginStep(kind, { weights });
  await target.setWeights(weights);
  state.weights = weights;
  state.weightSince = ctx.clock.now().toISOString();
  await recorder.saveState(state);
  const applied = await target.currentWeights();
  // A router that cannot tell what it applies (a command target without a `weights` command) is taken at its word.
  if (applied !== WEIGHTS_UNSUPPORTED && !sameWeights(applied, weights)) {
    await recorder.endStep(step, 'failed', { applied });
    return `the ${target.type} target reports ${show(applied)} after being asked for ${show(weights)}`;
  }
  await recorder.endStep(step, 'succeeded', { applied });
  await recorder.event('release.weights', { weights });
  return undefined;
}

/** Sends all traffic back to the stable version in one change (nothing to route for a first release). */
export async function routeToStable(ctx: RunContext): Promise<Record<string, number>> {
  const { state, target } = ctx;
  const weights: Record<string, number> = state.stable === null ? {} : { [state.stable]: 100 };
  if (state.stable !== null || Object.keys(state.weights).length > 0) await target.setWeights(weights);
  state.weights = weights;
  return weights;
}

/** Drains and stops a version as a `stop` step; a failure is recorded, not thrown (traffic has already moved). */
export async function stopVersionStep(ctx: Pick<RunContext, 'recorder' | 'target' | 'drainMs'>, version: string, detail: JsonObject = {}): Promise<void> {
  const step = await ctx.recorder.beginStep('stop', { version, drainMs: ctx.drainMs ?? null, ...detail });
  try {
    await ctx.target.stopVersion(version, ctx.drainMs === undefined ? {} : { drainMs: ctx.drainMs });
    await ctx.recorder.endStep(step, 'succeeded');
  } catch (error) {
    await ctx.recorder.endStep(step, 'failed', { error: describeError(error) });
  }
}
