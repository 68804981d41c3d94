/** Adapts the release engine to what the API offers: start and steer releases. */
import type { ReleaseControl } from '../api/api-deps.js';
import type { ReleaseEngine, ReleasePlan } from '../engine/release-engine.js';
import { describeError } from '../shared/errors.js';
import type { DaemonLogger } from './daemon-log.js';
import type { EventBus } from './event-bus.js';
import type { PlanInForce, PlanRef } from './plan-in-force.js';

/** Reads the plan a release runs (see PlanSource.forRelease) and says how the engine adopts it. */
export type ReleasePlanReader = (ref: PlanRef | undefined) => ReleasePlan & { inForce: PlanInForce };

/** The engine's steering verbs as the API offers them, each recorded with who asked. */
export function releaseControl(
  engine: ReleaseEngine,
  events: EventBus,
  service: string,
  logger: Pick<DaemonLogger, 'info' | 'error'>,
  readPlan?: ReleasePlanReader,
): ReleaseControl {
  return {
    async deploy(version, { participants, retryOf, plan: ref, ...options }) {
      // Read and validated before anything starts: a bad plan changes nothing.
      const plan = readPlan?.(ref);
      const started = await engine.start(version, { ...options, plan });
      if (retryOf !== undefined) await events.record({ service, releaseId: started.releaseId, type: 'release.retry', data: { of: retryOf } });
      if (plan) {
        // The plan as written (variables unexpanded, so no secret), for the release and launch records.
        const { file, dir } = plan.inForce.loaded;
        await events.record({ service, releaseId: started.releaseId, type: 'release.plan', data: { file, dir, sha256: plan.inForce.sha256, text: plan.inForce.text } });
      }
      if (participants && participants.length > 0) {
        await events.record({ service, releaseId: started.releaseId, type: 'release.participants', data: { names: participants } });
      }
      // The release goes on after the request; its end is recorded as events, and logged here.
      started.finished.then(
        (result) => logger.info({ releaseId: result.id, version: result.version, status: result.status }, `release ${result.id} of ${result.version}: ${result.status}${result.reason ? ` (${result.reason})` : ''}`),
        (error: unknown) => logger.error({ releaseId: started.releaseId, err: error }, `release ${started.releaseId}: ${describeError(error)}`),
      );
      return { id: started.releaseId };
    },
    promote: (by) => engine.promote(by),
    pause: (by) => engine.pause(by),
    resume: (by) => engine.resume(by),
    abort: (by) => engine.abort(by),
    async rollback(options) {
      const result = await engine.rollback(options);
      return { id: result.id };
    },
  };
}
