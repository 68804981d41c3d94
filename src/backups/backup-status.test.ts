import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../plan/plan-schema.js';
import { openStore, type Store } from '../store/store.js';
import { backupStatus } from './backup-status.js';

describe('backupStatus', () => {
  let dir = '';
  let store: Store;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glidepath-backup-status-'));
    store = await openStore('sqlite::memory:', { baseDir: dir });
  });
  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the last measured restore time when retention has since pruned the drilled artifact', async () => {
    const plan = { service: 'svc', backup: { sources: [{ name: 'app' }], rpo: 3_600_000, rto: 60_000 } } as unknown as Plan;
    const backup = async (): Promise<string> => {
      const record = await store.backups.start({ service: 'svc', source: 'app', driver: 'sqlite', reason: 'schedule', store: `dir:${dir}`, key: `k${Math.random()}` });
      await store.backups.finish(record.id, { status: 'succeeded', size: 1, sha256: 'x', durationMs: 1 });
      return record.id;
    };
    const drilled = await backup();
    await store.backups.recordVerify(drilled, { status: 'pass', detail: {}, restoreMs: 1_234 });
    await store.backups.markPruned(drilled);
    const newer = await backup();
    await store.backups.recordVerify(newer, { status: 'pass', detail: {} });

    const [app] = await backupStatus({ store, plan });
    expect(app).toMatchObject({ source: 'app', backups: 1, rtoMs: 1_234, rtoMet: true, rpoMet: true });
    expect(app?.latest?.id).toBe(newer);
  });
});
