import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MigrationFilesError } from './migration-errors.js';
import { compareVersions, isNonTransactional, migrationChecksum, readMigrationFiles } from './migration-files.js';

const dirs: string[] = [];
async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'glidepath-migfiles-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('readMigrationFiles', () => {
  it('orders by the numeric prefix, pairs down files, and ignores other files', async () => {
    const dir = await dirWith({
      '10_c.sql': 'SELECT 10;',
      '2_b.sql': 'SELECT 2;',
      '001_a.sql': 'SELECT 1;',
      '001_a.down.sql': 'SELECT -1;',
      'README.md': 'not a migration',
    });
    await mkdir(join(dir, 'archive.sql'));
    const files = await readMigrationFiles(dir);
    expect(files.map((f) => [f.version, f.name, f.up.file, f.down?.file])).toEqual([
      ['001', 'a', '001_a.sql', '001_a.down.sql'],
      ['2', 'b', '2_b.sql', undefined],
      ['10', 'c', '10_c.sql', undefined],
    ]);
    expect(files[0]?.up.checksum).toBe(migrationChecksum('SELECT 1;'));
    expect(files[0]?.up.transactional).toBe(true);
  });

  it('reports every problem at once, naming the files', async () => {
    const dir = await dirWith({
      '001_a.sql': '',
      '1_b.sql': '',
      '002_c.down.sql': '',
      '003_d.sql': '',
      '003_other.down.sql': '',
      'init.sql': '',
    });
    const error = await readMigrationFiles(dir, 'migrations').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationFilesError);
    expect((error as MigrationFilesError).exitCode).toBe(2);
    expect((error as MigrationFilesError).problems).toEqual([
      '002_c.down.sql: down file without 002_c.sql',
      '003_other.down.sql: down file without 003_other.sql',
      'duplicate version 001: 001_a.sql, 1_b.sql',
      'init.sql: expected NNN_name.sql or NNN_name.down.sql',
    ]);
    expect((error as Error).message).toMatch(/^migrations in migrations: 4 problems:/);
  });

  it('names a missing directory', async () => {
    await expect(readMigrationFiles('/nonexistent/migrations', './migrations')).rejects.toThrow('migrations in ./migrations: 1 problem:\n  the directory does not exist');
  });

  it('reads the no-transaction marker from the first line only', async () => {
    expect(isNonTransactional('-- glidepath: no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);')).toBe(true);
    expect(isNonTransactional('--   GLIDEPATH:  no-transaction  \r\nSELECT 1;')).toBe(true);
    expect(isNonTransactional('SELECT 1;\n-- glidepath: no-transaction')).toBe(false);
    expect(isNonTransactional('-- glidepath: no-transactions')).toBe(false);
  });
});

describe('migrationChecksum and compareVersions', () => {
  it('is the sha256 of the text, blind to CRLF line ends', () => {
    expect(migrationChecksum('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(migrationChecksum('a\r\nb\r\n')).toBe(migrationChecksum('a\nb\n'));
    expect(migrationChecksum('a\nb')).not.toBe(migrationChecksum('a\nb\n'));
  });

  it('compares long versions numerically', () => {
    expect(compareVersions('9', '10')).toBe(-1);
    expect(compareVersions('001', '1')).toBe(0);
    expect(compareVersions('20251103000001', '20251103000000')).toBe(1);
  });
});
