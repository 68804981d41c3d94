/** The JSON webhook: glidepath's notification document, POSTed, signed with HMAC-SHA256 when a secret is set. */
import type { NotifierEntry } from '../../plan/schema/notify.js';
import { postNotification, safeDestination } from '../http-post.js';
import { notificationDocument } from '../notification-document.js';
import type { Notifier, NotifierDeps } from '../notifier.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signBody } from './signature.js';

/** Builds the JSON webhook notifier of an entry with `webhook:` and `format: json`. */
export function createWebhookNotifier(entry: NotifierEntry, deps: NotifierDeps): Notifier {
  const url = entry.webhook;
  if (url === undefined) throw new Error('a webhook notifier needs webhook: (the schema should have refused it)');
  const secret = entry.secret;
  const now = deps.now ?? (() => new Date());
  return {
    kind: 'webhook',
    destination: safeDestination(url),
    send(notification, { signal, deliveryId }) {
      const body = JSON.stringify(notificationDocument(notification, deliveryId));
      const headers: Record<string, string> = { [EVENT_HEADER]: notification.event, [DELIVERY_HEADER]: deliveryId };
      if (secret !== undefined) {
        // Stamped per attempt: a retry an hour later is not a replay of an old request.
        const timestamp = Math.floor(now().getTime() / 1000);
        headers[TIMESTAMP_HEADER] = String(timestamp);
        headers[SIGNATURE_HEADER] = signBody(secret, timestamp, body);
      }
      return postNotification({ url, body, headers, signal, secrets: secret === undefined ? [] : [secret] });
    },
  };
}
