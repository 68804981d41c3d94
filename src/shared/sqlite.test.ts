import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATEMENT_CACHE_SIZE, openSqlite, sqliteErrorCode } from './sqlite.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glidepath-sqlite-conn-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('openSqlite', () => {
  it('keeps prepared statements by their SQL, a bounded number, and iterates on a statement of its own', async () => {
    const db = await openSqlite(':memory:');
    try {
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)');
      const insert = db.prepare('INSERT INTO t (name) VALUES (?)');
      expect(db.prepare('INSERT INTO t (name) VALUES (?)')).toBe(insert);
      for (const name of ['a', 'b', 'c']) db.prepare('INSERT INTO t (name) VALUES (?)').run([name]);
      const select = db.prepare('SELECT name FROM t ORDER BY id');
      const rows = select.iterate();
      expect(rows.next().value).toEqual({ name: 'a' });
      // The same statement run to its end meanwhile does not disturb the iteration.
      expect(db.prepare('SELECT name FROM t ORDER BY id').all()).toHaveLength(3);
      expect([...rows]).toEqual([{ name: 'b' }, { name: 'c' }]);
      for (let i = 0; i < STATEMENT_CACHE_SIZE; i++) db.prepare(`SELECT ${i} AS n`);
      expect(db.prepare('INSERT INTO t (name) VALUES (?)')).not.toBe(insert);
    } finally {
      db.close();
    }
  });

  it('prepares statements the way Kysely calls them: reader, all, run, iterate with an array of parameters', async () => {
    const db = await openSqlite(':memory:');
    try {
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, flag INTEGER)');
      const insert = db.prepare('INSERT INTO t (name, flag) VALUES (?, ?)');
      expect(insert.reader).toBe(false);
      expect(insert.run(['a', true])).toEqual({ changes: 1, lastInsertRowid: 1 });
      expect(insert.run(['b', false])).toEqual({ changes: 1, lastInsertRowid: 2 });
      const returning = db.prepare('INSERT INTO t (name, flag) VALUES (?, ?) RETURNING id');
      expect(returning.reader).toBe(true);
      expect(returning.all(['c', null])).toEqual([{ id: 3 }]);
      const select = db.prepare('SELECT name, flag FROM t WHERE id >= ? ORDER BY id');
      expect(select.reader).toBe(true);
      expect(select.all([1])).toEqual([{ name: 'a', flag: 1 }, { name: 'b', flag: 0 }, { name: 'c', flag: null }]);
      expect([...select.iterate([2])]).toEqual([{ name: 'b', flag: 0 }, { name: 'c', flag: null }]);
      expect(select.get([3])).toEqual({ name: 'c', flag: null });
      expect(select.get([4])).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('returns rows as arrays that keep columns of the same name, and reads a pragma as its value', async () => {
    const db = await openSqlite(':memory:');
    try {
      const statement = db.prepare('SELECT 1 AS x, 2 AS x');
      expect(statement.rows()).toEqual([[1, 2]]);
      expect(statement.all()).toEqual([{ x: 2 }]);
      expect(db.pragma('foreign_keys')).toBe(1);
      db.pragma('foreign_keys = OFF');
      expect(db.pragma('foreign_keys')).toBe(0);
      expect(db.pragma('integrity_check')).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('tracks transactions and open state, and closing twice is harmless', async () => {
    const db = await openSqlite(':memory:');
    expect(db.isOpen).toBe(true);
    expect(db.inTransaction).toBe(false);
    db.exec('BEGIN');
    expect(db.inTransaction).toBe(true);
    db.exec('ROLLBACK');
    expect(db.inTransaction).toBe(false);
    db.close();
    db.close();
    expect(db.isOpen).toBe(false);
  });

  it('names SQLite result codes: a writer kept out by another connection gets SQLITE_BUSY', async () => {
    const path = join(dir, 'busy.db');
    const first = await openSqlite(path);
    const second = await openSqlite(path);
    try {
      second.pragma('busy_timeout = 0');
      first.exec('CREATE TABLE t (id INTEGER); BEGIN IMMEDIATE');
      let caught: unknown;
      try {
        second.exec('BEGIN IMMEDIATE');
      } catch (error) {
        caught = error;
      }
      expect(sqliteErrorCode(caught)).toBe('SQLITE_BUSY');
      first.exec('ROLLBACK');
      let constraint: unknown;
      try {
        first.exec('CREATE TABLE u (id INTEGER NOT NULL); INSERT INTO u VALUES (NULL)');
      } catch (error) {
        constraint = error;
      }
      expect(sqliteErrorCode(constraint)).toBe('SQLITE_CONSTRAINT');
      expect(sqliteErrorCode(new Error('plain'))).toBeUndefined();
    } finally {
      first.close();
      second.close();
    }
  });

  it('opens read-only only a file that exists, creates nothing, and refuses writes', async () => {
    const missing = join(dir, 'missing.db');
    await expect(openSqlite(missing, { readonly: true })).rejects.toThrow();
    expect(existsSync(missing)).toBe(false);
    const path = join(dir, 'ro.db');
    const writer = await openSqlite(path);
    writer.exec('CREATE TABLE t (id INTEGER)');
    writer.close();
    const reader = await openSqlite(path, { readonly: true });
    try {
      let caught: unknown;
      try {
        reader.exec('INSERT INTO t VALUES (1)');
      } catch (error) {
        caught = error;
      }
      expect(sqliteErrorCode(caught)).toBe('SQLITE_READONLY');
    } finally {
      reader.close();
    }
  });

  it('copies a database with the online backup API while another connection has it open in WAL mode', async () => {
    const source = join(dir, 'source.db');
    const copy = join(dir, 'copy.db');
    const db = await openSqlite(source);
    try {
      db.pragma('journal_mode = WAL');
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
      const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
      db.exec('BEGIN');
      for (let i = 0; i < 1000; i++) insert.run([`row ${i}`]);
      db.exec('COMMIT');
      await db.backup(copy);
    } finally {
      db.close();
    }
    const restored = await openSqlite(copy, { readonly: true });
    try {
      expect(restored.prepare('SELECT count(*) AS n, max(body) AS top FROM t').get()).toEqual({ n: 1000, top: 'row 999' });
    } finally {
      restored.close();
    }
  });
});
