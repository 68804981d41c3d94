import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireMaintenanceLock, readMaintenanceLock, releaseMaintenanceLock } from './maintenance-lock.js';
import { openStore, type Store } from './store.js';

describe('the maintenance lock (SQLite store)', () => {
  let dir = '';
  let store: Store;
  const clock = { now: new Date('2026-03-01T02:00:00.000Z') };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glidepath-maintenance-lock-'));
    store = await openStore('sqlite:state.db', { baseDir: dir, now: () => clock.now });
  });
  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is held by one person with a message until released, whoever releases it, and never expires', async () => {
    expect(await readMaintenanceLock(store.locks, 'shop')).toBeUndefined();
    const first = await acquireMaintenanceLock(store.locks, 'shop', 'alice', 'database upgrade', () => clock.now);
    expect(first).toEqual({ acquired: true, lock: { by: 'alice', message: 'database upgrade', since: '2026-03-01T02:00:00.000Z' } });

    const other = await acquireMaintenanceLock(store.locks, 'shop', 'bob', null, () => clock.now);
    expect(other).toEqual({ acquired: false, lock: first.lock });

    // Its holder may take it again with a new message; years later it still holds.
    clock.now = new Date('2031-03-01T02:00:00.000Z');
    const again = await acquireMaintenanceLock(store.locks, 'shop', 'alice', 'still upgrading', () => clock.now);
    expect(again).toEqual({ acquired: true, lock: { by: 'alice', message: 'still upgrading', since: '2031-03-01T02:00:00.000Z' } });
    expect(await readMaintenanceLock(store.locks, 'other-service')).toBeUndefined();

    expect(await releaseMaintenanceLock(store.locks, 'shop')).toEqual(again.lock);
    expect(await readMaintenanceLock(store.locks, 'shop')).toBeUndefined();
    expect(await releaseMaintenanceLock(store.locks, 'shop')).toBeUndefined();
  });

  it('is apart from the release lock: a release holding its lock does not make the service locked', async () => {
    expect(await store.locks.tryAcquire('release:shop', 'engine:1', 60_000)).toBe(true);
    expect(await readMaintenanceLock(store.locks, 'shop')).toBeUndefined();
    expect((await acquireMaintenanceLock(store.locks, 'shop', 'alice', null, () => clock.now)).acquired).toBe(true);
  });
});
