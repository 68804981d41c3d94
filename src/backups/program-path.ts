/** Finding the external programs drivers run (pg_dump, pg_restore), including Debian's versioned directories. */
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UnavailableError } from '../shared/errors.js';

/** Directories that hold PostgreSQL client programs Debian may not put on PATH, newest version first. */
function postgresBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(root, version, 'bin'));
}

/** Absolute path of `name` from GLIDEPATH_PG_BIN, PATH, or /usr/lib/postgresql/*\/bin; throws UnavailableError naming it. */
export function programPath(name: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const dirs = [env.GLIDEPATH_PG_BIN, ...(env.PATH ?? '').split(delimiter), ...postgresBinDirs()].filter((d): d is string => !!d);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new UnavailableError(`required program ${name} not found on PATH or in /usr/lib/postgresql/*/bin (set GLIDEPATH_PG_BIN)`);
}
