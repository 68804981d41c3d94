/** Artifacts as files under a local directory. */
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactStore } from '../../artifact-store.js';
import { checkArtifactKey } from '../../artifact-key.js';

/** A store over the directory `root` (absolute); a key is a relative path below it. */
export function createLocalStore(root: string): ArtifactStore {
  const base = resolve(root);
  const pathOf = (key: string) => join(base, checkArtifactKey(key));
  return {
    location: `dir:${base}`,
    async put(key, body, { signal }) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      // Written under a temporary name and renamed once complete, so a crash never leaves a truncated artifact
      // under the real name.
      const partial = `${path}.partial-${process.pid}-${Date.now()}`;
      const file = createWriteStream(partial, { flags: 'wx' });
      try {
        await pipeline(body, file, { signal });
        await rename(partial, path);
      } catch (error) {
        // The file may still be opening when the source fails: remove it only once the stream has let go of it.
        if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
        await rm(partial, { force: true });
        throw error;
      }
    },
    async get(key): Promise<Readable> {
      // Opening first turns a missing artifact into an error here rather than on the stream later.
      const handle = await open(pathOf(key), 'r');
      return handle.createReadStream({ autoClose: true });
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    close() {
      // Nothing held open between calls.
    },
  };
}
