/** `glidepath check [NAME…]` through the real CLI against real peers on loopback, with results read back from the store. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResultRecord, Store } from '../../src/store/index.js';
import { postgresClusterMissing, startPostgresCluster, type PostgresCluster } from '../../src/testing/postgres-cluster.js';
import { redisServerMissing, startRedisServer, type RedisServer } from '../../src/testing/redis-server.js';
import { createSelfSignedCertificate, opensslMissing, startTlsServer, type TlsServer } from '../../src/testing/tls-server.js';
import { closedPort, ensureBuilt, linesOf, makeProject, missingReason, parseOneJson, runCli, type CliRun, type Project } from './helpers.js';
import { SERVICE_TOKEN, startHttpPeer, type HttpPeer } from './peers.js';

// Each peer that needs a program is optional here (skipped with its reason) unless GLIDEPATH_REQUIRE_ALL=1,
// where these calls throw and the file fails instead.
const redisMissing = redisServerMissing();
const postgresMissing = postgresClusterMissing();
const tlsMissing = opensslMissing();
const anyMissing = missingReason(redisMissing, postgresMissing, tlsMissing);

const SERVICE = 'e2e-checks';
const TABLE_HEADER = /^NAME\s+KIND\s+VERDICT\s+LATENCY\s+MESSAGE$/;
const TABLE_ROW = /^(\S+)\s+(\S+)\s+(✔ pass|✘ fail|! error)\s+(\d+(?:\.\d+)?(?:ms|s|m))\s*(.*)$/;

interface CheckJson {
  name: string;
  kind: string;
  status: string;
  detail: string;
  durationMs: number;
}
interface CheckReport {
  service: string;
  passed: boolean;
  checks: CheckJson[];
}

interface TableRow {
  name: string;
  kind: string;
  verdict: string;
  latency: string;
  message: string;
}

function parseTable(stdout: string): TableRow[] {
  const [header, ...rows] = linesOf(stdout);
  expect(header).toMatch(TABLE_HEADER);
  return rows.map((row) => {
    const match = TABLE_ROW.exec(row);
    if (!match) throw new Error(`not a table row: ${JSON.stringify(row)}\n${stdout}`);
    return { name: match[1]!, kind: match[2]!, verdict: match[3]!, latency: match[4]!, message: match[5]! };
  });
}

describe('glidepath check (real CLI, real peers)', () => {
  let project: Project;
  let http: HttpPeer;
  let redis: RedisServer | undefined;
  let postgres: PostgresCluster | undefined;
  let tls: TlsServer | undefined;
  let closed: number;
  /** name → kind of every check in the all-pass plan, in plan order. */
  const passing: [string, string][] = [];

  async function withStore<T>(use: (store: Store) => Promise<T>): Promise<T> {
    const store = await project.openStore();
    try {
      return await use(store);
    } finally {
      await store.close();
    }
  }
  const recorded = (name?: string): Promise<CheckResultRecord[]> =>
    withStore((store) => store.checks.listRecent({ service: SERVICE, name, limit: 1000 }));

  const check = (args: string[], plan = 'glidepath.yaml'): Promise<CliRun> => runCli(['-f', plan, 'check', '--url', http.url, ...args], { cwd: project.dir });

  beforeAll(async () => {
    await ensureBuilt();
    project = await makeProject();
    // Started one by one and kept as they come, so afterAll stops whatever did start.
    http = await startHttpPeer();
    closed = await closedPort();
    const starting: Promise<unknown>[] = [];
    if (!redisMissing) starting.push(startRedisServer().then((server) => (redis = server)));
    if (!postgresMissing) starting.push(startPostgresCluster().then((cluster) => (postgres = cluster)));
    if (!tlsMissing) {
      starting.push(
        createSelfSignedCertificate({ days: 90 })
          .then((pair) => startTlsServer(pair))
          .then((server) => (tls = server)),
      );
    }
    const outcomes = await Promise.allSettled(starting);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;

    const checks: [string, string, string][] = [
      ['health', 'http', `{ http: { url: "{url}/health", status: 200, bodyContains: '"ok"', json: { "$.status": ok }, maxLatency: 5s } }`],
      ['auth-required', 'http', `{ http: { url: "{url}/private", status: 401 } }`],
      ['auth-ok', 'http', `{ http: { url: "{url}/private", headers: { Authorization: "Bearer ${SERVICE_TOKEN}" }, status: 200, bodyContains: secret } }`],
      ['security-headers', 'http', `{ http: { url: "{url}/health", responseHeaders: { X-Frame-Options: DENY, Access-Control-Allow-Origin: "*", X-Powered-By: false } } }`],
      ['web-port', 'tcp', `{ tcp: { host: 127.0.0.1, port: ${http.port} } }`],
    ];
    if (redis) checks.push(['cache', 'redis', `{ redis: { url: "${redis.url}" } }`]);
    if (postgres) checks.push(['db', 'postgres', `{ postgres: { url: "${postgres.url}", query: "SELECT 41 + 1", equals: 42 } }`]);
    if (tls) checks.push(['cert', 'tls', `{ tls: { host: 127.0.0.1, port: ${tls.port}, allowSelfSigned: true, minDaysLeft: 14 }, timeout: 10s }`]);
    passing.push(...checks.map(([name, kind]) => [name, kind] as [string, string]));
    const checksYaml = checks.map(([name, , yaml]) => `  ${name}: ${yaml}`).join('\n');
    await project.write('glidepath.yaml', `version: 1\nservice: ${SERVICE}\nchecks:\n${checksYaml}\n`);
    await project.write(
      'failing.yaml',
      `version: 1\nservice: ${SERVICE}\nchecks:\n${checksYaml}\n` +
        `  closed-port: { tcp: { host: 127.0.0.1, port: ${closed} } }\n` +
        `  auth-missing: { http: { url: "{url}/private", status: 200 } }\n`,
    );
    await project.write(
      'down-store.yaml',
      `version: 1\nservice: ${SERVICE}\nstore: postgres://postgres@127.0.0.1:1/x\nchecks:\n  health: { http: { url: "{url}/health" } }\n`,
    );
  });

  afterAll(async () => {
    await Promise.allSettled([http?.stop(), redis?.stop(), postgres?.stop(), tls?.stop()]);
    await project?.remove();
  });

  it(`all checks pass: exit 0, the table NAME KIND VERDICT LATENCY MESSAGE on stdout${anyMissing ? ` (some peers skipped: ${anyMissing})` : ''}`, async () => {
    const run = await check([]);
    expect(run.code, run.stderr).toBe(0);
    const rows = parseTable(run.stdout);
    expect(rows.map((r) => [r.name, r.kind])).toEqual(passing);
    for (const row of rows) expect(row.verdict, `${row.name}: ${row.message}`).toBe('✔ pass');
    expect(run.stderr).toBe('');
  });

  it('records every result in the SQLite store next to the plan', async () => {
    const before = await recorded();
    const run = await check([]);
    expect(run.code).toBe(0);
    expect(existsSync(project.storeFile())).toBe(true);
    const after = await recorded();
    const fresh = after.filter((row) => !before.some((old) => old.id === row.id));
    expect(fresh.map((row) => row.name).sort()).toEqual(passing.map(([name]) => name).sort());
    for (const row of fresh) {
      const kind = passing.find(([name]) => name === row.name)?.[1];
      expect(row).toMatchObject({ service: SERVICE, kind, status: 'pass', context: 'check', releaseId: null });
      expect(row.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(row.at)).not.toBeNaN();
    }
  });

  it('--json prints one document {service, passed, checks:[{name,kind,status,detail,durationMs}]}', async () => {
    const run = await check(['--json']);
    expect(run.code).toBe(0);
    const report = parseOneJson(run.stdout) as CheckReport;
    expect(report).toMatchObject({ service: SERVICE, passed: true });
    expect(report.checks.map((c) => [c.name, c.kind])).toEqual(passing);
    for (const c of report.checks) {
      expect(c).toMatchObject({ status: 'pass', detail: expect.any(String), durationMs: expect.any(Number) });
      expect(c.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(run.stderr).toBe('');
  });

  it('check NAME runs only that check (one request reaches the peer, one row is recorded)', async () => {
    const requestsBefore = http.requests.length;
    const rowsBefore = (await recorded()).length;
    const run = await check(['health', '--json']);
    expect(run.code).toBe(0);
    const report = parseOneJson(run.stdout) as CheckReport;
    expect(report.checks.map((c) => c.name)).toEqual(['health']);
    expect(http.requests.slice(requestsBefore)).toEqual(['GET /health']);
    const rows = await recorded();
    expect(rows).toHaveLength(rowsBefore + 1);
    expect(rows[0]).toMatchObject({ name: 'health', kind: 'http', status: 'pass' });
  });

  it('check NAME NAME runs those, in the order asked, and prints only their rows', async () => {
    const run = await check(['web-port', 'auth-required']);
    expect(run.code).toBe(0);
    expect(parseTable(run.stdout).map((r) => r.name)).toEqual(['web-port', 'auth-required']);
  });

  it('an unknown check name is bad input: exit 2, names the known ones, runs and records nothing', async () => {
    const requestsBefore = http.requests.length;
    const rowsBefore = (await recorded()).length;
    const run = await check(['health', 'nosuch']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: .*"nosuch".*health/m);
    expect(http.requests.length).toBe(requestsBefore);
    expect(await recorded()).toHaveLength(rowsBefore);

    const json = await check(['nosuch', '--json']);
    expect(json.code).toBe(2);
    expect(parseOneJson(json.stdout)).toEqual({ error: { code: 'usage', message: expect.stringContaining('nosuch') } });
  });

  it('one failing check makes exit 1: a closed port and a 401 where 200 was expected fail, the rest pass', async () => {
    const run = await check([], 'failing.yaml');
    expect(run.code).toBe(1);
    const rows = parseTable(run.stdout);
    expect(rows.map((r) => r.name)).toEqual([...passing.map(([name]) => name), 'closed-port', 'auth-missing']);
    const byName = new Map(rows.map((r) => [r.name, r]));
    expect(byName.get('closed-port')).toMatchObject({ kind: 'tcp', verdict: expect.stringMatching(/✘ fail|! error/) });
    expect(byName.get('closed-port')?.message).toMatch(new RegExp(`${closed}.*refused`));
    expect(byName.get('auth-missing')).toMatchObject({ kind: 'http', verdict: '✘ fail' });
    expect(byName.get('auth-missing')?.message).toMatch(/expected status 200, got 401/);
    for (const [name] of passing) expect(byName.get(name)?.verdict).toBe('✔ pass');

    const failed = await recorded('closed-port');
    expect(failed[0]).toMatchObject({ kind: 'tcp', status: expect.stringMatching(/^(fail|error)$/), context: 'check' });
  });

  it('one failing check with --json: passed false, the failing entries say why', async () => {
    const run = await check(['closed-port', 'health', '--json'], 'failing.yaml');
    expect(run.code).toBe(1);
    const report = parseOneJson(run.stdout) as CheckReport;
    expect(report).toMatchObject({ service: SERVICE, passed: false });
    expect(report.checks).toEqual([
      expect.objectContaining({ name: 'closed-port', kind: 'tcp', status: expect.stringMatching(/^(fail|error)$/), detail: expect.stringContaining('refused') }),
      expect.objectContaining({ name: 'health', kind: 'http', status: 'pass' }),
    ]);
  });

  it('a store that cannot be reached is exit 3, checks are not run, and --json gives one error document', async () => {
    const requestsBefore = http.requests.length;
    const run = await check([], 'down-store.yaml');
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: open store postgres:\/\/postgres@127\.0\.0\.1:1\/x/m);

    const json = await check(['--json'], 'down-store.yaml');
    expect(json.code).toBe(3);
    expect(parseOneJson(json.stdout)).toEqual({ error: { code: 'unavailable', message: expect.stringContaining('open store') } });
    expect(http.requests.length).toBe(requestsBefore);
  });

  it.skipIf(redisMissing)(`the redis check fails once its server is gone${redisMissing ? ` (skipped: ${redisMissing})` : ''}`, async () => {
    // Runs last among the redis tests: stops the real server and expects the same check to turn red.
    const server = redis!;
    await server.stop();
    const run = await check(['cache', '--json']);
    expect(run.code).toBe(1);
    const report = parseOneJson(run.stdout) as CheckReport;
    expect(report.checks[0]).toMatchObject({ name: 'cache', kind: 'redis', status: expect.stringMatching(/^(fail|error)$/) });
    expect(report.checks[0]!.detail).toMatch(new RegExp(`127\\.0\\.0\\.1:${server.port}`));
  });
});

describe('glidepath check without checks', () => {
  let project: Project;

  beforeAll(async () => {
    await ensureBuilt();
    project = await makeProject({ 'glidepath.yaml': 'version: 1\nservice: e2e-empty\n' });
  });
  afterAll(async () => {
    await project?.remove();
  });

  it('says so and exits 0; --json gives an empty list', async () => {
    const run = await runCli(['check'], { cwd: project.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/no checks/);
    const json = await runCli(['check', '--json'], { cwd: project.dir });
    expect(json.code).toBe(0);
    expect(parseOneJson(json.stdout)).toEqual({ service: 'e2e-empty', passed: true, checks: [] });
    expect(existsSync(join(project.dir, '.glidepath', 'state.db'))).toBe(true);
  });
});
