/** The message `glidepath notify test NAME` sends. */
import type { Notification } from './notifier.js';

/** A test notification of a service, stamped now. */
export function testNotification(service: string, notifier: string, now: Date = new Date()): Notification {
  return {
    event: 'test',
    service,
    severity: 'info',
    summary: `${service}: test notification to ${notifier} from glidepath`,
    detail: 'Sent by `glidepath notify test`; nothing happened to the service.',
    at: now.toISOString(),
    labels: { alertname: 'GlidepathTest', notifier },
  };
}
