import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createStoreDialect } from './store-dialect.js';

describe('createStoreDialect (sqlite)', () => {
  it('opens the store file in WAL mode, synchronous NORMAL, with foreign keys and a busy timeout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'glidepath-store-dialect-'));
    const db = new Kysely<Record<string, never>>({ dialect: await createStoreDialect({ dialect: 'sqlite', path: join(dir, 'nested', 'state.db') }) });
    try {
      const pragma = async (name: string) => Object.values((await sql.raw(`PRAGMA ${name}`).execute(db)).rows[0] as object)[0] as unknown;
      expect(await pragma('journal_mode')).toBe('wal');
      // 1 = NORMAL: in WAL mode a commit is not synced on its own (see the module).
      expect(await pragma('synchronous')).toBe(1);
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('busy_timeout')).toBe(5000);
    } finally {
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
