/** Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat …): `text` for clients and `blocks` for Slack. */
import type { NotifierEntry } from '../../plan/schema/notify.js';
import { postNotification, safeDestination } from '../http-post.js';
import type { Notification, Notifier, NotifierDeps } from '../notifier.js';

const ICON: Record<Notification['severity'], string> = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' };

/** Slack's three characters that must be escaped in message text. */
export function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** The message Slack's incoming webhooks take: a fallback `text` and `blocks` (section, context). */
export function slackMessage(notification: Notification): Record<string, unknown> {
  const text = `${ICON[notification.severity]} ${slackEscape(notification.summary)}`;
  const body = notification.detail ? `*${slackEscape(notification.summary)}*\n${slackEscape(notification.detail)}` : `*${slackEscape(notification.summary)}*`;
  const context = [`*${slackEscape(notification.service)}*`, notification.event, notification.severity, notification.at];
  if (notification.release) context.push(`release ${slackEscape(notification.release.id)}`);
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `${ICON[notification.severity]} ${body}`.slice(0, 3000) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
  ];
  if (notification.link) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `<${notification.link}|Open in glidepath>` } });
  return { text, blocks };
}

/** Builds the Slack notifier of an entry with `webhook:` and `format: slack`; the URL is a secret. */
export function createSlackNotifier(entry: NotifierEntry, _deps: NotifierDeps): Notifier {
  const url = entry.webhook;
  if (url === undefined) throw new Error('a slack notifier needs webhook: (the schema should have refused it)');
  return {
    kind: 'slack',
    destination: safeDestination(url),
    send(notification, { signal }) {
      return postNotification({ url, body: JSON.stringify(slackMessage(notification)), signal, secrets: [] });
    },
  };
}
