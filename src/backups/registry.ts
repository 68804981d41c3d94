/** Static maps from backup source kind to driver, and from store kind to artifact store; no dynamic import by name. */
import { isAbsolute, resolve } from 'node:path';
import type { BackupConfig } from '../plan/schema/backup.js';
import { UnknownPluginError } from '../shared/errors.js';
import type { ArtifactStore } from './artifact-store.js';
import type { BackupDriver } from './backup.js';
import { createFilesDriver } from './files/index.js';
import { createHttpDriver } from './http/index.js';
import { createPostgresDriver } from './postgres/index.js';
import { createSqliteDriver } from './sqlite/index.js';
import { createLocalStore } from './stores/local/index.js';
import { createS3Store, parseS3Location } from './stores/s3/index.js';

/** One `backup.sources[]` entry of a plan. */
export type BackupSourceEntry = BackupConfig['sources'][number];

const absolute = (path: string, baseDir: string) => (isAbsolute(path) ? path : resolve(baseDir, path));

/** Every source kind: how to make its driver from the plan's settings (relative paths against the plan's directory). */
export const BACKUP_DRIVERS = {
  postgres: (entry: BackupSourceEntry) => (entry.postgres ? createPostgresDriver(entry.postgres) : undefined),
  sqlite: (entry: BackupSourceEntry, baseDir: string) => (entry.sqlite ? createSqliteDriver({ path: absolute(entry.sqlite.path, baseDir) }) : undefined),
  files: (entry: BackupSourceEntry, baseDir: string) =>
    entry.files ? createFilesDriver({ path: absolute(entry.files.path, baseDir), exclude: entry.files.exclude }) : undefined,
  http: (entry: BackupSourceEntry) => (entry.http ? createHttpDriver(entry.http) : undefined),
} as const satisfies Record<string, (entry: BackupSourceEntry, baseDir: string) => BackupDriver | undefined>;

/** The driver of a plan's source; a source of no known kind is an UnknownPluginError listing the kinds. */
export function driverForSource(entry: BackupSourceEntry, baseDir: string): BackupDriver {
  for (const create of Object.values(BACKUP_DRIVERS)) {
    const driver = create(entry, baseDir);
    if (driver) return driver;
  }
  throw new UnknownPluginError('backup source kind', Object.keys(entry).filter((k) => k !== 'name').join(',') || 'none', Object.keys(BACKUP_DRIVERS));
}

/** The artifact store the plan names. */
export function storeForPlan(config: BackupConfig['store'], baseDir: string): ArtifactStore {
  if (config.s3) return createS3Store(config.s3);
  if (config.dir !== undefined) return createLocalStore(absolute(config.dir, baseDir));
  throw new UnknownPluginError('backup store', 'none', ['dir', 's3']);
}

/** The artifact store a catalog row names (`dir:…` or `s3://…`), so a backup stays readable after the plan moves on. */
export function storeForLocation(location: string): ArtifactStore {
  if (location.startsWith('dir:')) return createLocalStore(location.slice('dir:'.length));
  if (location.startsWith('s3://')) return createS3Store(parseS3Location(location));
  throw new UnknownPluginError('backup store', location.split(':')[0] ?? location, ['dir', 's3']);
}

/** A driver able to read an artifact of `kind`: the plan's source of that name when it still has one, else a bare one. */
export function driverForArtifact(kind: string, source: string, backup: BackupConfig | undefined, baseDir: string): BackupDriver {
  const entry = backup?.sources.find((s) => s.name === source && kind in s);
  if (entry) return driverForSource(entry, baseDir);
  const bare: Record<string, () => BackupDriver> = {
    postgres: () => createPostgresDriver({ url: '' }),
    sqlite: () => createSqliteDriver({ path: '' }),
    files: () => createFilesDriver({ path: '' }),
    http: () => createHttpDriver({ url: '' }),
  };
  const create = bare[kind];
  if (!create) throw new UnknownPluginError('backup driver', kind, Object.keys(bare));
  return create();
}
