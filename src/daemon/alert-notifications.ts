/** Alert notifications handed to the plan's notifiers: an alert rule's decision in the shape every notifier renders. */
import type { AlertNotification } from '../alerts/alert-sink.js';
import type { Notification, NotificationSeverity } from '../notifiers/index.js';

const SEVERITIES: readonly NotificationSeverity[] = ['info', 'warning', 'critical'];

/** The notification for an alert firing or resolving (Alertmanager's fields: labels, annotations, start and end). */
export function alertNotification(service: string, alert: AlertNotification, at: Date): Notification {
  const now = at.toISOString();
  const severity = SEVERITIES.find((s) => s === alert.severity) ?? 'warning';
  const value = alert.value === null ? '' : ` (value ${alert.value})`;
  const summary = alert.annotations.summary ?? `${alert.status === 'firing' ? 'firing' : 'resolved'}${value}`;
  return {
    event: alert.status === 'firing' ? 'alert.firing' : 'alert.resolved',
    service,
    severity,
    summary: `${service}: alert ${alert.rule} ${alert.repeat ? 'still ' : ''}${summary}`,
    detail: alert.annotations.description,
    at: now,
    labels: { ...alert.labels, alertname: alert.labels.alertname ?? alert.rule },
    annotations: alert.annotations,
    startsAt: alert.activeAt ?? alert.firedAt ?? now,
    endsAt: alert.status === 'resolved' ? (alert.resolvedAt ?? now) : undefined,
  };
}
