import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePlan } from '../plan/load.js';
import { SEED_100_LEVELS } from './migration-database.contract.js';
import { runMigrationsForRelease } from './release-migrations.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function planWith(migrations: string, files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'glidepath-release-mig-'));
  dirs.push(dir);
  await mkdir(join(dir, 'migrations'));
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, 'migrations', name), sql);
  const plan = parsePlan(`version: 1\nservice: karma-api\n${migrations}`, 'glidepath.yaml', {});
  return { plan, planDir: dir };
}

const MIGRATIONS = `migrations:
  url: sqlite:./karma.db
  verify:
    - { tableExists: user_levels }
    - { sql: "SELECT count(*) FROM user_levels", equals: 100 }
`;

describe('runMigrationsForRelease', () => {
  it('applies pending migrations, then runs the verify assertions', async () => {
    const { plan, planDir } = await planWith(MIGRATIONS, { '001_seed_levels.sql': SEED_100_LEVELS });
    const result = await runMigrationsForRelease({ plan, planDir, signal: new AbortController().signal });
    expect(result).toMatchObject({ ok: true, reason: null, configured: true, database: 'sqlite:./karma.db', errorCode: null });
    expect(result.applied.map((m) => [m.file, m.status])).toEqual([['001_seed_levels.sql', 'applied']]);
    expect(result.verify.map((v) => [v.name, v.status, v.value])).toEqual([
      ['table user_levels', 'pass', true],
      ['SELECT count(*) FROM user_levels', 'pass', 100],
    ]);
    const again = await runMigrationsForRelease({ plan, planDir });
    expect(again).toMatchObject({ ok: true, applied: [] });
  });

  it('returns ok: false with the reason for a failed migration, and skips verify', async () => {
    const { plan, planDir } = await planWith(MIGRATIONS, { '001_seed_levels.sql': SEED_100_LEVELS, '002_bad.sql': 'CREATE TABLE quests (id integer);\nINSERT INTO nope VALUES (1);' });
    const result = await runMigrationsForRelease({ plan, planDir });
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^002_bad\.sql failed: no such table: nope; it was rolled back/);
    expect(result.applied.map((m) => m.status)).toEqual(['applied', 'failed']);
    expect(result.verify).toEqual([]);
  });

  it('returns ok: false when an assertion fails, naming it and the value seen', async () => {
    const { plan, planDir } = await planWith(MIGRATIONS, { '001_seed_levels.sql': SEED_100_LEVELS, '002_trim.sql': 'DELETE FROM user_levels WHERE level > 99;' });
    const result = await runMigrationsForRelease({ plan, planDir });
    expect(result).toMatchObject({ ok: false, reason: 'migration verify failed: SELECT count(*) FROM user_levels: SELECT count(*) FROM user_levels → 99, expected 100' });
  });

  it('is ok and does nothing without a migrations section; bad files are a reason, not a throw', async () => {
    const none = await planWith('', {});
    expect(await runMigrationsForRelease(none)).toMatchObject({ ok: true, configured: false, applied: [], verify: [] });
    const bad = await planWith(MIGRATIONS, { '001_a.sql': '', '1_b.sql': '' });
    expect(await runMigrationsForRelease(bad)).toMatchObject({ ok: false, errorCode: 'migration_files', reason: expect.stringContaining('duplicate version 001: 001_a.sql, 1_b.sql') });
  });
});
