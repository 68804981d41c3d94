import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresClusterMissing, startPostgresCluster, type PostgresCluster } from '../../testing/postgres-cluster.js';
import { runSql, tableChecksums } from '../../testing/postgres-data.js';
import { requirePrograms } from '../../testing/require-program.js';
import { runDriverContract } from '../backup.contract.js';
import { createPostgresDriver } from './index.js';

const missing = postgresClusterMissing() ?? requirePrograms('pgbench', 'pg_dump', 'pg_restore').missing;
const run = promisify(execFile);

describe.skipIf(missing)(`postgres driver${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let dir = '';
  let cluster: PostgresCluster;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glidepath-pg-backup-'));
    cluster = await startPostgresCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  // jobs: 2 takes the parallel path (pg_restore -j reads a temp file); the e2e suite takes the streamed one.
  runDriverContract('postgres', () => dir, async () => {
    const url = await cluster.createDatabase('app');
    await run(requirePrograms('pgbench').paths.pgbench as string, ['-i', '-s', '1', '-q', url], { timeout: 120_000 });
    let n = 0;
    return {
      source: { postgres: { url, jobs: 2 } },
      broken: { postgres: { url: `postgres://postgres@127.0.0.1:${cluster.port}/no_such_database` } },
      location: url,
      fingerprint: async (url: string) => JSON.stringify(await tableChecksums(url)),
      emptyTarget: () => cluster.createDatabase(`restored_${++n}`),
      mutate: () => runSql(url, 'DELETE FROM pgbench_accounts WHERE aid % 3 = 0; UPDATE pgbench_branches SET bbalance = bbalance + 1; CREATE TABLE extra (x int)'),
      restoreTo: await cluster.createDatabase('scratch'),
      cleanup: () => Promise.resolve(),
    };
  });

  it('leaves the target as it was when a streamed restore fails halfway (one transaction)', async () => {
    const source = await cluster.createDatabase('tx_source');
    await runSql(source, 'CREATE TABLE a (id int PRIMARY KEY, body text); INSERT INTO a SELECT i, repeat(md5(i::text), 20) FROM generate_series(1, 50000) i');
    const driver = createPostgresDriver({ url: source });
    const dump = await driver.dump({});
    const chunks: Buffer[] = [];
    for await (const chunk of dump.stream) chunks.push(chunk as Buffer);
    await dump.done;
    const whole = Buffer.concat(chunks);
    const target = await cluster.createDatabase('tx_target');
    await runSql(target, 'CREATE TABLE keep_me (x int); INSERT INTO keep_me VALUES (42)');
    const before = await tableChecksums(target);
    const { Readable } = await import('node:stream');
    // Cut in the middle of a's data: pg_restore fails after the wipe and part of the data went through.
    const truncated = whole.subarray(0, Math.floor(whole.length * 0.6));
    await expect(driver.restore(() => Promise.resolve(Readable.from([truncated])), target, {})).rejects.toThrow(/pg_restore failed/);
    expect(await tableChecksums(target)).toEqual(before);
    // The whole archive restores, and the target then holds exactly the source: keep_me is gone.
    await driver.restore(() => Promise.resolve(Readable.from([whole])), target, {});
    expect(await tableChecksums(target)).toEqual(await tableChecksums(source));
  });

  it('says which program is missing when pg_dump cannot be found', async () => {
    const { programPath } = await import('../program-path.js');
    expect(() => programPath('pg_dump_nonexistent', { PATH: '/nonexistent' })).toThrow(/pg_dump_nonexistent not found/);
  });
});
