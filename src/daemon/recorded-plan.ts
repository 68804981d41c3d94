/** The plan an interrupted release started with, read back from its `release.plan` event so it resumes with it. */
import { describeError } from '../shared/errors.js';
import type { Store } from '../store/index.js';
import type { DaemonLogger } from './daemon-log.js';
import type { PlanRef } from './plan-in-force.js';

/**
 * Reads the plan `releaseId` recorded when it started through `read` (which validates it as a deploy would).
 * Undefined when the release recorded none (it was interrupted before) or the recorded plan no longer validates
 * here (a variable it needs is gone): the release then resumes with the plan in force, and the log says why.
 */
export async function recordedPlan<T>(
  store: Store,
  releaseId: string,
  read: (ref: PlanRef) => T,
  logger: Pick<DaemonLogger, 'warn'>,
): Promise<T | undefined> {
  const events = await store.events.list({ releaseId, limit: 10_000 });
  const recorded = events.findLast((event) => event.type === 'release.plan');
  const { file, text } = recorded?.data ?? {};
  if (typeof file !== 'string' || typeof text !== 'string') return undefined;
  try {
    return read({ file, text });
  } catch (error) {
    logger.warn({ releaseId }, `release ${releaseId} resumes with the plan on disk: the plan it started with cannot be used now (${describeError(error)})`);
    return undefined;
  }
}
