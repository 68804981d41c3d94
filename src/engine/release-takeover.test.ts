/**
 * The release lease shared by runners, on both store backends (SQLite, and PostgreSQL from initdb): a live lease is
 * refused naming its runner and its end, a lapsed one is taken over by exactly one of several racing runners, a
 * runner that stalled learns it lost the lease, and an engine takes an interrupted release over once it lapsed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../plan/load.js';
import { LockHeldError } from '../shared/errors.js';
import { openStore, type Store } from '../store/index.js';
import { FakeClock } from '../testing/fake-clock.js';
import { type PostgresCluster, postgresClusterMissing, startPostgresCluster } from '../testing/postgres-cluster.js';
import { TestTarget } from '../testing/test-target.js';
import { LockLease, releaseLockName } from './lock-lease.js';
import { ReleaseEngine } from './release-engine.js';
import { takeOverLease } from './release-takeover.js';
import { holderName, type RunnerIdentity } from './runner-identity.js';

const pgMissing = postgresClusterMissing();
let baseDir = '';
let cluster: PostgresCluster | undefined;
let databases = 0;

beforeAll(async () => {
  baseDir = await mkdtemp(join(tmpdir(), 'glidepath-takeover-'));
  if (!pgMissing) cluster = await startPostgresCluster();
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
  await rm(baseDir, { recursive: true, force: true });
});

const backends: [string, string | undefined, () => Promise<string>][] = [
  ['sqlite', undefined, async () => `sqlite:takeover-${++databases}.db`],
  ['postgres', pgMissing, () => (cluster as PostgresCluster).createDatabase(`takeover_${++databases}`)],
];

const TTL = 9_000;
const runnerA: RunnerIdentity = { kind: 'foreground', host: 'ci-a', pid: 101, id: 'aaaaaaaa' };
const runnerB: RunnerIdentity = { kind: 'foreground', host: 'ci-b', pid: 202, id: 'bbbbbbbb' };
const PLAN = [
  'version: 1',
  'service: shop',
  'target: { type: process, listen: "127.0.0.1:18080", start: "node app.js --port {port}" }',
  'strategy:\n  canary:\n    steps:\n      - weight: 10\n      - pause: 60s\n      - weight: 50',
].join('\n');

describe.each(backends)('release lease on %s', (_name, skip, url) => {
  let store: Store;
  let clock: FakeClock;
  const open = async () => {
    clock = new FakeClock();
    store = await openStore(await url(), { baseDir, now: () => clock.now() });
  };

  it.skipIf(skip)('refuses a live lease naming its runner and its end, and takes it over once it lapsed', async () => {
    await open();
    try {
      const deps = { store, clock, service: 'shop', ttlMs: TTL };
      const held = await takeOverLease(deps, holderName(runnerA), () => false);
      await held.abandon();
      const refused = await takeOverLease(deps, holderName(runnerB), () => false).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(LockHeldError);
      expect((refused as Error).message).toContain('release foreground:ci-a:101:aaaaaaaa of shop is running; the foreground runner on ci-a (pid 101, id aaaaaaaa) holds its lease until 2025-01-01T00:00:09.000Z and renews it');
      // A caller that knows the holder is gone takes a live lease at once.
      const known = await takeOverLease(deps, holderName(runnerB), (holder) => holder === holderName(runnerA));
      expect((await store.locks.get(releaseLockName('shop')))?.holder).toBe(holderName(runnerB));
      await known.abandon();
      await clock.advance(TTL);
      const lapsed = await takeOverLease(deps, holderName(runnerA), () => false);
      expect((await store.locks.get(releaseLockName('shop')))?.holder).toBe(holderName(runnerA));
      await lapsed.release();
      expect(await store.locks.get(releaseLockName('shop'))).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it.skipIf(skip)('lets exactly one of ten racing runners take a lapsed lease', async () => {
    await open();
    try {
      await store.locks.tryAcquire(releaseLockName('shop'), 'foreground:dead:1:00000000', TTL);
      await clock.advance(TTL);
      const deps = { store, clock, service: 'shop', ttlMs: TTL };
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => takeOverLease(deps, `foreground:ci-${i}:${i}:0000000${i}`, () => false)));
      const won = outcomes.filter((o): o is PromiseFulfilledResult<LockLease> => o.status === 'fulfilled');
      expect(won).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === 'rejected').every((o) => o.reason instanceof LockHeldError)).toBe(true);
      expect((await store.locks.get(releaseLockName('shop')))?.holder).toBe(won[0]?.value.holder);
      await won[0]?.value.release();
    } finally {
      await store.close();
    }
  });

  it.skipIf(skip)('tells a runner that stalled past its TTL that another runner took its lease', async () => {
    await open();
    try {
      const lease = await LockLease.acquire(store, 'shop', holderName(runnerA), clock, TTL);
      await clock.advance(TTL / 3);
      expect(lease.lost.aborted).toBe(false);
      // A stalled past the TTL (its renewals did not come); B took the lapsed lease.
      await store.locks.release(releaseLockName('shop'), holderName(runnerA));
      await store.locks.tryAcquire(releaseLockName('shop'), holderName(runnerB), TTL);
      await clock.advance(TTL / 3);
      for (let i = 0; i < 50 && !lease.lost.aborted; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(lease.lost.aborted).toBe(true);
      expect(String((lease.lost.reason as Error).message)).toBe('the release lease was taken over by the foreground runner on ci-b (pid 202, id bbbbbbbb)');
      await lease.abandon();
      expect((await store.locks.get(releaseLockName('shop')))?.holder).toBe(holderName(runnerB));
    } finally {
      await store.close();
    }
  });

  it.skipIf(skip)('an engine takes over a release another runner left only once its lease lapsed, and finishes it', async () => {
    await open();
    const target = await TestTarget.create();
    target.rps = 200;
    const engine = (runner: RunnerIdentity) =>
      new ReleaseEngine({ plan: parsePlan(PLAN, 'glidepath.yaml', {}), planDir: baseDir, store, events: { record: (e) => store.events.append(e) }, target, clock, runner, lockTtlMs: TTL });
    const drive = async <T>(promise: Promise<T>): Promise<T> => {
      let settled = false;
      void promise.then(() => (settled = true), () => (settled = true));
      for (let i = 0; i < 600 && !settled; i++) {
        await clock.advance(1000);
        for (let j = 0; j < 20 && !settled; j++) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      return promise;
    };
    const a = engine(runnerA);
    const b = engine(runnerB);
    try {
      expect((await drive(a.deploy('v1', { owner: 'ci', yes: true }))).status).toBe('succeeded');
      const started = await a.start('v2', { owner: 'ci', yes: true });
      for (let i = 0; i < 100 && target.weightChanges.length < 2; i++) await clock.advance(500);
      // Runner A stops renewing (as if killed): its lease lives on until it lapses.
      await a.close();
      // A's last renewal is the one at the present time: on a loaded machine the fake clock can run ahead of the
      // renewals on their way to the store, and the lease would have lapsed by the clock before A stopped.
      await store.locks.tryAcquire(releaseLockName('shop'), holderName(runnerA), TTL);
      await expect(started.finished).rejects.toThrow('resumes when the engine starts again');
      await expect(b.recover()).rejects.toThrow(`release ${started.releaseId} of shop is running (v2, rollout); the foreground runner on ci-a (pid 101, id aaaaaaaa) holds its lease until`);
      await clock.advance(TTL);
      // A new release is not started beside the interrupted one.
      await expect(b.start('v3', { owner: 'ci', yes: true })).rejects.toThrow(`release ${started.releaseId} of shop (v2) was left rollout by the foreground runner on ci-a (pid 101, id aaaaaaaa), whose lease has lapsed`);
      const resumed = await b.recover();
      expect(resumed?.releaseId).toBe(started.releaseId);
      expect((await drive(resumed!.finished)).status).toBe('succeeded');
      const runners = (await store.events.list({ releaseId: started.releaseId, limit: 1000 })).filter((e) => e.type === 'release.runner').map((e) => e.data);
      expect(runners).toEqual([
        { holder: holderName(runnerA), role: 'started', kind: 'foreground', host: 'ci-a', pid: 101, id: 'aaaaaaaa' },
        { holder: holderName(runnerB), role: 'took-over', kind: 'foreground', host: 'ci-b', pid: 202, id: 'bbbbbbbb', from: holderName(runnerA) },
      ]);
      expect(await store.locks.get(releaseLockName('shop'))).toBeUndefined();
    } finally {
      await b.close();
      await target.close();
      await store.close();
    }
  }, 60_000);
});
