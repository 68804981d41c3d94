import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresClusterMissing, startPostgresCluster, type PostgresCluster } from '../testing/postgres-cluster.js';
import { runMigrationContract } from './migration-database.contract.js';
import { MigrationLockError } from './migration-errors.js';
import { migrationLockKey } from './migration-database.js';
import { withMigrator } from './migration-session.js';
import { parseMigrationUrl } from './open-migration-database.js';

const missing = postgresClusterMissing();
let databases = 0;

describe.skipIf(missing)(`PostgreSQL migrations${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: PostgresCluster;
  const createUrl = () => cluster.createDatabase(`mig_${process.pid}_${++databases}`);

  beforeAll(async () => {
    cluster = await startPostgresCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  describe('contract', () => {
    runMigrationContract(createUrl);
  });

  const project = async (files: Record<string, string>, url?: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'glidepath-pgmig-'));
    await mkdir(join(dir, 'migrations'));
    for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, 'migrations', name), sql);
    const config = { url: url ?? (await createUrl()), dir: './migrations', table: 'glidepath_migrations', verify: [] };
    return { dir, config, remove: () => rm(dir, { recursive: true, force: true }) };
  };

  const query = async (url: string, text: string): Promise<unknown[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  };

  it('runs CREATE INDEX CONCURRENTLY from a no-transaction file, which a transactional file cannot', async () => {
    const p = await project({
      '1_table.sql': 'CREATE TABLE events (id serial PRIMARY KEY, at timestamptz);',
      '2_index.sql': '-- glidepath: no-transaction\nCREATE INDEX CONCURRENTLY events_at ON events (at);\nCREATE INDEX CONCURRENTLY events_id_at ON events (id, at);\n',
      '3_bad_index.sql': 'CREATE INDEX CONCURRENTLY events_bad ON events (id);',
    });
    try {
      const run = await withMigrator(p.config, { planDir: p.dir }, (m) => m.up());
      expect(run.migrations.map((m) => [m.file, m.status, m.execution])).toEqual([
        ['1_table.sql', 'applied', 'transactional'],
        ['2_index.sql', 'applied', 'non-transactional'],
        ['3_bad_index.sql', 'failed', 'transactional'],
      ]);
      expect(run.migrations[2]?.error).toMatch(/cannot run inside a transaction block/);
      const indexes = await query(p.config.url, "SELECT indexname FROM pg_indexes WHERE tablename = 'events' ORDER BY 1");
      expect(indexes).toEqual([{ indexname: 'events_at' }, { indexname: 'events_id_at' }, { indexname: 'events_pkey' }]);
    } finally {
      await p.remove();
    }
  });

  it('two concurrent runners never both apply: one waits for the advisory lock, then finds nothing to do', async () => {
    const p = await project({
      '1_slow.sql': 'CREATE TABLE slow (id integer); SELECT pg_sleep(1.5);',
      '2_next.sql': 'INSERT INTO slow VALUES (1);',
    });
    try {
      const waits: string[] = [];
      // The second runner starts once the first reports it is applying, so the first surely holds the lock.
      const runner = (name: string, lockTimeoutMs: number, onApplying?: () => void) =>
        withMigrator(
          p.config,
          {
            planDir: p.dir,
            lockTimeoutMs,
            onProgress: (line) => {
              if (line.startsWith('waiting')) waits.push(`${name}: ${line}`);
              if (line.startsWith('applying')) onApplying?.();
            },
          },
          (m) => m.up(),
        );
      const startSecond = (name: string, lockTimeoutMs: number) => {
        // Settled at once into a value, so a rejection is never left unhandled while the first runner works.
        let second: Promise<unknown> | undefined;
        const first = runner('first', 10_000, () => {
          second ??= runner(name, lockTimeoutMs).catch((error: unknown) => error);
        });
        return { first, second: () => second };
      };

      const ab = startSecond('b', 10_000);
      const a = await ab.first;
      const b = await ab.second();
      expect(a.migrations.map((m) => [m.file, m.status])).toEqual([['1_slow.sql', 'applied'], ['2_next.sql', 'applied']]);
      expect(b).toMatchObject({ ok: true, migrations: [] });
      expect(waits).toEqual([expect.stringMatching(/^b: waiting for the migration lock of .* \(held by pid \d+ glidepath migrate since .+\)/)]);
      expect(await query(p.config.url, 'SELECT count(*)::int AS n FROM slow')).toEqual([{ n: 1 }]);

      // A runner that will not wait long fails clearly, and changes nothing.
      await writeFile(join(p.dir, 'migrations', '3_slow_again.sql'), 'SELECT pg_sleep(1.5);');
      const cd = startSecond('d', 200);
      const c = await cd.first;
      const d = await cd.second();
      expect(c).toMatchObject({ ok: true, migrations: [expect.objectContaining({ file: '3_slow_again.sql', status: 'applied' })] });
      expect(d).toBeInstanceOf(MigrationLockError);
      expect((d as Error).message).toMatch(/another runner is migrating postgres:\/\/.*\(glidepath_migrations; lock held by pid \d+/);
    } finally {
      await p.remove();
    }
  });

  it('uses a lock key per table, and never shows a password', async () => {
    expect(migrationLockKey('glidepath_migrations')).not.toBe(migrationLockKey('other_migrations'));
    expect(migrationLockKey('glidepath_migrations')).toBeGreaterThan(0n);
    const url = (await createUrl()).replace('postgres@', 'postgres:pw-s3cret@');
    const p = await project({ '1_a.sql': 'CREATE TABLE a (id integer);' }, url);
    try {
      const run = await withMigrator(p.config, { planDir: p.dir }, (m) => m.up());
      expect(run.database).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/mig_/);
      expect(JSON.stringify(run)).not.toContain('pw-s3cret');
    } finally {
      await p.remove();
    }
  });

  it('says the database is unreachable (exit 3) without the password', async () => {
    const url = `postgres://postgres:pw-s3cret@127.0.0.1:${cluster.port + 1}/none`;
    const p = await project({}, url);
    try {
      const error = await withMigrator(p.config, { planDir: p.dir }, (m) => m.status()).catch((e: unknown) => e);
      expect(error).toMatchObject({ exitCode: 3, code: 'unavailable' });
      expect((error as Error).message).toContain('connect to postgres://postgres:***@127.0.0.1');
      expect(JSON.stringify(error) + String(error) + String((error as Error).cause)).not.toContain('pw-s3cret');
      expect(parseMigrationUrl(url, '/').label).not.toContain('pw-s3cret');
    } finally {
      await p.remove();
    }
  });
});
