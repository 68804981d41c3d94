/** The JSON document a notification becomes for the JSON webhook and the command notifier (docs/notifications.md). */
import type { Notification } from './notifier.js';

/** Version of the document's shape; a change that is not an addition bumps it. */
export const NOTIFICATION_DOCUMENT_VERSION = 1;

/** The document, with the delivery id receivers use to drop duplicates of a retried delivery. */
export function notificationDocument(notification: Notification, deliveryId: string): Record<string, unknown> {
  return {
    version: NOTIFICATION_DOCUMENT_VERSION,
    id: deliveryId,
    event: notification.event,
    service: notification.service,
    severity: notification.severity,
    summary: notification.summary,
    detail: notification.detail ?? null,
    at: notification.at,
    labels: { ...notification.labels, service: notification.service, severity: notification.severity },
    annotations: notification.annotations ?? {},
    startsAt: notification.startsAt ?? notification.at,
    endsAt: notification.endsAt ?? null,
    link: notification.link ?? null,
    release: notification.release ?? null,
  };
}
