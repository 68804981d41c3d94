import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArtifactStoreContract } from '../../artifact-store.contract.js';
import { createLocalStore } from './index.js';

let dir = '';
runArtifactStoreContract(
  'local directory',
  async () => {
    dir = await mkdtemp(join(tmpdir(), 'glidepath-local-store-'));
    return createLocalStore(join(dir, 'backups'));
  },
  () => rm(dir, { recursive: true, force: true }),
);

describe('local store', () => {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'glidepath-local-partial-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('leaves no partial file behind when the stream fails', async () => {
    const store = createLocalStore(root);
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1 << 16, 1));
        setImmediate(() => this.destroy(new Error('producer died')));
      },
    });
    await expect(store.put('main/a.dump', failing, {})).rejects.toThrow(/producer died/);
    expect(await readdir(join(root, 'main'))).toEqual([]);
  });
});
