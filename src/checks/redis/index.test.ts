import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerMissing, startRedisServer, type RedisServer } from '../../testing/redis-server.js';
import { runCheckContract } from '../check.contract.js';
import { createRedisCheck, redisCheckSchema } from './index.js';

const missing = redisServerMissing();
const PASSWORD = 'r3dis-secret-pw';

describe.skipIf(missing)(`redis check${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: RedisServer;
  let url: string;

  beforeAll(async () => {
    server = await startRedisServer({ password: PASSWORD });
    url = `redis://:${PASSWORD}@127.0.0.1:${server.port}`;
    const client = createClient({ url });
    await client.connect();
    await client.set('release:version', '1.4.2');
    await client.hSet('a-hash', 'field', 'x');
    client.destroy();
  });

  afterAll(async () => {
    await server?.stop();
  });

  const check = (config: Record<string, unknown>) =>
    createRedisCheck(redisCheckSchema.parse({ url, ...config }), { cwd: process.cwd(), variables: {} });
  const run = (config: Record<string, unknown> = {}) => check(config).run({ signal: new AbortController().signal });

  it('passes on PONG', async () => {
    const result = await run();
    expect(result.status).toBe('pass');
    expect(result.detail).toMatch(new RegExp(`^redis 127\\.0\\.0\\.1:${server.port} PONG in \\d+ms$`));
  });

  it('checks that a key exists, or holds a value', async () => {
    expect((await run({ key: 'release:version' })).detail).toBe(`redis 127.0.0.1:${server.port}: key "release:version" exists`);
    expect((await run({ key: 'release:version', equals: '1.4.2' })).status).toBe('pass');
    expect((await run({ key: 'nope', exists: false })).status).toBe('pass');
    const missingKey = await run({ key: 'nope' });
    expect(missingKey).toMatchObject({ status: 'fail', detail: `redis 127.0.0.1:${server.port}: key "nope" does not exist, expected it to exist` });
    const wrong = await run({ key: 'release:version', equals: '1.5.0' });
    expect(wrong.detail).toBe(`redis 127.0.0.1:${server.port}: key "release:version" is "1.4.2", expected "1.5.0"`);
  });

  it('fails on a key of the wrong type, with the server’s reason', async () => {
    const result = await run({ key: 'a-hash', equals: 'x' });
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('WRONGTYPE');
  });

  it('fails on a wrong password without showing either password', async () => {
    const result = await run({ url: `redis://:wrong-pw-1234@127.0.0.1:${server.port}` });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/WRONGPASS|invalid/i);
    expect(JSON.stringify(result)).not.toContain('wrong-pw-1234');
  });

  it('fails when nothing listens', async () => {
    const result = await run({ url: 'redis://127.0.0.1:1' });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/^redis 127\.0\.0\.1:1: .*ECONNREFUSED/);
  });

  it('rejects exists/equals without key', () => {
    expect(redisCheckSchema.safeParse({ url: 'redis://x', equals: 'a' }).success).toBe(false);
  });

  runCheckContract({
    name: 'redis key',
    create: async () => ({ check: check({ key: 'release:version', equals: '1.4.2' }), expect: 'pass', secrets: [PASSWORD] }),
  });
  runCheckContract({
    name: 'redis missing key',
    create: async () => ({ check: check({ key: 'nope' }), expect: 'fail', secrets: [PASSWORD] }),
  });
});
