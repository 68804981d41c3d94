/**
 * Notifiers' public face. Alert rules send through the daemon's {@link NotificationCenter}:
 * `center.notify({ event: 'alert.firing' | 'alert.resolved', labels: { alertname: rule.name, … }, endsAt (resolved), … }, { to: rule.notify })`.
 */
export type { Notification, NotificationSeverity, Notifier, SendResult } from './notifier.js';
export { NotificationCenter, type NotificationCenterOptions } from './notification-center.js';
export { ReleaseNotices, releaseNotification } from './release-notices.js';
export { createNotifier, NOTIFIER_KINDS } from './registry.js';
export { testNotification } from './test-notification.js';
