/** Adapts the release engine to what the API offers: start and steer releases. */
import type { ReleaseControl } from '../api/api-deps.js';
import type { ReleaseEngine } from '../engine/release-engine.js';
import { describeError } from '../shared/errors.js';
import type { EventBus } from './event-bus.js';

/** The engine's steering verbs as the API offers them, each recorded with who asked. */
export function releaseControl(engine: ReleaseEngine, events: EventBus, service: string, log: (line: string) => void = () => undefined): ReleaseControl {
  return {
    async deploy(version, { participants, retryOf, ...options }) {
      const started = await engine.start(version, options);
      if (retryOf !== undefined) await events.record({ service, releaseId: started.releaseId, type: 'release.retry', data: { of: retryOf } });
      if (participants && participants.length > 0) {
        await events.record({ service, releaseId: started.releaseId, type: 'release.participants', data: { names: participants } });
      }
      // The release goes on after the request; its end is recorded as events, and logged here.
      started.finished.then(
        (result) => log(`release ${result.id} of ${result.version}: ${result.status}${result.reason ? ` (${result.reason})` : ''}`),
        (error: unknown) => log(`release ${started.releaseId}: ${describeError(error)}`),
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
