/**
 * A real Alertmanager: each notification becomes an alert POSTed to `/api/v2/alerts`, so grouping, routing,
 * inhibition, silences and paging stay in the Alertmanager a team already runs.
 */
import type { NotifierEntry } from '../../plan/schema/notify.js';
import { postNotification, safeDestination } from '../http-post.js';
import type { Notification, Notifier, NotifierDeps } from '../notifier.js';

/** The API path alerts are POSTed to. */
export const ALERTS_PATH = '/api/v2/alerts';

/** `release.rolled_back` → `GlidepathReleaseRolledBack`: the alertname of a release event. */
export function releaseAlertName(event: string): string {
  return `Glidepath${event.split(/[._]/).map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('')}`;
}

/** The alerts endpoint of a base URL (or of the full endpoint URL, kept as it is). */
export function alertsUrl(base: string): string {
  const url = new URL(base);
  if (!url.pathname.endsWith(ALERTS_PATH)) url.pathname = `${url.pathname.replace(/\/+$/, '')}${ALERTS_PATH}`;
  return url.toString();
}

/** One postable alert (Alertmanager's OpenAPI `postableAlert`) for a notification. */
export function postableAlert(notification: Notification, extraLabels: Record<string, string> = {}): Record<string, unknown> {
  const labels: Record<string, string> = {
    alertname: releaseAlertName(notification.event),
    ...notification.labels,
    ...extraLabels,
    service: notification.service,
    severity: notification.severity,
  };
  if (notification.release) {
    labels.release_id ??= notification.release.id;
    labels.version ??= notification.release.version;
  }
  const annotations: Record<string, string> = { summary: notification.summary, ...notification.annotations };
  if (notification.detail) annotations.description ??= notification.detail;
  if (notification.release?.reason) annotations.reason ??= notification.release.reason;
  const alert: Record<string, unknown> = { labels, annotations, startsAt: notification.startsAt ?? notification.at };
  if (notification.endsAt !== undefined) alert.endsAt = notification.endsAt;
  if (notification.link !== undefined && URL.canParse(notification.link)) alert.generatorURL = notification.link;
  return alert;
}

/** Builds the Alertmanager notifier of an entry with `webhook:` and `format: alertmanager`. */
export function createAlertmanagerNotifier(entry: NotifierEntry, _deps: NotifierDeps): Notifier {
  if (entry.webhook === undefined) throw new Error('an alertmanager notifier needs webhook: (the schema should have refused it)');
  const url = alertsUrl(entry.webhook);
  const labels = entry.labels ?? {};
  return {
    kind: 'alertmanager',
    destination: safeDestination(url),
    send(notification, { signal }) {
      return postNotification({ url, body: JSON.stringify([postableAlert(notification, labels)]), signal, secrets: [] });
    },
  };
}
