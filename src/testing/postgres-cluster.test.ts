import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresCluster, postgresClusterMissing, startPostgresCluster } from './postgres-cluster.js';

const missing = postgresClusterMissing();

describe.skipIf(missing)(`postgres cluster${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: PostgresCluster;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  async function queryOne(url: string, text: string): Promise<Record<string, unknown>> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(text)).rows[0] as Record<string, unknown>;
    } finally {
      await client.end();
    }
  }

  it('serves the postgres superuser on loopback with fsync off', async () => {
    expect(cluster.url).toBe(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`);
    const row = await queryOne(cluster.url, "SELECT current_user AS who, current_setting('fsync') AS fsync");
    expect(row).toEqual({ who: 'postgres', fsync: 'off' });
  });

  it('creates databases and rejects unsafe names', async () => {
    const url = await cluster.createDatabase('cluster_test');
    expect(await queryOne(url, 'SELECT current_database() AS db')).toEqual({ db: 'cluster_test' });
    await expect(cluster.createDatabase('x"; DROP')).rejects.toThrow(/invalid database name/);
  });

  it('stops and removes its files, twice without error', async () => {
    const second = await startPostgresCluster();
    expect(second.port).not.toBe(cluster.port);
    await second.stop();
    await second.stop();
    expect(existsSync(second.dataDir)).toBe(false);
    await expect(queryOne(second.url, 'SELECT 1')).rejects.toThrow();
  });
});
