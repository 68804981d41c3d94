import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresClusterMissing, startPostgresCluster, type PostgresCluster } from '../testing/postgres-cluster.js';
import { openStore, type Store } from './store.js';

const pgMissing = postgresClusterMissing();
let cluster: PostgresCluster | undefined;
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glidepath-backup-repo-'));
});
afterAll(async () => {
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

const backends: { name: string; skip?: string; url: () => Promise<string> }[] = [
  { name: 'sqlite', url: () => Promise.resolve('sqlite:state.db') },
  {
    name: 'postgres',
    skip: pgMissing,
    url: async () => {
      cluster = await startPostgresCluster();
      return cluster.createDatabase('catalog');
    },
  },
];

for (const backend of backends) {
  describe.skipIf(backend.skip)(`backup catalog on ${backend.name}`, () => {
    let store: Store;
    const clock = { now: new Date('2025-03-01T02:00:00.000Z') };
    beforeAll(async () => {
      store = await openStore(await backend.url(), { baseDir: dir, now: () => clock.now });
    });
    afterAll(() => store?.close());

    it('records a backup from running to succeeded, with sizes past 2 GiB', async () => {
      const started = await store.backups.start({ service: 'api', source: 'db', driver: 'postgres', reason: 'release', store: 'dir:/b', key: 'db/x.dump' });
      expect(started).toMatchObject({ status: 'running', size: null, releaseId: null, startedAt: '2025-03-01T02:00:00.000Z' });
      clock.now = new Date('2025-03-01T02:00:05.000Z');
      const done = await store.backups.finish(started.id, { status: 'succeeded', size: 5_000_000_000, sha256: 'ab'.repeat(32), durationMs: 5000.4 });
      expect(done).toMatchObject({ status: 'succeeded', size: 5_000_000_000, durationMs: 5000, finishedAt: '2025-03-01T02:00:05.000Z' });
      expect(await store.backups.get(started.id)).toEqual(done);
    });

    it('records verifications (a fail clears verified-at), restore times, and pruning', async () => {
      const [record] = await store.backups.list({ service: 'api' });
      const passed = await store.backups.recordVerify(record!.id, { status: 'pass', detail: { integrity: 'ok' }, restoreMs: 1234 });
      expect(passed).toMatchObject({ verifyStatus: 'pass', verifiedAt: '2025-03-01T02:00:05.000Z', restoreMs: 1234, verifyDetail: { integrity: 'ok' } });
      const failed = await store.backups.recordVerify(record!.id, { status: 'fail', detail: { integrity: 'sha256 mismatch' } });
      expect(failed).toMatchObject({ verifyStatus: 'fail', verifiedAt: null, restoreMs: 1234 });
      await store.backups.recordRestore(record!.id, 99);
      await store.backups.markPruned(record!.id);
      expect(await store.backups.list({ service: 'api' })).toEqual([]);
      expect(await store.backups.list({ service: 'api', includePruned: true })).toMatchObject([{ id: record!.id, restoreMs: 99 }]);
    });

    it('lists newest first, by source and status', async () => {
      for (const [at, source, status] of [['03:00', 'db', 'failed'], ['04:00', 'files', 'succeeded'], ['05:00', 'db', 'succeeded']] as const) {
        clock.now = new Date(`2025-03-01T${at}:00.000Z`);
        const b = await store.backups.start({ service: 'api', source, driver: 'x', reason: 'manual', store: 'dir:/b', key: `${source}/${at}` });
        await store.backups.finish(b.id, { status, durationMs: 1, ...(status === 'failed' ? { error: 'boom' } : {}) });
      }
      expect((await store.backups.list({ service: 'api' })).map((b) => b.key)).toEqual(['db/05:00', 'files/04:00', 'db/03:00']);
      expect((await store.backups.list({ service: 'api', source: 'db', status: 'succeeded' })).map((b) => b.key)).toEqual(['db/05:00']);
      expect((await store.backups.list({ service: 'other' }))).toEqual([]);
    });
  });
}
