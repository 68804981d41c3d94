/** The end of a successful release: the replaced version stopped after drain, or kept warm for `keepOld`. */
import type { RunContext } from './run-context.js';
import { stopVersionStep } from './traffic.js';

/** Ends the release `succeeded` with a reason that says what serves now and what became of the old version. */
export async function finishRelease(ctx: RunContext, keepOldMs: number): Promise<void> {
  const { state, recorder, clock } = ctx;
  let reason = `${state.canary} serves all traffic`;
  if (state.stable !== null && state.stable !== state.canary) {
    if (keepOldMs > 0) {
      state.keepOldUntil = new Date(clock.now().getTime() + keepOldMs).toISOString();
      reason += `; ${state.stable} stays warm until ${state.keepOldUntil} for an instant rollback`;
    } else {
      await stopVersionStep(ctx, state.stable);
      reason += `; ${state.stable} stopped`;
    }
  } else if (state.firstRelease) reason = `first release: ${reason}`;
  await recorder.finish('succeeded', reason, state);
}
