/** The end of a release that goes back: traffic to stable in one change, then the new version drained and stopped. */
import { describeError } from '../shared/errors.js';
import type { ReleaseStatus } from '../store/index.js';
import { ReleaseHalted, type RunContext } from './run-context.js';
import { routeToStable, stopVersionStep } from './traffic.js';

/**
 * Sends traffic back to stable in one change, ends the release, then drains and stops the new version. A first
 * release has nothing to go back to: routing to the new version stops (the service answers 503 as before it) and
 * the release ends `failed`. Always throws `ReleaseHalted` once the release is finished.
 */
export async function revertRelease(
  ctx: RunContext,
  status: Extract<ReleaseStatus, 'rolled_back' | 'aborted'>,
  reason: string,
  stopAnalysis: () => Promise<void>,
): Promise<never> {
  const { state, recorder } = ctx;
  const final = status === 'rolled_back' && state.stable === null ? 'failed' : status;
  const step = await recorder.beginStep('rollback', { reason, to: state.stable });
  try {
    const weights = await routeToStable(ctx);
    await recorder.endStep(step, 'succeeded', { weights });
  } catch (error) {
    await recorder.endStep(step, 'failed', { error: describeError(error) });
    await recorder.finish('failed', `${reason}; rolling back failed: ${describeError(error)}`, state);
    throw new ReleaseHalted();
  }
  state.paused = null;
  state.pauseUntil = null;
  // Traffic is already back on stable; the canary is drained and stopped before the record closes, so the
  // final record (deploy --json) is complete and no version outlives a finished release.
  await stopAnalysis();
  await stopVersionStep(ctx, state.canary);
  await recorder.finish(final, reason, state);
  throw new ReleaseHalted();
}

/** Ends a release that met an unexpected error: rolled back when traffic may have moved, failed in any case. */
export async function endAfterUnexpected(ctx: RunContext, error: unknown, revert: (reason: string) => Promise<never>): Promise<void> {
  const reason = describeError(error);
  try {
    if (ctx.state.phase === 'rollout' || ctx.state.phase === 'finish') await revert(reason);
    await ctx.recorder.finish('failed', reason, ctx.state);
  } catch (inner) {
    if (inner instanceof ReleaseHalted) return;
    await ctx.recorder.finish('failed', `${reason}; then: ${describeError(inner)}`, ctx.state).catch(() => undefined);
  }
}
