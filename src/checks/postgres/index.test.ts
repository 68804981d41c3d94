import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresClusterMissing, startPostgresCluster, type PostgresCluster } from '../../testing/postgres-cluster.js';
import { runCheckContract } from '../check.contract.js';
import { createPostgresCheck, postgresCheckSchema } from './index.js';

const missing = postgresClusterMissing();
// The cluster trusts loopback, so any password gets in: enough to prove it never shows up in results.
const PASSWORD = 'pg-s3cret-pw';

describe.skipIf(missing)(`postgres check${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: PostgresCluster;
  let url: string;
  let label: string;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    const plain = await cluster.createDatabase('karma');
    url = plain.replace('postgres@', `postgres:${PASSWORD}@`);
    label = `postgres 127.0.0.1:${cluster.port}/karma`;
    const client = new pg.Client({ connectionString: plain });
    await client.connect();
    await client.query('CREATE TABLE user_levels (level int); INSERT INTO user_levels SELECT generate_series(1, 100)');
    await client.end();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const check = (config: Record<string, unknown> = {}) =>
    createPostgresCheck(postgresCheckSchema.parse({ url: '{db}', ...config }), { cwd: process.cwd(), variables: { db: url } });
  const run = (config?: Record<string, unknown>) => check(config).run({ signal: new AbortController().signal });

  it('passes on SELECT 1 and names host and database, not the password', async () => {
    const result = await run();
    expect(result.status).toBe('pass');
    expect(result.detail).toMatch(new RegExp(`^${label}: SELECT 1 → 1 in \\d+ms$`));
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
  });

  it('compares the first value as a number, and against min and max', async () => {
    const query = 'SELECT count(*) FROM user_levels';
    expect((await run({ query, equals: 100 })).status).toBe('pass');
    expect((await run({ query, min: 50, max: 100 })).status).toBe('pass');
    const result = await run({ query, equals: 99 });
    expect(result).toMatchObject({ status: 'fail', detail: `${label}: ${query} → 100, expected 99` });
    expect(result.data).toMatchObject({ rows: 1, value: '100' });
    expect((await run({ query, max: 10 })).detail).toBe(`${label}: ${query} → 100, expected at most 10`);
  });

  it('fails when an expected row is missing', async () => {
    const result = await run({ query: 'SELECT level FROM user_levels WHERE level > 1000', equals: 1 });
    expect(result.detail).toBe(`${label}: SELECT level FROM user_levels WHERE level > 1000 → no rows`);
  });

  it('fails with the server’s message for a bad query', async () => {
    const result = await run({ query: 'SELECT * FROM no_such_table' });
    expect(result).toMatchObject({ status: 'fail', detail: `${label}: relation "no_such_table" does not exist` });
  });

  it('fails for a missing database without showing the password', async () => {
    const result = await run({ url: url.replace('/karma', '/nope') });
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('database "nope" does not exist');
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
  });

  it('fails when nothing listens', async () => {
    const result = await run({ url: `postgres://app:${PASSWORD}@127.0.0.1:1/app` });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/^postgres 127\.0\.0\.1:1\/app: .*ECONNREFUSED/);
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
  });

  it('gives up on a long query when aborted', async () => {
    const controller = new AbortController();
    const pending = check({ query: 'SELECT pg_sleep(30)' }).run({ signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const started = performance.now();
    const result = await pending;
    expect(result.status).toBe('error');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('validates its configuration', () => {
    expect(postgresCheckSchema.safeParse({ url: 'postgres://x', min: 5, max: 1 }).success).toBe(false);
    expect(postgresCheckSchema.parse({ url: 'postgres://x' }).query).toBe('SELECT 1');
  });

  runCheckContract({
    name: 'postgres count',
    create: async () => ({ check: check({ query: 'SELECT count(*) FROM user_levels', equals: 100 }), expect: 'pass', secrets: [PASSWORD] }),
  });
  runCheckContract({
    name: 'postgres wrong count',
    create: async () => ({ check: check({ query: 'SELECT count(*) FROM user_levels', min: 101 }), expect: 'fail', secrets: [PASSWORD] }),
  });
});
