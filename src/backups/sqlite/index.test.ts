import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDriverContract } from '../backup.contract.js';
import { openSqlite } from '../../shared/sqlite.js';
import { createSqliteDriver } from './index.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glidepath-sqlite-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Row count and a checksum of every table, in a fixed order. */
async function fingerprint(path: string): Promise<string> {
  const db = await openSqlite(path, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").rows().map(([name]) => String(name));
    return tables
      .map((t) => `${t}: ${JSON.stringify(db.prepare(`SELECT count(*) AS n, group_concat(id || ':' || body, ',') AS all_rows FROM (SELECT * FROM "${t}" ORDER BY id)`).get())}`)
      .join('\n');
  } finally {
    db.close();
  }
}

runDriverContract('sqlite', () => dir, async () => {
  const path = join(dir, 'app.db');
  const db = await openSqlite(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO notes (body) VALUES (?)');
  db.exec('BEGIN');
  for (let i = 0; i < 5000; i++) insert.run([`note ${i} ${'x'.repeat(i % 50)}`]);
  db.exec('COMMIT');
  // The connection stays open in WAL mode, as an application's would: the backup must still be consistent.
  let n = 0;
  return {
    source: { sqlite: { path: './app.db' } },
    broken: { sqlite: { path: './missing.db' } },
    location: path,
    fingerprint,
    emptyTarget: () => Promise.resolve(join(dir, `restored-${++n}.db`)),
    mutate: () => {
      db.prepare('DELETE FROM notes WHERE id % 2 = 0').run();
      insert.run(['after the backup']);
      return Promise.resolve();
    },
    cleanup: () => {
      db.close();
      return Promise.resolve();
    },
  };
});

describe('sqlite driver', () => {
  it('fails integrity on a file that is not a database', async () => {
    const { Readable } = await import('node:stream');
    const verdict = await createSqliteDriver({ path: '' }).inspect(Readable.from([Buffer.from('not a database at all'.repeat(100))]), {});
    expect(verdict.status).toBe('fail');
  });
});
