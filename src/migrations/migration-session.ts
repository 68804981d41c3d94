/** Opening what a migration command needs from the plan's `migrations:` section, and closing it afterwards. */
import { join, relative, resolve } from 'node:path';
import type { MigrationsConfig } from '../plan/schema/migrations.js';
import { migrationActor } from './applied-by.js';
import type { MigrationDatabase } from './migration-database.js';
import { readMigrationFiles } from './migration-files.js';
import { Migrator } from './migrator.js';
import { openMigrationDatabase, parseMigrationUrl } from './open-migration-database.js';

/** Where the plan lives and how the run behaves. */
export interface MigrationSessionOptions {
  /** Directory relative paths (`dir`, `sqlite:PATH`) are resolved against. */
  planDir: string;
  signal?: AbortSignal | undefined;
  onProgress?: ((line: string) => void) | undefined;
  lockTimeoutMs?: number | undefined;
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** Opens the database, runs `body`, and closes the connection whatever happens. */
export async function withMigrationDatabase<T>(config: MigrationsConfig, planDir: string, body: (db: MigrationDatabase) => Promise<T>): Promise<T> {
  const db = await openMigrationDatabase(parseMigrationUrl(config.url, planDir), config.table);
  try {
    return await body(db);
  } finally {
    await db.close();
  }
}

/** Reads the migration files (bad files: exit 2, before connecting), opens the database, and hands over a Migrator. */
export async function withMigrator<T>(config: MigrationsConfig, options: MigrationSessionOptions, body: (migrator: Migrator, db: MigrationDatabase) => Promise<T>): Promise<T> {
  const target = parseMigrationUrl(config.url, options.planDir);
  const dir = resolve(options.planDir, config.dir);
  const files = await readMigrationFiles(dir, relative(options.planDir, dir) || join('.'));
  const actor = await migrationActor(options.planDir, options.env);
  const db = await openMigrationDatabase(target, config.table);
  try {
    const migrator = new Migrator({
      db,
      files,
      table: config.table,
      actor,
      lockTimeoutMs: options.lockTimeoutMs,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    return await body(migrator, db);
  } finally {
    await db.close();
  }
}
