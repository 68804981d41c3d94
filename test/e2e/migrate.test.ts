/** `glidepath migrate status|up|down|verify|repair` through the real CLI against a real PostgreSQL and SQLite. */
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresClusterMissing, startPostgresCluster, type PostgresCluster } from '../../src/testing/postgres-cluster.js';
import { requirePrograms } from '../../src/testing/require-program.js';
import { closedPort, ensureBuilt, linesOf, makeProject, parseOneJson, runCli, runCliInTerminal, type Project } from './helpers.js';

const postgresMissing = postgresClusterMissing();
const terminal = requirePrograms('script');
const PASSWORD = 'mig-s3cret-pw';

const SEED = `CREATE TABLE user_levels (level integer PRIMARY KEY);
INSERT INTO user_levels (level) SELECT generate_series(1, 100);
`;
const FILES: Record<string, string> = {
  '001_create_user_karma.sql': 'CREATE TABLE user_karma (user_id integer PRIMARY KEY, karma integer NOT NULL DEFAULT 0);',
  '001_create_user_karma.down.sql': 'DROP TABLE user_karma;',
  '002_seed_user_levels.sql': SEED,
  '002_seed_user_levels.down.sql': 'DROP TABLE user_levels;',
  '003_karma_index.sql': '-- glidepath: no-transaction\nCREATE INDEX CONCURRENTLY user_karma_karma ON user_karma (karma);\n',
};

/** The fields the migrate documents carry, loosely: each test reads the ones its command prints. */
interface MigrationJson {
  version: string;
  name: string;
  file: string;
  state: string;
  status: string;
  execution: string;
  durationMs: number | null;
  transactional: boolean;
}
interface MigrateJson {
  database: string;
  table: string;
  ok: boolean;
  reason: string | null;
  summary: Record<string, number>;
  migrations: MigrationJson[];
  problems: string[];
  results: { name: string; kind: string; status: string; value: unknown; detail: string }[];
  repaired: unknown[];
  error: { code: string; message: string };
}

function planText(url: string, verify = '    - { sql: "SELECT count(*) FROM user_levels", equals: 100 }\n    - { tableExists: user_karma }\n'): string {
  return `version: 1\nservice: e2e-migrate\nmigrations:\n  url: "${url}"\n  dir: ./migrations\n  verify:\n${verify}`;
}

describe.skipIf(postgresMissing)(`glidepath migrate (real CLI, real PostgreSQL)${postgresMissing ? ` (skipped: ${postgresMissing})` : ''}`, () => {
  let cluster: PostgresCluster;
  let project: Project;
  let url: string;
  let count = 0;

  beforeAll(async () => {
    [cluster] = await Promise.all([startPostgresCluster(), ensureBuilt()]);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const setUp = async (files: Record<string, string> = FILES, verify?: string) => {
    project = await makeProject();
    await mkdir(join(project.dir, 'migrations'));
    for (const [name, sql] of Object.entries(files)) await project.write(join('migrations', name), sql);
    url = (await cluster.createDatabase(`e2e_mig_${++count}`)).replace('postgres@', `postgres:${PASSWORD}@`);
    await project.write('glidepath.yaml', planText(url, verify));
  };
  afterEach(async () => {
    await project?.remove();
  });

  const cli = async (args: string[], input?: string) => {
    const run = await runCli(['migrate', ...args], { cwd: project.dir, input });
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    return run;
  };
  const json = async (args: string[], code: number) => {
    const run = await cli([...args, '--json']);
    expect(run.code, run.stderr).toBe(code);
    return parseOneJson(run.stdout) as MigrateJson;
  };

  it('status, up --dry-run, up, verify: exit codes and JSON shapes', async () => {
    await setUp();
    const before = await json(['status'], 0);
    expect(before).toMatchObject({ database: expect.stringMatching(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/e2e_mig_\d+$/), table: 'glidepath_migrations' });
    expect(before.summary).toEqual({ applied: 0, pending: 3, changed: 0, missing: 0 });
    expect(before.migrations.map((m) => [m.version, m.name, m.state, m.transactional])).toEqual([
      ['001', 'create_user_karma', 'pending', true],
      ['002', 'seed_user_levels', 'pending', true],
      ['003', 'karma_index', 'pending', false],
    ]);

    const dry = await cli(['up', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('-- dry run: would apply 3 migration(s)');
    expect(dry.stdout).toContain(`-- 002_seed_user_levels.sql\nBEGIN;\n${SEED.trimEnd()}\n-- then: record version 002 in glidepath_migrations\nCOMMIT;`);
    expect(dry.stdout).toContain('-- 003_karma_index.sql (no transaction: statement by statement)');
    expect((await json(['status'], 0)).summary.pending).toBe(3);

    const up = await json(['up'], 0);
    expect(up).toMatchObject({ direction: 'up', dryRun: false, ok: true, reason: null, problems: [], warnings: [] });
    expect(up.migrations.map((m) => [m.file, m.status, m.execution, typeof m.durationMs])).toEqual([
      ['001_create_user_karma.sql', 'applied', 'transactional', 'number'],
      ['002_seed_user_levels.sql', 'applied', 'transactional', 'number'],
      ['003_karma_index.sql', 'applied', 'non-transactional', 'number'],
    ]);

    const human = await cli(['status']);
    expect(human.code).toBe(0);
    const [header, ...rows] = linesOf(human.stdout);
    expect(header).toMatch(/^VERSION\s+NAME\s+STATE\s+APPLIED AT\s+BY\s+DURATION$/);
    expect(rows[0]).toMatch(/^001\s+create_user_karma\s+applied\s+\d{4}-\d\d-\d\dT\S+Z\s+\S.*\s+\d+(\.\d+)?(ms|s)$/);
    expect(rows[2]).toMatch(/^003\s+karma_index\s+applied \[no-tx\]/);

    const verify = await json(['verify'], 0);
    expect(verify).toMatchObject({ ok: true, database: before.database });
    expect(verify.results.map((r) => [r.name, r.kind, r.status, r.value])).toEqual([
      ['SELECT count(*) FROM user_levels', 'sql', 'pass', '100'],
      ['table user_karma', 'tableExists', 'pass', true],
    ]);
    const store = await project.openStore();
    try {
      const events = await store.events.list({ service: 'e2e-migrate' });
      expect(events.map((e) => e.type)).toEqual(['migrate.up', 'migrate.verify']);
    } finally {
      await store.close();
    }
  });

  it('verify fails with exit 1, showing the value seen', async () => {
    await setUp(FILES, '    - { sql: "SELECT count(*) FROM user_levels", equals: 99 }\n    - { tableExists: quests }\n');
    await json(['up'], 0);
    const verify = await json(['verify'], 1);
    expect(verify.ok).toBe(false);
    expect(verify.results.map((r) => [r.status, r.detail])).toEqual([
      ['fail', 'SELECT count(*) FROM user_levels → 100, expected 99'],
      ['fail', 'table quests does not exist'],
    ]);
    const human = await cli(['verify']);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('✘ 2 of 2 assertion(s) failed');
  });

  it('a changed applied file: status and up exit 1 naming it; repair accepts it', async () => {
    await setUp();
    await json(['up', '--to', '001'], 0);
    await project.write('migrations/001_create_user_karma.sql', 'CREATE TABLE user_karma (user_id bigint PRIMARY KEY);');
    const status = await json(['status'], 1);
    expect(status.migrations[0]).toMatchObject({ state: 'changed', appliedChecksum: expect.stringMatching(/^[0-9a-f]{64}$/), checksum: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(status.problems[0]).toMatch(/^001_create_user_karma\.sql changed after it was applied: checksum was [0-9a-f]{64}, file now [0-9a-f]{64}$/);
    const up = await json(['up'], 1);
    expect(up).toMatchObject({ ok: false, reason: expect.stringContaining('glidepath migrate repair') });
    const repair = await json(['repair'], 0);
    expect(repair.repaired).toEqual([expect.objectContaining({ version: '001', file: '001_create_user_karma.sql', repairedBy: expect.any(String), repairedAt: expect.any(String) })]);
    expect((await json(['status'], 0)).migrations[0]?.state).toBe('applied');
    expect((await json(['up'], 0)).migrations).toHaveLength(2);
  });

  it('a migration that fails halfway exits 1 and leaves the schema as it was', async () => {
    await setUp({ ...FILES, '002_seed_user_levels.sql': `${SEED}INSERT INTO no_such_table VALUES (1);\n` });
    const up = await json(['up'], 1);
    expect(up.ok).toBe(false);
    expect(up.migrations.map((m) => m.status)).toEqual(['applied', 'failed', 'skipped']);
    expect(up.reason).toMatch(/^002_seed_user_levels\.sql failed: relation "no_such_table" does not exist; it was rolled back/);
    const verify = await json(['verify'], 1);
    expect(verify.results[0]?.detail).toMatch(/relation "user_levels" does not exist/);
  });

  it('down needs --yes without a terminal, reverts exactly one, honours --to, and refuses without down files', async () => {
    await setUp();
    await json(['up'], 0);
    const noDown = await cli(['down', '--yes']);
    expect(noDown.code).toBe(2);
    expect(noDown.stderr).toContain('003_karma_index.sql: no down file (003_karma_index.down.sql)');
    await unlink(join(project.dir, 'migrations', '003_karma_index.sql'));
    await project.write('migrations/003_karma_index.sql', 'SELECT 1;');
    await json(['repair'], 0);
    await project.write('migrations/003_karma_index.down.sql', 'SELECT 1;');

    const unconfirmed = await cli(['down']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/^error: migrate down would revert 003_karma_index\.sql on postgres:\/\/postgres:\*\*\*@.*, which can drop data; pass --yes/m);
    expect((await json(['status'], 0)).summary.applied).toBe(3);

    const dry = await cli(['down', '--dry-run', '--to', '0']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('-- dry run: would revert 3 migration(s)');
    expect(dry.stdout).toContain('DROP TABLE user_levels;');

    const one = await json(['down', '--yes'], 0);
    expect(one).toMatchObject({ direction: 'down', ok: true });
    expect(one.migrations.map((m) => [m.file, m.status])).toEqual([['003_karma_index.down.sql', 'reverted']]);
    const rest = await json(['down', '--yes', '--to', '0'], 0);
    expect(rest.migrations.map((m) => m.file)).toEqual(['002_seed_user_levels.down.sql', '001_create_user_karma.down.sql']);
    expect((await json(['status'], 0)).summary).toEqual({ applied: 0, pending: 3, changed: 0, missing: 0 });
  });

  it.skipIf(terminal.missing)('down asks at a terminal and reverts only on yes', async () => {
    await setUp();
    await json(['up', '--to', '2'], 0);
    const prompt = /confirm \[y\/N\]/;
    const no = await runCliInTerminal(terminal.paths.script!, ['migrate', 'down'], { cwd: project.dir, prompt, answer: 'n\n' });
    expect(no.answered).toBe(true);
    expect(no.code, no.stdout).toBe(1);
    expect(no.stdout).toContain('revert 002_seed_user_levels.sql on postgres://postgres:***@');
    expect(no.stdout).toContain('not confirmed; nothing was reverted');
    const yes = await runCliInTerminal(terminal.paths.script!, ['migrate', 'down'], { cwd: project.dir, prompt, answer: 'y\n' });
    expect(yes.code, yes.stdout).toBe(0);
    expect((await json(['status'], 0)).summary).toMatchObject({ applied: 1, pending: 2 });
  });

  it('bad input exits 2 and an unreachable database exits 3, as one JSON error document', async () => {
    await setUp();
    const badTo = await json(['up', '--to', 'latest'], 2);
    expect(badTo.error).toMatchObject({ code: 'usage', message: expect.stringContaining('--to "latest" is not a version') });
    expect((await json(['up', '--to', '9'], 2)).error.message).toContain('--to 9: no migration file has version 9; known: 001, 002, 003');

    await project.write('migrations/2_duplicate.sql', 'SELECT 1;');
    const dup = await json(['status'], 2);
    expect(dup.error).toMatchObject({ code: 'migration_files', message: expect.stringContaining('duplicate version 002: 002_seed_user_levels.sql, 2_duplicate.sql') });
    await unlink(join(project.dir, 'migrations', '2_duplicate.sql'));

    await project.write('glidepath.yaml', 'version: 1\nservice: e2e-migrate\n');
    expect((await json(['up'], 2)).error.message).toContain('glidepath.yaml has no migrations: section');

    await project.write('glidepath.yaml', planText(`postgres://postgres:${PASSWORD}@127.0.0.1:${await closedPort()}/gone`));
    const down = await json(['status'], 3);
    expect(down.error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^connect to postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/gone/) });
  });
});

describe('glidepath migrate on SQLite (real CLI)', () => {
  let project: Project;
  beforeAll(async () => {
    await ensureBuilt();
  });
  afterEach(async () => {
    await project?.remove();
  });

  it('applies, verifies and reverts against sqlite:PATH relative to the plan', async () => {
    project = await makeProject({
      'glidepath.yaml': planText('sqlite:./data/karma.db', '    - { sql: "SELECT count(*) FROM user_levels", min: 100, max: 100 }\n'),
    });
    await mkdir(join(project.dir, 'migrations'));
    await project.write('migrations/001_levels.sql', 'CREATE TABLE user_levels (level integer);\nWITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100) INSERT INTO user_levels SELECT x FROM n;\n');
    await project.write('migrations/001_levels.down.sql', 'DROP TABLE user_levels;');
    const up = await runCli(['migrate', 'up', '--json'], { cwd: project.dir });
    expect(up.code, up.stderr).toBe(0);
    expect(parseOneJson(up.stdout)).toMatchObject({ database: 'sqlite:./data/karma.db', ok: true, migrations: [expect.objectContaining({ status: 'applied' })] });
    const verify = await runCli(['migrate', 'verify'], { cwd: project.dir });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('✔ pass SELECT count(*) FROM user_levels — SELECT count(*) FROM user_levels → 100');
    const down = await runCli(['migrate', 'down', '--yes'], { cwd: project.dir });
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain('reverted 1 migration(s) on sqlite:./data/karma.db');
  });
});
