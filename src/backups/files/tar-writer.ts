/** A directory tree as a tar.gz stream, one file at a time, so memory stays flat whatever the tree's size. */
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';
import type { DumpStream } from '../driver.js';

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

function addEntry(pack: Pack, header: Partial<Header> & { name: string }, body?: string): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, body ?? '', (error) => (error ? reject(error) : resolve())));
}

function addFile(pack: Pack, entry: TreeEntry, signal?: AbortSignal): Promise<void> {
  const { size } = entry.stats;
  return new Promise((resolve, reject) => {
    const sink = pack.entry({ name: entry.relative, type: 'file', size, mode: entry.stats.mode & 0o7777, mtime: entry.stats.mtime }, (error) =>
      error ? reject(error) : resolve(),
    );
    if (size === 0) return void sink.end(Buffer.alloc(0));
    // Read exactly the size the header announced: a file that grows while it is read keeps its first `size` bytes.
    const file = createReadStream(entry.absolute, { start: 0, end: size - 1, signal });
    file.once('error', (error) => {
      sink.destroy(error);
      reject(new Error(`read ${entry.absolute}: ${error.message}`, { cause: error }));
    });
    file.pipe(sink);
  });
}

async function writeTree(pack: Pack, root: string, excluded: (relative: string) => boolean, signal?: AbortSignal): Promise<void> {
  for await (const entry of walk(root, excluded)) {
    signal?.throwIfAborted();
    const { stats, relative } = entry;
    const common = { name: relative, mode: stats.mode & 0o7777, mtime: stats.mtime };
    if (stats.isDirectory()) await addEntry(pack, { ...common, type: 'directory' });
    else if (stats.isSymbolicLink()) await addEntry(pack, { ...common, type: 'symlink', linkname: await readlink(entry.absolute) });
    else if (stats.isFile()) await addFile(pack, entry, signal);
    // Sockets, fifos and devices are not data to back up.
  }
  pack.finalize();
}

/** Streams `root` as tar.gz; `done` rejects when a file could not be read. */
export function tarGzStream(root: string, excluded: (relative: string) => boolean, signal?: AbortSignal): DumpStream {
  const pack = tarPack();
  const gzip = createGzip();
  pack.on('error', (error: Error) => gzip.destroy(error));
  pack.pipe(gzip);
  const done = writeTree(pack, root, excluded, signal).catch((error: unknown) => {
    pack.destroy(error as Error);
    throw error;
  });
  done.catch(() => undefined);
  return { stream: gzip, done };
}
