/** The Slack notifier against a real receiver on loopback standing in for Slack's incoming webhook. */
import { describe, expect, it } from 'vitest';
import { NotificationReceiver } from '../../testing/notification-receiver.js';
import { parsePlan } from '../../plan/load.js';
import { runNotifierContract, sampleNotification } from '../notifier.contract.js';
import { createSlackNotifier, slackMessage } from './index.js';

const TOKEN_PATH = '/services/T000/B000/XXXXsecretXXXX';
const entry = (url: string) => parsePlan(`version: 1\nservice: shop\nnotify:\n  chat: { webhook: "\${SLACK}", format: slack }\n`, 'glidepath.yaml', { SLACK: url }).notify.chat!;

runNotifierContract({
  name: 'slack',
  async create() {
    const receiver = await NotificationReceiver.start();
    const refusing = await NotificationReceiver.start(() => 404);
    return {
      notifier: createSlackNotifier(entry(`${receiver.url}${TOKEN_PATH}`), { cwd: process.cwd() }),
      failing: createSlackNotifier(entry(`${refusing.url}${TOKEN_PATH}`), { cwd: process.cwd() }),
      received: (count) => receiver.waitForRequests(count),
      secrets: ['XXXXsecretXXXX'],
      close: async () => {
        await receiver.stop();
        await refusing.stop();
      },
    };
  },
});

describe('Slack messages', () => {
  it('POSTs text for every client and blocks for Slack, escaping &, < and >', async () => {
    const receiver = await NotificationReceiver.start();
    try {
      const notifier = createSlackNotifier(entry(`${receiver.url}${TOKEN_PATH}`), { cwd: process.cwd() });
      const result = await notifier.send(sampleNotification({ summary: 'shop: v2 <rolled back> & more', link: 'http://127.0.0.1:7070/v1/releases/rel_1' }), { signal: AbortSignal.timeout(5_000), deliveryId: 'd' });
      expect(result.status, result.detail).toBe('delivered');
      const [request] = await receiver.waitForRequests(1);
      expect(request?.path).toBe(TOKEN_PATH);
      const body = JSON.parse(request?.rawBody ?? '{}') as { text: string; blocks: { type: string }[] };
      expect(body.text).toBe(':warning: shop: v2 &lt;rolled back&gt; &amp; more');
      expect(body.blocks.map((block) => block.type)).toEqual(['section', 'context', 'section']);
      expect(JSON.stringify(body.blocks[1])).toContain('release.rolled_back');
    } finally {
      await receiver.stop();
    }
  });

  it('keeps a message within Slack\'s section limit', () => {
    const message = slackMessage(sampleNotification({ detail: 'x'.repeat(5_000) })) as { blocks: { text?: { text: string } }[] };
    expect(message.blocks[0]?.text?.text.length).toBeLessThanOrEqual(3_000);
  });
});
