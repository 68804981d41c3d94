/** Opens the database a plan's `migrations.url` names, loading only the driver it needs. */
import { isAbsolute, resolve } from 'node:path';
import { EXIT, GlidepathError } from '../shared/errors.js';
import { redactUrl } from '../store/store-url.js';
import type { MigrationDatabase } from './migration-database.js';
import { openPostgresMigrationDatabase } from './postgres-database.js';
import { openSqliteMigrationDatabase } from './sqlite-database.js';

/** Where migrations run, parsed from the plan's URL. */
export type MigrationTarget = { dialect: 'postgres'; url: string; label: string } | { dialect: 'sqlite'; path: string; label: string };

/** Parses `postgres://…` or `sqlite:PATH` (relative to the plan's directory); anything else is bad input. */
export function parseMigrationUrl(url: string, baseDir: string): MigrationTarget {
  if (/^postgres(ql)?:\/\/[^/]/.test(url)) return { dialect: 'postgres', url, label: redactUrl(url) };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === ':memory:') return { dialect: 'sqlite', path, label: url };
    if (path.trim() !== '' && !path.startsWith('//')) {
      const absolute = isAbsolute(path) ? path : resolve(baseDir, path);
      return { dialect: 'sqlite', path: absolute, label: `sqlite:${path}` };
    }
  }
  throw new GlidepathError(`migrations.url "${redactUrl(url)}" is not supported; use postgres://USER@HOST:PORT/DATABASE or sqlite:PATH`, {
    code: 'migration_url',
    exitCode: EXIT.input,
  });
}

/** Connects to the migration target; an unreachable database is an UnavailableError (exit 3). */
export async function openMigrationDatabase(target: MigrationTarget, table: string): Promise<MigrationDatabase> {
  return target.dialect === 'postgres'
    ? openPostgresMigrationDatabase(target.url, table, target.label)
    : openSqliteMigrationDatabase(target.path, table, target.label);
}
