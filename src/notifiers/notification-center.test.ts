/** Delivery with retries against a real receiver, the delivery log in a real store, and who receives what. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotificationReceiver } from '../testing/notification-receiver.js';
import { parsePlan } from '../plan/load.js';
import { openStore, type Store } from '../store/index.js';
import { backoffBefore, deliver } from './deliver.js';
import { sampleNotification } from './notifier.contract.js';
import { NotificationCenter } from './notification-center.js';
import { createNotifier } from './registry.js';

const SECRET = 'center-secret-0123456789';
let store: Store;
const receivers: NotificationReceiver[] = [];

beforeEach(async () => {
  store = await openStore('sqlite::memory:', { baseDir: process.cwd() });
});
afterEach(async () => {
  await store.close();
  for (const receiver of receivers.splice(0)) await receiver.stop();
});

async function receiver(answer?: (n: number) => number): Promise<NotificationReceiver> {
  const started = await NotificationReceiver.start(answer);
  receivers.push(started);
  return started;
}

const notifyOf = (yaml: string, env: Record<string, string> = {}) => parsePlan(`version: 1\nservice: shop\nnotify:\n${yaml}`, 'glidepath.yaml', env).notify;

describe('deliver', () => {
  it('retries a receiver that fails twice, with doubling waits, and delivers on the third attempt', async () => {
    const peer = await receiver((n) => (n <= 2 ? 503 : 200));
    const notify = notifyOf(`  hook: { webhook: "${peer.url}/h", retry: { attempts: 5, backoff: 100ms, within: 10s } }\n`);
    const started = performance.now();
    const outcome = await deliver(createNotifier(notify.hook!, { cwd: '.' }), sampleNotification(), { attempts: 5, backoffMs: 100, withinMs: 10_000, timeoutMs: 2_000 }, { deliveryId: 'd1' });
    expect(outcome).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(outcome.lastError).toMatch(/answered 503/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100 + 200 - 10);
    expect(peer.requests.map((r) => r.answered)).toEqual([503, 503, 200]);
    // The same delivery id in every attempt, so the receiver can drop duplicates.
    expect(new Set(peer.requests.map((r) => r.headers['x-glidepath-delivery']))).toEqual(new Set(['d1']));
  });

  it('stops at the attempts bound, at the time bound, and at once for a 4xx', async () => {
    const down = await receiver(() => 500);
    const notifier = createNotifier(notifyOf(`  h: { webhook: "${down.url}/h" }\n`).h!, { cwd: '.' });
    const byCount = await deliver(notifier, sampleNotification(), { attempts: 3, backoffMs: 10, withinMs: 10_000, timeoutMs: 1_000 }, { deliveryId: 'a' });
    expect(byCount).toMatchObject({ status: 'failed', attempts: 3 });
    expect(byCount.detail).toMatch(/3 attempt\(s\), the most allowed/);
    const before = down.requests.length;
    const started = performance.now();
    const byTime = await deliver(notifier, sampleNotification(), { attempts: 20, backoffMs: 200, withinMs: 1_000, timeoutMs: 1_000 }, { deliveryId: 'b' });
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(byTime.status).toBe('failed');
    expect(byTime.detail).toMatch(/no time left/);
    // 200 + 400 ms of waits fit in 1 s, 800 more do not: three attempts.
    expect(down.requests.length - before).toBe(3);
    const refusing = await receiver(() => 401);
    const once = await deliver(createNotifier(notifyOf(`  h: { webhook: "${refusing.url}/h" }\n`).h!, { cwd: '.' }), sampleNotification(), { attempts: 5, backoffMs: 10, withinMs: 10_000, timeoutMs: 1_000 }, { deliveryId: 'c' });
    expect(once).toMatchObject({ status: 'failed', attempts: 1 });
    expect(once.detail).toMatch(/not worth retrying/);
  });

  it('waits 1, 2, 4 … times the backoff, capped at a minute', () => {
    expect([2, 3, 4, 5].map((n) => backoffBefore(n, 1_000))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(backoffBefore(12, 1_000)).toBe(60_000);
  });
});

describe('NotificationCenter', () => {
  it('sends release events to the notifiers whose on: takes them, alert events only to the ones named, and logs each delivery', async () => {
    const all = await receiver();
    const failures = await receiver();
    const notify = notifyOf(
      [`  all: { webhook: "${all.url}/a" }`, `  failures: { webhook: "${failures.url}/f", on: [release.rolled_back, release.failed, alert.firing] }`, ''].join('\n'),
    );
    const center = new NotificationCenter({ service: 'shop', notify, deliveries: store.deliveries, cwd: '.' });
    expect(center.names).toEqual(['all', 'failures']);
    await center.notify(sampleNotification({ event: 'release.started' }));
    await center.notify(sampleNotification({ event: 'release.rolled_back' }));
    await center.notify(sampleNotification({ event: 'alert.firing' }));
    await center.notify(sampleNotification({ event: 'alert.firing' }), { to: ['failures'] });
    expect(all.requests.map((r) => r.headers['x-glidepath-event'])).toEqual(['release.started', 'release.rolled_back']);
    expect(failures.requests.map((r) => r.headers['x-glidepath-event'])).toEqual(['release.rolled_back', 'alert.firing']);
    const log = await store.deliveries.list({ service: 'shop' });
    expect(log).toHaveLength(4);
    expect(log.every((d) => d.status === 'delivered' && d.attempts === 1 && d.lastError === null && d.finishedAt !== null)).toBe(true);
    await center.close();
  });

  it('logs a failed delivery with its attempts and last error, without the secret or the URL path', async () => {
    const down = await receiver(() => 500);
    const notify = notifyOf(`  hook: { webhook: "\${URL}", secret: "\${S}", retry: { attempts: 2, backoff: 10ms } }\n`, { URL: `${down.url}/tok-${SECRET}`, S: SECRET });
    const lines: string[] = [];
    const center = new NotificationCenter({ service: 'shop', notify, deliveries: store.deliveries, cwd: '.', log: (line) => lines.push(line) });
    const [record] = await center.notify(sampleNotification());
    expect(record).toMatchObject({ notifier: 'hook', kind: 'webhook', event: 'release.rolled_back', status: 'failed', attempts: 2, releaseId: 'rel_1' });
    expect(record?.lastError).toMatch(/answered 500/);
    const everything = JSON.stringify([await store.deliveries.list({ service: 'shop' }), lines]);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain('tok-');
    await center.close();
  });

  it('close() stops retries at once and still records the delivery', async () => {
    const down = await receiver(() => 503);
    const notify = notifyOf(`  hook: { webhook: "${down.url}/h", retry: { attempts: 10, backoff: 30s, within: 1h } }\n`);
    const center = new NotificationCenter({ service: 'shop', notify, deliveries: store.deliveries, cwd: '.' });
    const delivering = center.notify(sampleNotification());
    await down.waitForRequests(1);
    const started = performance.now();
    await center.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    const [record] = await delivering;
    expect(record).toMatchObject({ status: 'failed', attempts: 1 });
    expect(record?.lastError).toMatch(/stopped/);
  });

  it('refuses to test a notifier the plan does not have, naming the ones it has', () => {
    const center = new NotificationCenter({ service: 'shop', notify: notifyOf('  team: { command: "true" }\n'), deliveries: store.deliveries, cwd: '.' });
    expect(() => center.sendTo('teem', sampleNotification())).toThrow('no notifier named "teem" (the plan\'s notifiers: team)');
  });
});

describe('the delivery log', () => {
  it('keeps the newest rows of a service within its bound', async () => {
    for (let i = 0; i < 7; i++) {
      const row = await store.deliveries.start({ service: 'shop', notifier: 'n', kind: 'webhook', event: 'release.started', summary: `#${i}` });
      await store.deliveries.update(row.id, { status: 'delivered', attempts: 1, lastError: null, durationMs: 5 });
    }
    await store.deliveries.start({ service: 'other', notifier: 'n', kind: 'webhook', event: 'release.started', summary: 'other' });
    expect(await store.deliveries.prune('shop', 3)).toBe(4);
    expect((await store.deliveries.list({ service: 'shop' })).map((d) => d.summary)).toEqual(['#6', '#5', '#4']);
    expect(await store.deliveries.list({ service: 'other' })).toHaveLength(1);
  });
});
