/** The daemon's notifications: the plan's notifiers, told about releases from the event stream. */
import { NotificationCenter } from '../notifiers/notification-center.js';
import { ReleaseNotices } from '../notifiers/release-notices.js';
import type { Plan } from '../plan/plan-schema.js';
import { describeError } from '../shared/errors.js';
import type { Store } from '../store/index.js';
import type { EventBus } from './event-bus.js';

/** The running notifications: `center` sends (alert rules use it too); `close` waits for deliveries to be recorded. */
export interface DaemonNotifications {
  center: NotificationCenter;
  close(): Promise<void>;
}

/** Builds the plan's notifiers and subscribes release notices to the event bus; a release never waits on them. */
export function startNotifications(args: { plan: Plan; planDir: string; store: Store; events: EventBus; url: string; log: (line: string) => void }): DaemonNotifications {
  const { plan, store, events, log } = args;
  const center = new NotificationCenter({ service: plan.service, notify: plan.notify, deliveries: store.deliveries, cwd: args.planDir, log });
  const notices = new ReleaseNotices({
    notify: (notification) => center.notify(notification),
    getRelease: (id) => store.releases.get(id),
    link: (id) => `${args.url}/v1/releases/${id}`,
    onError: (error) => log(`release notification not sent: ${describeError(error)}`),
  });
  const unsubscribe = center.names.length > 0 ? events.subscribe((event) => notices.handle(event)) : () => undefined;
  return {
    center,
    async close() {
      unsubscribe();
      await notices.settled();
      await center.close();
    },
  };
}
