/** The `files` backup driver: a directory as a streamed tar.gz, restored by extracting beside it and swapping. */
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { BackupDriver } from '../backup.js';
import { excludeMatcher } from './exclude.js';
import { extractTarGz, readTarGz } from './tar-reader.js';
import { tarGzStream } from './tar-writer.js';

/** The plan's `files:` source settings, with `path` absolute. */
export interface FilesSourceConfig {
  path: string;
  exclude?: string[];
}

/** A files driver for the directory at `config.path`. */
export function createFilesDriver(config: FilesSourceConfig): BackupDriver {
  const excluded = excludeMatcher(config.exclude ?? []);
  return {
    kind: 'files',
    extension: 'tar.gz',
    location: config.path,
    inPlace: true,
    async dump({ signal }) {
      const info = await stat(config.path).catch(() => undefined);
      if (!info?.isDirectory()) throw new Error(`${config.path} is not a directory`);
      return tarGzStream(config.path, excluded, signal);
    },
    async inspect(artifact, { signal }) {
      let entries = 0;
      let bytes = 0;
      try {
        await readTarGz(
          artifact,
          async (header, body) => {
            entries++;
            bytes += header.size ?? 0;
            // finished() settles on an error or an early close too: a broken archive ends the body without 'end'.
            await finished(body.resume());
          },
          signal,
        );
      } catch (error) {
        return { status: 'fail', detail: `tar listing failed after ${entries} entries: ${(error as Error).message}` };
      }
      return { status: 'pass', detail: `tar listing: ${entries} entries, ${bytes} bytes` };
    },
    async targetHasData(target) {
      const names = await readdir(target).catch(() => []);
      return names.length > 0;
    },
    async restore(open, target, { signal }) {
      // Extract beside the target and swap, so a failed restore leaves the old tree untouched and no stale
      // files survive a successful one.
      const stamp = `${process.pid}-${Date.now()}`;
      const incoming = join(dirname(target), `.${basename(target)}.glidepath-restore-${stamp}`);
      const outgoing = join(dirname(target), `.${basename(target)}.glidepath-old-${stamp}`);
      try {
        await extractTarGz(await open(), incoming, signal);
      } catch (error) {
        await rm(incoming, { recursive: true, force: true });
        throw error;
      }
      const existed = await stat(target).then(() => true, () => false);
      if (existed) await rename(target, outgoing);
      await rename(incoming, target);
      if (existed) await rm(outgoing, { recursive: true, force: true });
    },
    forTarget(target) {
      return createFilesDriver({ path: target });
    },
  };
}
