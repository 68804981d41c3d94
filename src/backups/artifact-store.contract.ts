/** The contract every artifact store meets: streamed put and get, atomic appearance, delete. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from './artifact-store.js';

/** `size` deterministic bytes, produced in 1 MiB chunks as a dump would. */
export function generated(size: number, seed = 1): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(1 << 20, size - sent);
      const chunk = Buffer.alloc(n);
      for (let i = 0; i + 4 <= n; i += 4) chunk.writeUInt32LE(((sent + i) * 2654435761 + seed) >>> 0, i);
      sent += n;
      this.push(chunk);
    },
  });
}

async function digest(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Runs the store contract; `setup` makes a store over fresh storage, `teardown` removes it. */
export function runArtifactStoreContract(name: string, setup: () => Promise<ArtifactStore>, teardown: () => Promise<void>): void {
  describe(`artifact store contract: ${name}`, () => {
    let store: ArtifactStore;
    beforeAll(async () => {
      store = await setup();
    });
    afterAll(async () => {
      store?.close();
      await teardown();
    });

    it('stores a stream larger than a multipart part and reads the same bytes back', async () => {
      const size = 23 * 1024 * 1024 + 123;
      const expected = await digest(generated(size));
      await store.put('main/big.dump', generated(size), {});
      expect(await digest(await store.get('main/big.dump', {}))).toEqual(expected);
    });

    it('stores an empty artifact', async () => {
      await store.put('main/empty.bin', Readable.from([]), {});
      expect((await digest(await store.get('main/empty.bin', {}))).size).toBe(0);
    });

    it('rejects reading a key that is not there', async () => {
      await expect(store.get('main/missing.dump', {})).rejects.toThrow();
    });

    it('leaves nothing under the key when the stream fails midway', async () => {
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(1 << 20, 1));
          setImmediate(() => this.destroy(new Error('producer died')));
        },
      });
      await expect(store.put('main/broken.dump', failing, {})).rejects.toThrow();
      await expect(store.get('main/broken.dump', {})).rejects.toThrow();
    });

    it('deletes, and deleting again is fine', async () => {
      await store.put('main/gone.dump', Readable.from([Buffer.from('x')]), {});
      await store.delete('main/gone.dump');
      await store.delete('main/gone.dump');
      await expect(store.get('main/gone.dump', {})).rejects.toThrow();
    });

    it('refuses keys that would leave the store', async () => {
      await expect(store.put('../escape', Readable.from([Buffer.from('x')]), {})).rejects.toThrow(/invalid artifact key/);
      await expect(store.get('/etc/passwd', {})).rejects.toThrow(/invalid artifact key/);
    });
  });
}
