/** The daemon's release notifications: recorded events reach the notifiers, and a hung notifier holds nothing up. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePlan } from '../plan/load.js';
import { openStore, type Store } from '../store/index.js';
import { EventBus } from './event-bus.js';
import { startNotifications } from './notifications.js';

let store: Store | undefined;
let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await store?.close();
  server = undefined;
  store = undefined;
});

describe('startNotifications', () => {
  it('records release events at once while a notifier never answers; stopping ends the delivery and logs it failed', async () => {
    let requests = 0;
    server = createServer(() => void requests++); // takes the request, never answers
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const plan = parsePlan(`version: 1\nservice: shop\nnotify:\n  slow: { webhook: "http://127.0.0.1:${port}/h", timeout: 1h, retry: { within: 1h } }\n`, 'glidepath.yaml', {});
    store = await openStore('sqlite::memory:', { baseDir: process.cwd() });
    const events = new EventBus(store);
    const notifications = startNotifications({ plan, planDir: process.cwd(), store, events, url: 'http://127.0.0.1:7070', log: () => undefined });
    const release = await store.releases.create({ service: 'shop', version: 'v2', strategy: 'canary' });
    const started = performance.now();
    await events.record({ service: 'shop', releaseId: release.id, type: 'release.created', data: { version: 'v2' } });
    await events.record({ service: 'shop', releaseId: release.id, type: 'release.finished', data: { status: 'succeeded', reason: 'v2 serves all traffic' } });
    expect(performance.now() - started).toBeLessThan(500);
    for (let i = 0; i < 200 && requests < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(requests).toBe(2);
    await notifications.close();
    const log = await store.deliveries.list({ service: 'shop' });
    expect(log.map((d) => [d.event, d.status])).toEqual([
      ['release.promoted', 'failed'],
      ['release.started', 'failed'],
    ]);
  });
});
