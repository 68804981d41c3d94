/** Secrets in a plan (passwords in URLs, tokens in headers, values from the environment) never reach stdout, stderr or the store. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresClusterMissing, startPostgresCluster, type PostgresCluster } from '../../src/testing/postgres-cluster.js';
import { redisServerMissing, startRedisServer, type RedisServer } from '../../src/testing/redis-server.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type CliRun, type Project } from './helpers.js';
import { startHttpPeer, type HttpPeer } from './peers.js';

const SECRET = 's3cr3t-pw';
const redisMissing = redisServerMissing();
const postgresMissing = postgresClusterMissing();

function expectNoSecret(run: CliRun, what: string): void {
  expect(run.stdout, `${what}: stdout`).not.toContain(SECRET);
  expect(run.stderr, `${what}: stderr`).not.toContain(SECRET);
}

/** Every byte glidepath wrote under .glidepath/ (the SQLite store and its journal files). */
async function storeBytes(project: Project): Promise<string> {
  const dir = join(project.dir, '.glidepath');
  const names = await readdir(dir).catch(() => [] as string[]);
  const contents = await Promise.all(names.map((name) => readFile(join(dir, name)).then((b) => b.toString('latin1'))));
  return contents.join('\n');
}

describe('secrets stay out of output (real CLI)', () => {
  let project: Project;
  let http: HttpPeer;
  let closed: number;

  beforeAll(async () => {
    await ensureBuilt();
    http = await startHttpPeer();
    closed = await closedPort();
    project = await makeProject();
    await project.write(
      'glidepath.yaml',
      `version: 1
service: e2e-secrets
checks:
  db: { postgres: { url: "postgres://postgres:${SECRET}@127.0.0.1:1/x" } }
  api: { http: { url: "${http.url}/private?token=${SECRET}", headers: { Authorization: "Bearer ${SECRET}" }, status: 200 } }
  down: { http: { url: "http://127.0.0.1:${closed}/health?token=${SECRET}" } }
  cache: { redis: { url: "redis://:${SECRET}@127.0.0.1:${closed}" } }
preflight:
  - check: db
  - check: api
`,
    );
    await project.write('store.yaml', `version: 1\nservice: e2e-secrets\nstore: postgres://postgres:${SECRET}@127.0.0.1:1/x\n`);
    await project.write(
      'invalid.yaml',
      `version: 1
service: e2e-secrets
checks:
  db: { postgres: { url: "postgres://postgres:${SECRET}@127.0.0.1:1/x", bogus: 1 } }
  cert: { tls: { host: "127.0.0.1", minDaysLeft: "\${GP_E2E_SECRET}" } }
  other: { postgres: { url: "\${GP_E2E_UNSET}" } }
`,
    );
  });

  afterAll(async () => {
    await http?.stop();
    await project?.remove();
  });

  it('validate prints neither the password nor any other secret', async () => {
    for (const args of [['validate'], ['validate', '--json'], ['--verbose', 'validate']]) {
      const run = await runCli(args, { cwd: project.dir });
      expect(run.code).toBe(0);
      expectNoSecret(run, args.join(' '));
    }
  });

  it('check (human, --json, --verbose) fails without showing the password, the token or the header', async () => {
    for (const args of [['check'], ['check', '--json'], ['--verbose', 'check']]) {
      const run = await runCli(args, { cwd: project.dir });
      expect(run.code, run.stderr).toBe(1);
      expectNoSecret(run, args.join(' '));
    }
    // The failures are still explained: where, and why.
    const json = parseOneJson((await runCli(['check', '--json'], { cwd: project.dir })).stdout) as { checks: { name: string; detail: string }[] };
    const detail = new Map(json.checks.map((c) => [c.name, c.detail]));
    expect(detail.get('db')).toMatch(/127\.0\.0\.1:1/);
    expect(detail.get('api')).toMatch(/expected status 200, got 401/);
    expect(detail.get('down')).toMatch(new RegExp(`127\\.0\\.0\\.1:${closed}`));
  });

  it('preflight (human, --json --verbose) does not show it either', async () => {
    for (const args of [['preflight'], ['--json', '--verbose', 'preflight']]) {
      const run = await runCli(args, { cwd: project.dir });
      expect(run.code).toBe(1);
      expectNoSecret(run, args.join(' '));
    }
  });

  it('nothing recorded in the store holds it', async () => {
    const bytes = await storeBytes(project);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes).toContain('e2e-secrets');
    expect(bytes).not.toContain(SECRET);
  });

  it('an unreachable store with a password in its URL: exit 3, password masked (also with --verbose and --json)', async () => {
    for (const args of [['-f', 'store.yaml', 'check'], ['-f', 'store.yaml', '--verbose', 'check'], ['-f', 'store.yaml', '--json', 'preflight']]) {
      const run = await runCli(args, { cwd: project.dir });
      expect(run.code, run.stderr).toBe(3);
      expectNoSecret(run, args.join(' '));
      expect(run.stderr).toMatch(/open store postgres:\/\/postgres:\*+@127\.0\.0\.1:1\/x/);
    }
  });

  it('an invalid plan names the problems without echoing secrets, whether written in the plan or taken from the environment', async () => {
    const run = await runCli(['-f', 'invalid.yaml', '--json', 'validate'], { cwd: project.dir, env: { GP_E2E_SECRET: SECRET } });
    expect(run.code).toBe(2);
    expectNoSecret(run, 'validate invalid.yaml');
    const doc = parseOneJson(run.stdout) as { error: { issues: { path: string; message: string }[] } };
    const byPath = new Map(doc.error.issues.map((issue) => [issue.path, issue.message]));
    expect(byPath.get('checks.db.postgres.bogus')).toMatch(/unknown key "bogus"/);
    expect(byPath.get('checks.cert.tls.minDaysLeft')).toMatch(/\$\{GP_E2E_SECRET\}/);
    expect(byPath.get('checks.other.postgres.url')).toMatch(/GP_E2E_UNSET is not set/);
  });
});

describe.skipIf(redisMissing)(`secrets against a real Redis with a password${redisMissing ? ` (skipped: ${redisMissing})` : ''}`, () => {
  let project: Project;
  let redis: RedisServer;

  beforeAll(async () => {
    await ensureBuilt();
    redis = await startRedisServer({ password: SECRET });
    project = await makeProject();
    await project.write(
      'glidepath.yaml',
      `version: 1
service: e2e-redis-secret
checks:
  right: { redis: { url: "redis://:${SECRET}@127.0.0.1:${redis.port}" } }
  wrong: { redis: { url: "redis://:not-${SECRET}@127.0.0.1:${redis.port}" } }
`,
    );
  });

  afterAll(async () => {
    await redis?.stop();
    await project?.remove();
  });

  it('the right password passes, the wrong one fails, and neither is printed', async () => {
    const run = await runCli(['check', '--json'], { cwd: project.dir });
    expect(run.code).toBe(1);
    expectNoSecret(run, 'check --json');
    const report = parseOneJson(run.stdout) as { checks: { name: string; status: string }[] };
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['right', 'pass'],
      ['wrong', expect.stringMatching(/^(fail|error)$/)],
    ]);
    expect(await storeBytes(project)).not.toContain(SECRET);
  });
});

describe.skipIf(postgresMissing)(`secrets against a real PostgreSQL${postgresMissing ? ` (skipped: ${postgresMissing})` : ''}`, () => {
  let project: Project;
  let cluster: PostgresCluster;

  beforeAll(async () => {
    await ensureBuilt();
    cluster = await startPostgresCluster();
    project = await makeProject();
    // The test cluster trusts loopback, so any password connects; the point is that it is never shown.
    const url = `postgres://postgres:${SECRET}@127.0.0.1:${cluster.port}/postgres`;
    await project.write(
      'glidepath.yaml',
      `version: 1
service: e2e-pg-secret
checks:
  up: { postgres: { url: "${url}" } }
  count: { postgres: { url: "${url}", query: "SELECT 1", equals: 2 } }
  broken: { postgres: { url: "${url}", query: "SELEC 1" } }
`,
    );
  });

  afterAll(async () => {
    await cluster?.stop();
    await project?.remove();
  });

  it('passing, failing and erroring queries never print the password', async () => {
    for (const args of [['check'], ['check', '--json'], ['--verbose', 'check']]) {
      const run = await runCli(args, { cwd: project.dir });
      expect(run.code).toBe(1);
      expectNoSecret(run, args.join(' '));
    }
    const report = parseOneJson((await runCli(['check', '--json'], { cwd: project.dir })).stdout) as { checks: { name: string; status: string }[] };
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['up', 'pass'],
      ['count', 'fail'],
      ['broken', expect.stringMatching(/^(fail|error)$/)],
    ]);
    expect(await storeBytes(project)).not.toContain(SECRET);
  });
});
