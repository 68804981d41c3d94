/** Reading a tar.gz stream entry by entry: listing it, or extracting it into a directory. */
import { createWriteStream } from 'node:fs';
import { mkdir, symlink, utimes } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Header } from 'tar-stream';

/** Calls `onEntry` for each entry in order; the entry's body must be consumed before the next one comes. */
export async function readTarGz(source: Readable, onEntry: (header: Header, body: Readable) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const extract = tarExtract();
  const piping = pipeline(source, createGunzip(), extract, { signal });
  // Whichever side fails first ends both: a broken gzip stream, or an entry handler that threw. A handler still
  // waiting for the body of an entry that a truncated archive cut off is not waited for: the failure wins.
  const broken = new Promise<never>((_resolve, reject) => void piping.catch(reject));
  broken.catch(() => undefined);
  piping.catch((error: unknown) => extract.destroy(error as Error));
  try {
    for await (const entry of extract) await Promise.race([onEntry(entry.header, entry as unknown as Readable), broken]);
  } catch (error) {
    source.destroy();
    await piping.catch(() => undefined);
    throw error;
  }
  await piping;
}

/** An entry's path inside `root`; throws on absolute paths and `..` (a hostile archive must not write outside). */
function insideRoot(root: string, name: string): string {
  const clean = normalize(name).replace(/\/+$/, '');
  if (clean.startsWith('/') || clean === '..' || clean.startsWith('../')) throw new Error(`archive entry "${name}" points outside the target`);
  return join(root, clean);
}

/** Extracts the archive into `root` (created when missing); returns the number of entries. */
export async function extractTarGz(source: Readable, root: string, signal?: AbortSignal): Promise<number> {
  let count = 0;
  const times: [string, Date][] = [];
  await mkdir(root, { recursive: true });
  await readTarGz(
    source,
    async (header, body) => {
      count++;
      const path = insideRoot(root, header.name);
      const mode = header.mode ?? undefined;
      if (header.type === 'directory') {
        await mkdir(path, { recursive: true, mode });
        body.resume();
      } else if (header.type === 'symlink') {
        await mkdir(dirname(path), { recursive: true });
        await symlink(header.linkname ?? '', path);
        body.resume();
      } else if (header.type === 'file') {
        await mkdir(dirname(path), { recursive: true });
        await pipeline(body, createWriteStream(path, { mode }));
      } else body.resume();
      if (header.mtime && header.type !== 'symlink') times.push([path, header.mtime]);
    },
    signal,
  );
  // Directory times last: writing files into a directory would move its mtime again. Deepest first.
  for (const [path, mtime] of times.reverse()) await utimes(path, mtime, mtime);
  return count;
}
