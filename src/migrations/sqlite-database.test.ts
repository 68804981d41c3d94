import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMigrationContract } from './migration-database.contract.js';
import { openSqliteMigrationDatabase, sqliteLockPath } from './sqlite-database.js';
import { parseMigrationUrl } from './open-migration-database.js';

describe('SQLite migrations (contract)', () => {
  runMigrationContract(async () => 'sqlite:./data/app.db');
});

describe('SQLite migration URLs and lock', () => {
  it('resolves sqlite:PATH against the plan directory and keeps the label as written', () => {
    expect(parseMigrationUrl('sqlite:./data/app.db', '/srv/karma')).toEqual({ dialect: 'sqlite', path: '/srv/karma/data/app.db', label: 'sqlite:./data/app.db' });
    expect(parseMigrationUrl('sqlite:/var/app.db', '/srv/karma')).toMatchObject({ path: '/var/app.db' });
    expect(() => parseMigrationUrl('mysql://root:hunter2@db/app', '/srv')).toThrow('migrations.url "mysql://root:***@db/app" is not supported');
  });

  it('holds BEGIN IMMEDIATE on a lock file beside the database while locked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'glidepath-sqlite-lock-'));
    const path = join(dir, 'app.db');
    const db = await openSqliteMigrationDatabase(path, 'glidepath_migrations');
    try {
      await db.lock({ timeoutMs: 100 });
      expect(existsSync(sqliteLockPath(path))).toBe(true);
      await db.unlock();
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an assertion that writes, also one that returns rows, and leaves the data and settings as they were', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'glidepath-sqlite-assert-'));
    const db = await openSqliteMigrationDatabase(join(dir, 'app.db'), 'glidepath_migrations');
    try {
      await db.ensureTable();
      await db.run({ transactional: true, sql: 'CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1), (2);', record: { remove: 'none' } });
      await expect(db.firstValue('DELETE FROM t RETURNING id')).rejects.toThrow('only a read-only statement can be an assertion');
      await expect(db.firstValue('UPDATE t SET id = 3')).rejects.toThrow('only a read-only statement can be an assertion');
      expect(await db.firstValue('SELECT count(*) FROM t')).toEqual({ rows: 1, value: 2 });
      // Writes work again after an assertion; foreign keys are enforced, as better-sqlite3 (used before) did.
      await db.run({ transactional: false, sql: 'INSERT INTO t VALUES (4);', record: { remove: 'none' } });
      expect(await db.firstValue('SELECT count(*) FROM t')).toEqual({ rows: 1, value: 3 });
      expect(await db.firstValue('PRAGMA foreign_keys')).toEqual({ rows: 1, value: 1 });
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
