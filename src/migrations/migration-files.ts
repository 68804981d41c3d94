/** The migration file provider: `NNN_name.sql` and optional `NNN_name.down.sql` files, ordered and checksummed. */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MigrationFilesError } from './migration-errors.js';

/**
 * A file whose first line is this comment runs outside a transaction, statement by statement (for
 * `CREATE INDEX CONCURRENTLY` on PostgreSQL, `VACUUM` on SQLite); a failure then leaves what already ran.
 */
export const NO_TRANSACTION_MARKER = '-- glidepath: no-transaction';

/** One SQL script of a migration, read from disk. */
export interface MigrationScript {
  /** File name inside the migrations directory, e.g. `001_create_user_karma.sql`. */
  readonly file: string;
  readonly sql: string;
  /** sha256 (hex) of the text with CRLF line ends read as LF, so a checkout's line endings are no drift. */
  readonly checksum: string;
  /** False when the first line is {@link NO_TRANSACTION_MARKER}. */
  readonly transactional: boolean;
}

/** One migration: a version, a name, its up script and perhaps a down script. */
export interface MigrationFile {
  /** The numeric prefix as written (`001`, `20251103000000`). */
  readonly version: string;
  readonly name: string;
  readonly up: MigrationScript;
  readonly down?: MigrationScript;
}

const FILE_NAME = /^(\d+)_(.+?)(\.down)?\.sql$/;

/** sha256 (hex) of a script, line endings normalised to LF. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

/** Whether a script asks to run outside a transaction (its first line is the marker comment). */
export function isNonTransactional(sql: string): boolean {
  const first = sql.replace(/^\uFEFF/, '').split('\n', 1)[0] ?? '';
  return first.trim().replace(/\s+/g, ' ').toLowerCase() === NO_TRANSACTION_MARKER;
}

/** Numeric order of two versions (`9` before `10`; `001` equals `1`). */
export function compareVersions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Whether two written versions are the same number. */
export function sameVersion(a: string, b: string): boolean {
  return /^\d+$/.test(a) && /^\d+$/.test(b) && BigInt(a) === BigInt(b);
}

/**
 * Reads the migrations directory: every `.sql` file must be `NNN_name.sql` or `NNN_name.down.sql`, versions are
 * unique and every down file has its up file; all problems are reported at once, naming the files.
 */
export async function readMigrationFiles(dir: string, shownDir = dir): Promise<MigrationFile[]> {
  let entries: { name: string; isFile(): boolean }[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the directory does not exist' : (error as Error).message;
    throw new MigrationFilesError(shownDir, [reason]);
  }
  const problems: string[] = [];
  const ups = new Map<string, { version: string; name: string; file: string }[]>();
  const downs: { version: string; name: string; file: string }[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.sql') || entry.name.startsWith('.')) continue;
    const match = FILE_NAME.exec(entry.name);
    if (!match) {
      problems.push(`${entry.name}: expected NNN_name.sql or NNN_name.down.sql`);
      continue;
    }
    const [, version = '', name = '', down] = match;
    const item = { version, name, file: entry.name };
    if (down) downs.push(item);
    else {
      const key = BigInt(version).toString();
      ups.set(key, [...(ups.get(key) ?? []), item]);
    }
  }
  for (const group of ups.values()) {
    if (group.length > 1) {
      const files = group.map((g) => g.file).sort();
      problems.push(`duplicate version ${group[0]?.version ?? ''}: ${files.join(', ')}`);
    }
  }
  const downFor = new Map<string, string>();
  for (const down of downs) {
    const up = ups.get(BigInt(down.version).toString())?.find((u) => u.name === down.name);
    if (!up) problems.push(`${down.file}: down file without ${down.version}_${down.name}.sql`);
    else if (downFor.has(up.file)) problems.push(`${up.file}: more than one down file (${downFor.get(up.file) ?? ''}, ${down.file})`);
    else downFor.set(up.file, down.file);
  }
  if (problems.length > 0) throw new MigrationFilesError(shownDir, problems.sort());

  const script = async (file: string): Promise<MigrationScript> => {
    const sql = await readFile(join(dir, file), 'utf8');
    return { file, sql, checksum: migrationChecksum(sql), transactional: !isNonTransactional(sql) };
  };
  const files = [...ups.values()].map((group) => group[0]).filter((g) => g !== undefined);
  files.sort((a, b) => compareVersions(a.version, b.version) || a.name.localeCompare(b.name));
  return Promise.all(
    files.map(async ({ version, name, file }) => {
      const downFile = downFor.get(file);
      const up = await script(file);
      return downFile === undefined ? { version, name, up } : { version, name, up, down: await script(downFile) };
    }),
  );
}
