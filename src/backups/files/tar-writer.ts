/** A directory tree as a tar.gz stream, one file at a time, so memory stays flat whatever the tree's size. */
import type { Stats } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { DumpStream } from '../backup.js';
import { END_OF_ARCHIVE, tarHeader, tarPadding, type TarEntry } from './tar-header.js';

/** Bytes read from a file at a time, into one of two buffers reused for every file of the tree. */
export const DEFAULT_READ_CHUNK = 64 * 1024;

interface BufferSlot {
  buffer: Buffer;
  written: Promise<void>;
}

interface TreeEntry {
  relative: string;
  absolute: string;
  stats: Stats;
}

/** Walks `root` depth first in name order, skipping excluded paths (and everything below an excluded directory). */
async function* walk(root: string, excluded: (relative: string) => boolean, prefix = ''): AsyncGenerator<TreeEntry> {
  const names = (await readdir(join(root, prefix))).sort();
  for (const name of names) {
    const relative = prefix ? `${prefix}/${name}` : name;
    if (excluded(relative)) continue;
    const absolute = join(root, relative);
    const stats = await lstat(absolute);
    yield { relative, absolute, stats };
    if (stats.isDirectory()) yield* walk(root, excluded, relative);
  }
}

/**
 * `write(chunk)` settles once the stream has taken the chunk in (for gzip: compressed it, so its buffer may be
 * filled again), or rejects once the stream is closed: a destroyed stream does not call back pending writes.
 */
function writerOf(stream: Writable): (chunk: Buffer) => Promise<void> {
  // One listener for all writes: racing each write against a shared "closed" promise would pile a reaction per
  // chunk onto that promise until the end.
  const pending = new Set<(error: Error) => void>();
  stream.once('close', () => {
    for (const reject of pending) reject(new Error('the archive stream was closed'));
  });
  return (chunk) =>
    new Promise<void>((resolve, reject) => {
      pending.add(reject);
      stream.write(chunk, (error) => {
        pending.delete(reject);
        if (error) reject(error);
        else resolve();
      });
    });
}

/**
 * Writes a file's body through two reused buffers: one is read into while gzip compresses the other. Fresh
 * buffers per read (what a read stream does) are garbage that V8 frees only at its next collection: backing up
 * 1 GiB through them peaked ~20 MB higher (docs/benchmarks.md, Backups).
 */
async function writeBody(write: (chunk: Buffer) => Promise<void>, entry: TreeEntry, buffers: readonly [Buffer, Buffer], signal?: AbortSignal): Promise<void> {
  // Read exactly the size the header announced: a file that grows while it is read keeps its first `size` bytes.
  const { size } = entry.stats;
  const file = await open(entry.absolute, 'r').catch((error: Error) => {
    throw new Error(`read ${entry.absolute}: ${error.message}`, { cause: error });
  });
  // Each buffer with the write of what it holds: it is read into again only once that write has settled.
  let [slot, other] = buffers.map((buffer) => ({ buffer, written: Promise.resolve() })) as [BufferSlot, BufferSlot];
  try {
    for (let position = 0; position < size; [slot, other] = [other, slot]) {
      signal?.throwIfAborted();
      await slot.written;
      const { bytesRead } = await file.read(slot.buffer, 0, Math.min(slot.buffer.length, size - position), position).catch((error: Error) => {
        throw new Error(`read ${entry.absolute}: ${error.message}`, { cause: error });
      });
      if (bytesRead === 0) throw new Error(`read ${entry.absolute}: the file shrank below the ${size} bytes it had when the archive began it`);
      position += bytesRead;
      slot.written = write(slot.buffer.subarray(0, bytesRead));
      slot.written.catch(() => undefined);
    }
    await Promise.all([slot.written, other.written]);
  } finally {
    await file.close();
  }
  const padding = tarPadding(size);
  if (padding.length > 0) await write(padding);
}

async function writeTree(write: (chunk: Buffer) => Promise<void>, root: string, excluded: (relative: string) => boolean, signal?: AbortSignal): Promise<void> {
  const buffers: [Buffer, Buffer] = [Buffer.allocUnsafeSlow(DEFAULT_READ_CHUNK), Buffer.allocUnsafeSlow(DEFAULT_READ_CHUNK)];
  for await (const entry of walk(root, excluded)) {
    signal?.throwIfAborted();
    const { stats, relative: name } = entry;
    const common: Omit<TarEntry, 'type'> = { name, mode: stats.mode & 0o7777, mtime: stats.mtime, size: 0 };
    if (stats.isDirectory()) await write(tarHeader({ ...common, type: 'directory' }));
    else if (stats.isSymbolicLink()) await write(tarHeader({ ...common, type: 'symlink', linkname: await readlink(entry.absolute) }));
    else if (stats.isFile()) {
      await write(tarHeader({ ...common, type: 'file', size: stats.size }));
      if (stats.size > 0) await writeBody(write, entry, buffers, signal);
    }
    // Sockets, fifos and devices are not data to back up.
  }
  await write(END_OF_ARCHIVE);
}

/** Streams `root` as tar.gz; `done` rejects when a file could not be read (the stream is destroyed with the error). */
export function tarGzStream(root: string, excluded: (relative: string) => boolean, signal?: AbortSignal): DumpStream {
  const gzip = createGzip();
  const done = writeTree(writerOf(gzip), root, excluded, signal).then(
    () => void gzip.end(),
    (error: unknown) => {
      gzip.destroy(error as Error);
      throw error;
    },
  );
  done.catch(() => undefined);
  return { stream: gzip, done };
}
