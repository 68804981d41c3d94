/** The `sqlite` backup driver: SQLite's online backup API into a temp file, streamed; restored the same way back. */
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { openSqlite, type SqliteConnection } from '../../shared/sqlite.js';
import type { BackupDriver, DriverCallOptions } from '../backup.js';
import { streamTempFile, streamToFile, withTempPath } from '../temp-file.js';

/** The plan's `sqlite:` source settings, with `path` absolute. */
export interface SqliteSourceConfig {
  path: string;
}

/** Opens an existing database file read-only (node:sqlite never creates a file it opens read-only). */
async function openDatabase(path: string): Promise<SqliteConnection> {
  return openSqlite(path, { readonly: true });
}

/** Copies `from` into `to` through the online backup API: consistent while other connections write. */
async function onlineCopy(from: string, to: string): Promise<void> {
  const db = await openDatabase(from);
  try {
    await db.backup(to);
  } finally {
    db.close();
  }
}

/** A sqlite driver for the database file at `config.path`. */
export function createSqliteDriver(config: SqliteSourceConfig): BackupDriver {
  const asFile = <T>(artifact: Readable, options: DriverCallOptions, use: (path: string) => Promise<T>) =>
    withTempPath(options, 'artifact.sqlite', async (path) => {
      await streamToFile(artifact, path, options.signal);
      return use(path);
    });
  return {
    kind: 'sqlite',
    extension: 'sqlite',
    location: config.path,
    inPlace: true,
    dump(options) {
      return streamTempFile(options, 'backup.sqlite', (path) => onlineCopy(config.path, path));
    },
    async inspect(artifact, options) {
      try {
        return await asFile(artifact, options, async (path) => {
          const db = await openDatabase(path);
          try {
            const result = db.pragma('integrity_check');
            return result === 'ok'
              ? { status: 'pass' as const, detail: 'sqlite integrity_check: ok' }
              : { status: 'fail' as const, detail: `sqlite integrity_check: ${String(result)}` };
          } finally {
            db.close();
          }
        });
      } catch (error) {
        return { status: 'fail', detail: `not a readable SQLite database: ${(error as Error).message}` };
      }
    },
    async targetHasData(target) {
      const info = await stat(target).catch(() => undefined);
      return info !== undefined && info.size > 0;
    },
    async restore(open, target, options) {
      await asFile(await open(), options, (path) => onlineCopy(path, target));
    },
    forTarget(target) {
      return createSqliteDriver({ path: target });
    },
  };
}
