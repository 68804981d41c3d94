import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/store.js';
import { backupSource } from './backup-source.js';
import { createFilesDriver } from './files/index.js';
import { createLocalStore } from './stores/local/index.js';

describe('backupSource', () => {
  let dir = '';
  let store: Store;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glidepath-backup-source-'));
    store = await openStore('sqlite::memory:', { baseDir: dir });
  });
  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records a store that cannot take the artifact as failed, instead of leaving the producer waiting for a reader', async () => {
    const tree = join(dir, 'tree');
    await mkdir(tree);
    // More than the streams between producer and store buffer, so the producer has to wait for the store.
    await writeFile(join(tree, 'big.bin'), randomBytes(4 * 1024 * 1024));
    await writeFile(join(dir, 'not-a-directory'), 'x');
    const record = await backupSource({
      service: 'svc',
      source: 'tree',
      driver: createFilesDriver({ path: tree }),
      artifacts: createLocalStore(join(dir, 'not-a-directory', 'backups')),
      catalog: store.backups,
      reason: 'manual',
    });
    expect(record).toMatchObject({ status: 'failed', size: null });
    expect(record.error).toMatch(/back up tree \(files, .*\): .*ENOTDIR/);
  });
});
