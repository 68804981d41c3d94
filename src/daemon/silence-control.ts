/** Silences as the API offers them: create with matchers, author, comment and expiry; list; end early. */
import type { OperationsControl } from '../api/api-deps.js';
import { parseMatcher } from '../alerts/silence-match.js';
import type { Clock } from '../shared/clock.js';
import { ApiError } from '../shared/errors.js';
import type { SilenceMatcher, Store } from '../store/index.js';
import type { EventBus } from './event-bus.js';

/** The silence verbs of the API, recorded in the event log. */
export function silenceControl(service: string, store: Store, events: EventBus, clock: Clock): Pick<OperationsControl, 'silences' | 'silence' | 'unsilence'> {
  return {
    silences: async (all) => ({ service, silences: await store.alerts.silences(service, { all, at: clock.now() }) }),
    async silence(input) {
      const matchers: SilenceMatcher[] = input.matchers.map((text) => {
        const matcher = parseMatcher(text);
        if (!matcher) throw new ApiError(400, 'bad_request', `matcher "${text}" is not name=value, name!=value, name=~regex or name!~regex`);
        return matcher;
      });
      if (matchers.length === 0) throw new ApiError(400, 'bad_request', 'a silence needs at least one matcher, like alertname=api-down');
      const now = clock.now();
      const silence = await store.alerts.addSilence(service, {
        matchers,
        author: input.author,
        comment: input.comment,
        startsAt: now.toISOString(),
        endsAt: new Date(now.getTime() + input.durationMs).toISOString(),
      });
      await events.record({ service, type: 'alert.silenced', data: { ...silence } });
      return silence;
    },
    async unsilence(id, by) {
      if (!(await store.alerts.endSilence(service, id))) throw new ApiError(404, 'not_found', `no silence ${id} in effect`);
      await events.record({ service, type: 'alert.unsilenced', data: { id, by } });
    },
  };
}
