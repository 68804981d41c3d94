/** The JSON webhook against a real receiver on loopback, its signature checked with the snippet docs/notifications.md gives. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationReceiver } from '../../testing/notification-receiver.js';
import { parsePlan } from '../../plan/load.js';
import { runNotifierContract, sampleNotification } from '../notifier.contract.js';
import { createWebhookNotifier } from './index.js';
import { signBody, signatureProblem } from './signature.js';

const SECRET = 'whsec-0123456789abcdef';

type Verify = (secret: string, headers: Record<string, unknown>, rawBody: string | Buffer, toleranceSeconds?: number) => boolean;
let verifyFromDocs: Verify;
let dir: string;

beforeAll(async () => {
  // The receiver snippet exactly as the documentation shows it, loaded as a module.
  const docs = readFileSync(new URL('../../../docs/notifications.md', import.meta.url), 'utf8');
  const snippet = /```js verify-signature\n([\s\S]*?)```/.exec(docs)?.[1];
  if (!snippet) throw new Error('docs/notifications.md has no ```js verify-signature block');
  dir = mkdtempSync(join(tmpdir(), 'glidepath-verify-'));
  writeFileSync(join(dir, 'verify.mjs'), snippet);
  ({ verifyGlidepathSignature: verifyFromDocs } = (await import(join(dir, 'verify.mjs'))) as { verifyGlidepathSignature: Verify });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (webhook: string, secret?: string) =>
  parsePlan(`version: 1\nservice: shop\nnotify:\n  hook: { webhook: "${webhook}"${secret ? `, secret: "${secret}"` : ''} }\n`, 'glidepath.yaml', {}).notify.hook!;

runNotifierContract({
  name: 'webhook',
  async create() {
    const receiver = await NotificationReceiver.start();
    const refusing = await NotificationReceiver.start(() => 503);
    return {
      notifier: createWebhookNotifier(entry(`${receiver.url}/hook/tok-path`, SECRET), { cwd: process.cwd() }),
      failing: createWebhookNotifier(entry(`${refusing.url}/hook/tok-path`, SECRET), { cwd: process.cwd() }),
      received: (count) => receiver.waitForRequests(count),
      secrets: [SECRET, 'tok-path'],
      close: async () => {
        await receiver.stop();
        await refusing.stop();
      },
    };
  },
});

describe('the JSON webhook', () => {
  it('POSTs the notification document, signed so that the documented receiver snippet accepts it', async () => {
    const receiver = await NotificationReceiver.start();
    try {
      const notifier = createWebhookNotifier(entry(`${receiver.url}/hook`, SECRET), { cwd: process.cwd() });
      const result = await notifier.send(sampleNotification(), { signal: AbortSignal.timeout(5_000), deliveryId: 'dlv_1' });
      expect(result.status, result.detail).toBe('delivered');
      const [request] = await receiver.waitForRequests(1);
      expect(request?.headers['content-type']).toBe('application/json');
      expect(request?.headers['x-glidepath-event']).toBe('release.rolled_back');
      expect(request?.headers['x-glidepath-delivery']).toBe('dlv_1');
      expect(request?.headers['x-glidepath-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
      const rawBody = request?.rawBody ?? '';
      expect(verifyFromDocs(SECRET, request?.headers ?? {}, rawBody)).toBe(true);
      expect(verifyFromDocs(SECRET, request?.headers ?? {}, Buffer.from(rawBody))).toBe(true);
      expect(signatureProblem(SECRET, { signature: request?.headers['x-glidepath-signature'] as string, timestamp: request?.headers['x-glidepath-timestamp'] as string }, rawBody)).toBeUndefined();
      // A wrong secret, a changed body, a replay from 10 minutes ago: all refused by the same snippet.
      expect(verifyFromDocs('another-secret-of-16+', request?.headers ?? {}, rawBody)).toBe(false);
      expect(verifyFromDocs(SECRET, request?.headers ?? {}, rawBody.replace('v2', 'v3'))).toBe(false);
      const old = Math.floor(Date.now() / 1000) - 600;
      expect(verifyFromDocs(SECRET, { 'x-glidepath-timestamp': String(old), 'x-glidepath-signature': signBody(SECRET, old, rawBody) }, rawBody)).toBe(false);
      expect(JSON.parse(rawBody)).toMatchObject({
        version: 1,
        id: 'dlv_1',
        event: 'release.rolled_back',
        service: 'shop',
        severity: 'warning',
        labels: { alertname: 'GlidepathReleaseRolledBack', service: 'shop', severity: 'warning' },
        release: { version: 'v2', reason: 'error_rate 0.2 above max 0.05' },
      });
    } finally {
      await receiver.stop();
    }
  });

  it('sends no signature headers without a secret; a 4xx is not worth retrying, a 5xx is', async () => {
    const receiver = await NotificationReceiver.start((n) => (n === 1 ? 200 : n === 2 ? 400 : 502));
    try {
      const notifier = createWebhookNotifier(entry(`${receiver.url}/hook`), { cwd: process.cwd() });
      const send = () => notifier.send(sampleNotification(), { signal: AbortSignal.timeout(5_000), deliveryId: 'dlv_2' });
      expect((await send()).status).toBe('delivered');
      expect(receiver.requests[0]?.headers['x-glidepath-signature']).toBeUndefined();
      expect(await send()).toMatchObject({ status: 'failed', retryable: false });
      const third = await send();
      expect(third).toMatchObject({ status: 'failed', retryable: true });
      expect(third.detail).toBe(`POST ${receiver.url}/… answered 502: failing on purpose (502)`);
    } finally {
      await receiver.stop();
    }
  });
});
