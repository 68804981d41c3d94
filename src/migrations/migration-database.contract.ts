/** The behaviour every migration dialect must show, run by postgres-database.test.ts and sqlite-database.test.ts. */
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { MigrationsConfig } from '../plan/schema/migrations.js';
import { MigrationLockError } from './migration-errors.js';
import { migrationChecksum } from './migration-files.js';
import { withMigrationDatabase, withMigrator } from './migration-session.js';
import { openMigrationDatabase, parseMigrationUrl } from './open-migration-database.js';
import { runVerifyAssertions } from './verify-assertions.js';

/** SQL both PostgreSQL and SQLite accept: 100 user levels, as the karma-api example's runbook expects. */
export const SEED_100_LEVELS = `CREATE TABLE user_levels (level integer PRIMARY KEY, title text);
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100)
INSERT INTO user_levels (level, title) SELECT x, 'level ' || x FROM n;
`;

/** A temp project: a plan directory with `migrations/`, and the config a plan would give. */
export interface MigrationProject {
  dir: string;
  config: MigrationsConfig;
  write(name: string, sql: string): Promise<void>;
  remove(name: string): Promise<void>;
}

/** Makes a fresh database for one test and returns its URL (`postgres://…` or `sqlite:…`). */
export type CreateDatabaseUrl = (projectDir: string) => Promise<string>;

/** Runs the contract against one dialect. */
export function runMigrationContract(createUrl: CreateDatabaseUrl): void {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  const project = async (files: Record<string, string>, verify: MigrationsConfig['verify'] = []): Promise<MigrationProject> => {
    const dir = await mkdtemp(join(tmpdir(), 'glidepath-migrate-'));
    dirs.push(dir);
    const write = (name: string, sql: string) => writeFile(join(dir, 'migrations', name), sql);
    await mkdir(join(dir, 'migrations'));
    for (const [name, sql] of Object.entries(files)) await write(name, sql);
    const url = await createUrl(dir);
    return { dir, config: { url, dir: './migrations', table: 'glidepath_migrations', verify }, write, remove: (name) => unlink(join(dir, 'migrations', name)) };
  };
  const session = (p: MigrationProject, lockTimeoutMs = 5_000) => ({ planDir: p.dir, env: { USER: 'tester' }, lockTimeoutMs });
  const up = (p: MigrationProject, options: { to?: string; dryRun?: boolean } = {}) => withMigrator(p.config, session(p), (m) => m.up(options));
  const down = (p: MigrationProject, options: { to?: string; dryRun?: boolean; confirm?: () => Promise<boolean> } = {}) =>
    withMigrator(p.config, session(p), (m) => m.down(options));
  const status = (p: MigrationProject) => withMigrator(p.config, session(p), (m) => m.status());
  const tableExists = (p: MigrationProject, name: string) => withMigrationDatabase(p.config, p.dir, (db) => db.tableExists(name));

  const BASE = {
    '1_create_users.sql': 'CREATE TABLE users (id integer PRIMARY KEY, name text);',
    '1_create_users.down.sql': 'DROP TABLE users;',
    '2_add_email.sql': 'ALTER TABLE users ADD COLUMN email text;',
    '2_add_email.down.sql': 'ALTER TABLE users DROP COLUMN email;',
    '10_seed_users.sql': "INSERT INTO users (id, name, email) VALUES (1, 'ada', 'ada@example.com');",
  };

  it('applies pending migrations in numeric order, once, recording checksum, who, how and how long', async () => {
    const p = await project(BASE);
    const run = await up(p);
    expect(run).toMatchObject({ ok: true, reason: null, dryRun: false, direction: 'up' });
    expect(run.migrations.map((m) => [m.file, m.status, m.execution])).toEqual([
      ['1_create_users.sql', 'applied', 'transactional'],
      ['2_add_email.sql', 'applied', 'transactional'],
      ['10_seed_users.sql', 'applied', 'transactional'],
    ]);
    const report = await status(p);
    expect(report.summary).toEqual({ applied: 3, pending: 0, changed: 0, missing: 0 });
    expect(report.migrations[0]).toMatchObject({ version: '1', name: 'create_users', state: 'applied', appliedBy: expect.any(String), execution: 'transactional' });
    expect(report.migrations[0]?.appliedChecksum).toBe(migrationChecksum(BASE['1_create_users.sql']));
    expect(Date.parse(report.migrations[0]?.appliedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(report.migrations[0]?.durationMs).toBeGreaterThanOrEqual(0);
    expect((await up(p)).migrations).toEqual([]);
  });

  it('stops at --to and rejects a --to that names no migration', async () => {
    const p = await project(BASE);
    expect((await up(p, { to: '2' })).migrations.map((m) => m.version)).toEqual(['1', '2']);
    expect((await status(p)).migrations.map((m) => m.state)).toEqual(['applied', 'applied', 'pending']);
    await expect(up(p, { to: '7' })).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('--to 7: no migration file has version 7') });
    await expect(up(p, { to: 'latest' })).rejects.toMatchObject({ exitCode: 2 });
  });

  it('detects a changed applied file, refuses to migrate, and accepts it deliberately with repair', async () => {
    const p = await project({ '1_create_users.sql': BASE['1_create_users.sql'] });
    await up(p);
    await p.write('1_create_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY);');
    await p.write('2_add_email.sql', BASE['2_add_email.sql']);
    const before = await status(p);
    expect(before.migrations.map((m) => m.state)).toEqual(['changed', 'pending']);
    const oldSum = migrationChecksum(BASE['1_create_users.sql']);
    const newSum = migrationChecksum('CREATE TABLE users (id bigint PRIMARY KEY);');
    expect(before.problems).toEqual([`1_create_users.sql changed after it was applied: checksum was ${oldSum}, file now ${newSum}`]);

    const refused = await up(p);
    expect(refused.ok).toBe(false);
    expect(refused.reason).toContain('1_create_users.sql changed after it was applied');
    expect(refused.reason).toContain('glidepath migrate repair');
    expect(refused.migrations).toEqual([expect.objectContaining({ file: '2_add_email.sql', status: 'skipped' })]);

    const repair = await withMigrator(p.config, session(p), (m) => m.repair());
    expect(repair.repaired).toEqual([expect.objectContaining({ file: '1_create_users.sql', oldChecksum: oldSum, newChecksum: newSum, repairedBy: expect.any(String) })]);
    const after = await status(p);
    expect(after.migrations[0]).toMatchObject({ state: 'applied', repairedBy: repair.repaired[0]?.repairedBy, repairedAt: expect.any(String) });
    expect((await up(p)).ok).toBe(true);
  });

  it('reports an applied migration whose file is gone, without stopping up', async () => {
    const p = await project(BASE);
    await up(p, { to: '2' });
    await p.remove('2_add_email.sql');
    await p.remove('2_add_email.down.sql');
    const report = await status(p);
    expect(report.migrations.find((m) => m.version === '2')).toMatchObject({ state: 'missing', file: null, name: 'add_email' });
    expect(report.problems).toEqual([expect.stringMatching(/^2_add_email\.sql was applied \(.+\) but its file is missing$/)]);
    const run = await up(p);
    expect(run.ok).toBe(true);
    expect(run.warnings).toHaveLength(1);
  });

  it('rolls back a migration that fails halfway: the table it created does not exist, later ones do not run', async () => {
    const p = await project({
      '1_create_users.sql': BASE['1_create_users.sql'],
      '2_half.sql': 'CREATE TABLE half_done (id integer);\nINSERT INTO users (id, name) VALUES (1, \'x\');\nSELECT * FROM no_such_table;',
      '3_after.sql': 'CREATE TABLE after_fail (id integer);',
    });
    const run = await up(p);
    expect(run.ok).toBe(false);
    expect(run.migrations.map((m) => m.status)).toEqual(['applied', 'failed', 'skipped']);
    expect(run.migrations[1]?.error).toMatch(/no_such_table/);
    expect(run.reason).toMatch(/^2_half\.sql failed: .*no_such_table.*; it was rolled back, so the database is as it was before it$/);
    expect(await tableExists(p, 'half_done')).toBe(false);
    expect(await tableExists(p, 'after_fail')).toBe(false);
    expect(Number((await withMigrationDatabase(p.config, p.dir, (db) => db.firstValue('SELECT count(*) FROM users'))).value)).toBe(0);
    expect((await status(p)).migrations.map((m) => m.state)).toEqual(['applied', 'pending', 'pending']);
  });

  it('runs a no-transaction file statement by statement: what ran before a failure stays, unrecorded', async () => {
    const p = await project({
      '1_no_tx.sql': '-- glidepath: no-transaction\nCREATE TABLE kept (id integer);\nSELECT * FROM no_such_table;\n',
    });
    const run = await up(p);
    expect(run.ok).toBe(false);
    expect(run.migrations[0]).toMatchObject({ status: 'failed', execution: 'non-transactional' });
    expect(run.reason).toContain('it ran without a transaction');
    expect(await tableExists(p, 'kept')).toBe(true);
    expect((await status(p)).migrations[0]?.state).toBe('pending');

    await p.write('1_no_tx.sql', '-- glidepath: no-transaction\nCREATE TABLE IF NOT EXISTS kept (id integer);\nCREATE TABLE also (id integer);\n');
    expect((await up(p)).ok).toBe(true);
    expect((await status(p)).migrations[0]).toMatchObject({ state: 'applied', execution: 'non-transactional', transactional: false });
  });

  it('reverts exactly one migration with its down file, or all above --to, and refuses without down files', async () => {
    const p = await project(BASE);
    await up(p);
    await expect(down(p)).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('10_seed_users.sql: no down file (10_seed_users.down.sql)') });
    expect((await status(p)).summary.applied).toBe(3);

    await p.write('10_seed_users.down.sql', 'DELETE FROM users WHERE id = 1;');
    const one = await down(p);
    expect(one.migrations.map((m) => [m.file, m.status])).toEqual([['10_seed_users.down.sql', 'reverted']]);
    expect((await status(p)).migrations.map((m) => m.state)).toEqual(['applied', 'applied', 'pending']);

    const declined = await down(p, { to: '0', confirm: async () => false });
    expect(declined).toMatchObject({ ok: false, reason: 'not confirmed; nothing was reverted' });
    expect((await status(p)).summary.applied).toBe(2);

    await expect(down(p, { to: '5' })).rejects.toMatchObject({ exitCode: 2 });
    const all = await down(p, { to: '0', confirm: async () => true });
    expect(all.migrations.map((m) => m.file)).toEqual(['2_add_email.down.sql', '1_create_users.down.sql']);
    expect(await tableExists(p, 'users')).toBe(false);
    expect((await down(p)).migrations).toEqual([]);
  });

  it('dry runs print the SQL and change nothing', async () => {
    const p = await project(BASE);
    const dry = await up(p, { dryRun: true });
    expect(dry).toMatchObject({ ok: true, dryRun: true });
    expect(dry.migrations.map((m) => m.status)).toEqual(['planned', 'planned', 'planned']);
    expect(dry.migrations[0]?.sql).toBe(`-- 1_create_users.sql\nBEGIN;\n${BASE['1_create_users.sql']}\n-- then: record version 1 in glidepath_migrations\nCOMMIT;\n`);
    expect(await tableExists(p, 'users')).toBe(false);
    expect(await tableExists(p, 'glidepath_migrations')).toBe(false);

    await up(p, { to: '2' });
    const dryDown = await down(p, { dryRun: true, to: '0' });
    expect(dryDown.migrations.map((m) => m.sql?.split('\n')[2])).toEqual(['ALTER TABLE users DROP COLUMN email;', 'DROP TABLE users;']);
    expect((await status(p)).summary.applied).toBe(2);
  });

  it('verifies sql equals/min/max and tableExists, reporting the value seen', async () => {
    const p = await project({ '1_seed_levels.sql': SEED_100_LEVELS });
    await up(p);
    const results = await withMigrationDatabase(p.config, p.dir, (db) =>
      runVerifyAssertions(db, [
        { sql: 'SELECT count(*) FROM user_levels', equals: 100 },
        { tableExists: 'user_levels' },
        { sql: 'SELECT max(level) FROM user_levels', min: 1, max: 100, name: 'top level' },
        { sql: 'SELECT count(*) FROM user_levels', equals: 99 },
        { tableExists: 'quests' },
        { sql: 'SELECT count(*) FROM quests', equals: 17 },
        { sql: 'SELECT level FROM user_levels WHERE level > 1000', equals: 1 },
        { sql: 'DELETE FROM user_levels', equals: 0 },
      ]),
    );
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['SELECT count(*) FROM user_levels', 'pass'],
      ['table user_levels', 'pass'],
      ['top level', 'pass'],
      ['SELECT count(*) FROM user_levels', 'fail'],
      ['table quests', 'fail'],
      ['SELECT count(*) FROM quests', 'fail'],
      ['SELECT level FROM user_levels WHERE level > 1000', 'fail'],
      ['DELETE FROM user_levels', 'fail'],
    ]);
    expect(Number(results[0]?.value)).toBe(100);
    expect(results[3]?.detail).toBe('SELECT count(*) FROM user_levels → 100, expected 99');
    expect(results[4]).toMatchObject({ value: false, detail: 'table quests does not exist' });
    expect(results[5]?.detail).toMatch(/quests/);
    expect(results[6]?.detail).toBe('SELECT level FROM user_levels WHERE level > 1000 → no rows, expected = 1');
    // An assertion that writes is refused, and writes nothing.
    expect(results[7]?.detail).toMatch(/^DELETE FROM user_levels → .*(read-only)/);
    const left = await withMigrationDatabase(p.config, p.dir, (db) => db.firstValue('SELECT count(*) FROM user_levels'));
    expect(Number(left.value)).toBe(100);
  });

  it('lets one runner hold the migration lock; another waits, then fails clearly', async () => {
    const p = await project({});
    const target = parseMigrationUrl(p.config.url, p.dir);
    const first = await openMigrationDatabase(target, p.config.table);
    const second = await openMigrationDatabase(target, p.config.table);
    try {
      await first.lock({ timeoutMs: 1_000 });
      const waited: string[] = [];
      const started = Date.now();
      const error = await second.lock({ timeoutMs: 400, onWait: (holder) => waited.push(holder) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationLockError);
      expect((error as MigrationLockError).exitCode).toBe(3);
      expect((error as Error).message).toMatch(/another runner is migrating .*; waited 400ms/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
      expect(waited).toHaveLength(1);
      await first.unlock();
      await second.lock({ timeoutMs: 1_000 });
      await second.unlock();
    } finally {
      await first.close();
      await second.close();
    }
  });
}
