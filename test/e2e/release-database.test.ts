import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresClusterMissing, startPostgresCluster, type PostgresCluster } from '../../src/testing/postgres-cluster.js';
import { TEST_SERVICE_SCRIPT } from '../../src/testing/test-service.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

const missing = postgresClusterMissing();

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

const tableExists = async (url: string, table: string) =>
  (await query(url, `SELECT to_regclass('public.${table}') IS NOT NULL AS present`))[0]?.present === true;

describe.skipIf(missing)('a release that migrates: backup first, a failed migration stops it, rollback offers the data back', () => {
  let cluster: PostgresCluster;
  let project: Project;
  let database: string;

  beforeAll(async () => {
    await ensureBuilt();
    cluster = await startPostgresCluster();
    database = await cluster.createDatabase('shop');
    const [daemonPort, proxyPort] = [await closedPort(), await closedPort()];
    project = await makeProject({
      'glidepath.yaml': `version: 1
service: shop
daemon: { listen: "127.0.0.1:${daemonPort}" }
target:
  type: process
  listen: "127.0.0.1:${proxyPort}"
  start: ${JSON.stringify(`${JSON.stringify(process.execPath)} ${JSON.stringify(TEST_SERVICE_SCRIPT)} --version {version}`)}
  ready: { path: /health, timeout: 20s, interval: 100ms }
  drain: 1s
checks:
  health: { http: { url: "{url}/health", status: 200 } }
backup:
  sources: [ { name: main-db, postgres: { url: "${database}" } } ]
  store: { dir: ./backups }
  before: [migrate]
migrations:
  url: "${database}"
  dir: ./migrations
  verify:
    - { tableExists: items }
verify:
  - check: health
`,
    });
    mkdirSync(join(project.dir, 'migrations'));
    writeFileSync(join(project.dir, 'migrations', '001_items.sql'), "CREATE TABLE items (id int PRIMARY KEY, name text);\nINSERT INTO items VALUES (1, 'one'), (2, 'two');\n");
  });

  afterAll(async () => {
    if (project) {
      await runCli(['down'], { cwd: project.dir });
      await project.remove();
    }
    await cluster?.stop();
  });

  it('backs up, migrates and verifies before the first version serves', async () => {
    const run = await runCli(['deploy', 'v1', '--json'], { cwd: project.dir, timeoutMs: 90_000 });
    expect(run.code).toBe(0);
    const release = parseOneJson(run.stdout) as { status: string; steps: { kind: string; status: string; detail: Record<string, unknown> }[] };
    expect(release.status).toBe('succeeded');
    const backup = release.steps.find((s) => s.kind === 'backup');
    expect(backup?.status).toBe('succeeded');
    expect((backup?.detail.artifacts as { source: string }[])[0]?.source).toBe('main-db');
    expect(release.steps.find((s) => s.kind === 'migrate')).toMatchObject({ status: 'succeeded', detail: { applied: [expect.objectContaining({ version: '001', status: 'applied' })] } });
    expect(await query(database, 'SELECT count(*)::int AS n FROM items')).toEqual([{ n: 2 }]);
  });

  it('a migration failing halfway leaves the schema as it was and stops the release, naming the backup', async () => {
    writeFileSync(join(project.dir, 'migrations', '002_half.sql'), 'CREATE TABLE half_done (id int);\nSELECT 1 / 0;\n');
    const run = await runCli(['deploy', 'v2', '--json'], { cwd: project.dir, timeoutMs: 90_000 });
    expect(run.code).toBe(1);
    const release = parseOneJson(run.stdout) as { id: string; status: string; reason: string; steps: { kind: string; status: string }[] };
    expect(release.status).toBe('failed');
    expect(release.reason).toMatch(/^migrate failed: .*002_half/);
    expect(release.steps.map((s) => s.kind)).not.toContain('start');
    expect(await tableExists(database, 'half_done')).toBe(false);
    const status = parseOneJson((await runCli(['status', '--json'], { cwd: project.dir })).stdout);
    expect(status).toMatchObject({ stable: { version: 'v1', weight: 100 }, canary: null });
    const report = parseOneJson((await runCli(['report', release.id, '--format', 'json'], { cwd: project.dir })).stdout) as { problems: string[]; gates: { gate: string; evidence: Record<string, unknown> }[] };
    const artifacts = report.gates.find((g) => g.gate === 'backup')?.evidence.artifacts as { id: string }[];
    expect(artifacts[0]?.id).toMatch(/^bkp_/);
    expect(report.problems.join(' ')).toContain('002_half');
  });

  it('after a release that migrated, rollback --restore-data brings the data from before back', async () => {
    writeFileSync(join(project.dir, 'migrations', '002_half.sql'), 'ALTER TABLE items ADD COLUMN price int;\nUPDATE items SET price = 10;\n');
    const deploy = await runCli(['deploy', 'v2', '--json'], { cwd: project.dir, timeoutMs: 90_000 });
    expect(deploy.code).toBe(0);
    expect(await query(database, 'SELECT price FROM items ORDER BY id')).toEqual([{ price: 10 }, { price: 10 }]);
    const rollback = await runCli(['rollback', '--restore-data', '--yes', '--json'], { cwd: project.dir, timeoutMs: 120_000 });
    expect(rollback.code).toBe(0);
    const result = parseOneJson(rollback.stdout) as { version: string; status: string; data: { restored: boolean; restores: { safetyBackup: string | null }[] } };
    expect(result).toMatchObject({ version: 'v1', status: 'succeeded', data: { restored: true } });
    expect(result.data.restores[0]?.safetyBackup).toMatch(/^bkp_/);
    const columns = await query(database, "SELECT column_name FROM information_schema.columns WHERE table_name = 'items' ORDER BY column_name");
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'name']);
    expect(await query(database, 'SELECT count(*)::int AS n FROM items')).toEqual([{ n: 2 }]);
  });
});

describe.skipIf(missing)('rollback --restore-data right after a release that migrated was rolled back by analysis', () => {
  let cluster: PostgresCluster;
  let project: Project;
  let database: string;
  const cli = (args: string[], timeoutMs = 90_000) => runCli(args, { cwd: project.dir, timeoutMs });
  const columns = async () =>
    (await query(database, "SELECT column_name FROM information_schema.columns WHERE table_name = 'items' ORDER BY column_name")).map((c) => c.column_name);

  beforeAll(async () => {
    await ensureBuilt();
    cluster = await startPostgresCluster();
    database = await cluster.createDatabase('shop');
    const [daemonPort, proxyPort] = [await closedPort(), await closedPort()];
    project = await makeProject({
      'glidepath.yaml': `version: 1
service: shop-auto
daemon: { listen: "127.0.0.1:${daemonPort}" }
target:
  type: process
  listen: "127.0.0.1:${proxyPort}"
  start: ${JSON.stringify(`${JSON.stringify(process.execPath)} ${JSON.stringify(TEST_SERVICE_SCRIPT)} --version {version}`)}
  cwd: ./releases/{version}
  ready: { path: /health, timeout: 20s, interval: 100ms }
  drain: 1s
checks:
  answers: { http: { url: "{url}/", status: 200 } }
backup:
  sources: [ { name: main-db, postgres: { url: "${database}" } } ]
  store: { dir: ./backups }
  before: [migrate]
migrations:
  url: "${database}"
  dir: ./migrations
strategy:
  canary:
    steps: [ { weight: 50 }, { pause: 3s } ]
analysis:
  interval: 500ms
  metrics:
    - { name: answers, check: answers, failureLimit: 0 }
`,
    });
    for (const version of ['v1', 'v2']) mkdirSync(join(project.dir, 'releases', version), { recursive: true });
    // v2 answers every request with a 500: analysis rolls it back.
    writeFileSync(join(project.dir, 'releases', 'v2', 'service.json'), JSON.stringify({ ERROR_RATE: 1 }));
    mkdirSync(join(project.dir, 'migrations'));
    writeFileSync(join(project.dir, 'migrations', '001_items.sql'), "CREATE TABLE items (id int PRIMARY KEY, name text);\nINSERT INTO items VALUES (1, 'one'), (2, 'two');\n");
  });

  afterAll(async () => {
    if (project) {
      await runCli(['down'], { cwd: project.dir });
      await project.remove();
    }
    await cluster?.stop();
  });

  it('restores the backup the rolled-back release took before migrating, and rolls no traffic back', async () => {
    expect((await cli(['deploy', 'v1', '--json'])).code).toBe(0);
    writeFileSync(join(project.dir, 'migrations', '002_price.sql'), 'ALTER TABLE items ADD COLUMN price int;\nUPDATE items SET price = 10;\n');
    const deploy = await cli(['deploy', 'v2', '--json']);
    expect(deploy.code, deploy.stderr).toBe(1);
    const v2 = parseOneJson(deploy.stdout) as { id: string; status: string; steps: { kind: string; detail: Record<string, unknown> }[] };
    expect(v2.status).toBe('rolled_back');
    expect(v2.steps.find((s) => s.kind === 'migrate')?.detail.applied).toEqual([expect.objectContaining({ version: '002', status: 'applied' })]);
    const backupId = (v2.steps.find((s) => s.kind === 'backup')?.detail.artifacts as { id: string }[])[0]?.id;
    expect(backupId).toMatch(/^bkp_/);
    expect(await columns()).toEqual(['id', 'name', 'price']);
    const historyBefore = (parseOneJson((await cli(['history', '--json'])).stdout) as unknown[]).length;

    // Without --yes and nobody at a terminal: nothing happens.
    const unconfirmed = await cli(['rollback', '--restore-data', '--json']);
    expect(unconfirmed.code, unconfirmed.stderr).toBe(2);
    expect(unconfirmed.stderr).toMatch(/needs confirmation; pass --yes/);
    expect(await columns()).toEqual(['id', 'name', 'price']);

    const rollback = await cli(['rollback', '--restore-data', '--yes', '--json'], 120_000);
    expect(rollback.code, rollback.stderr).toBe(0);
    const doc = parseOneJson(rollback.stdout) as { id: string; version: string; data: { release: string; restored: boolean; restores: { backup: string; safetyBackup: string | null; undo: string }[] } };
    expect(doc).toMatchObject({ id: v2.id, version: 'v2', data: { release: v2.id, restored: true } });
    expect(doc.data.restores[0]).toMatchObject({ backup: backupId, safetyBackup: expect.stringMatching(/^bkp_/), undo: expect.stringMatching(/^glidepath backup restore bkp_\S+ --force$/) });
    expect(rollback.stderr).toMatch(/traffic is already back/);
    // The database is as it was before v2 migrated; v1 still serves, and no release was added.
    expect(await columns()).toEqual(['id', 'name']);
    expect(await query(database, 'SELECT count(*)::int AS n FROM items')).toEqual([{ n: 2 }]);
    expect(parseOneJson((await cli(['status', '--json'])).stdout)).toMatchObject({ stable: { version: 'v1', weight: 100 }, canary: null });
    expect((parseOneJson((await cli(['history', '--json'])).stdout) as unknown[]).length).toBe(historyBefore);

    // Once restored, it is not offered again: the next rollback --restore-data is an ordinary rollback (v1 has none).
    const again = await cli(['rollback', '--restore-data', '--yes', '--json']);
    expect(again.code, again.stderr).toBe(2);
    expect(again.stderr).toMatch(/no earlier version/);
    expect(await columns()).toEqual(['id', 'name']);
  }, 300_000);
});
