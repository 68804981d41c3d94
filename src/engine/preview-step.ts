/** The blue-green preview: a listener that serves only the new version, for people to look before the switch. */
import { describeError } from '../shared/errors.js';
import type { RunContext } from './run-context.js';

/** Opens the preview listener as a recorded step; a target without one, or a failure to open it, does not stop the release. */
export async function previewStep(ctx: RunContext, listen: string, detail: { reopened?: true } = {}): Promise<void> {
  const { state, recorder, target } = ctx;
  if (!target.openPreview) {
    await recorder.instantStep('preview', 'skipped', { listen, reason: `the ${target.type} target has no preview listener` });
    return;
  }
  const step = await recorder.beginStep('preview', { listen, ...detail });
  try {
    const url = await target.openPreview(state.canary, listen);
    await recorder.endStep(step, 'succeeded', { url });
  } catch (error) {
    // A preview is for people to look; without it the release still has its analysis and verify.
    await recorder.endStep(step, 'failed', { error: describeError(error) });
  }
}
