/**
 * `glidepath backup …` through the real CLI: a PostgreSQL filled by `pgbench -i -s 10` (1M rows) backed up,
 * dropped and restored with identical row counts and checksums; verify drills, a corrupted artifact, restore
 * refusals and safety backups, retention, and an S3-compatible store (s3rver on loopback).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupRecord } from '../../src/store/index.js';
import { postgresClusterMissing, startPostgresCluster, type PostgresCluster } from '../../src/testing/postgres-cluster.js';
import { openSqlite } from '../../src/shared/sqlite.js';
import { runSql, tableChecksums } from '../../src/testing/postgres-data.js';
import { requirePrograms } from '../../src/testing/require-program.js';
import { ensureBuilt, makeProject, missingReason, parseOneJson, runCli, type CliRun, type Project } from './helpers.js';

const missing = missingReason(postgresClusterMissing(), requirePrograms('pgbench', 'pg_dump', 'pg_restore', 'psql').missing);
const run = promisify(execFile);
const LONG = { timeoutMs: 240_000 };

describe.skipIf(missing)(`glidepath backup (real CLI, real PostgreSQL)${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let project: Project;
  let cluster: PostgresCluster;
  let app = '';
  let original: Record<string, string> = {};
  const cli = (args: string[], options: { input?: string } = {}): Promise<CliRun> => runCli(args, { cwd: project.dir, ...LONG, ...options });
  const json = <T>(result: CliRun) => parseOneJson(result.stdout) as T;
  const backupOf = async (source: string): Promise<BackupRecord> => {
    const list = json<{ backups: BackupRecord[] }>(await cli(['backup', 'list', '--json', '--source', source]));
    return list.backups.find((b) => b.status === 'succeeded' && b.reason !== 'safety') as BackupRecord;
  };

  beforeAll(async () => {
    await ensureBuilt();
    cluster = await startPostgresCluster();
    app = await cluster.createDatabase('app');
    const scratch = await cluster.createDatabase('scratch');
    await run(requirePrograms('pgbench').paths.pgbench as string, ['-i', '-s', '10', '-q', app], { timeout: 180_000 });
    original = await tableChecksums(app);
    project = await makeProject();
    await mkdir(join(project.dir, 'uploads/img'), { recursive: true });
    await writeFile(join(project.dir, 'uploads/img/a.png'), Buffer.alloc(100_000, 3));
    await writeFile(join(project.dir, 'uploads/skip.tmp'), 'left out');
    await project.write(
      'glidepath.yaml',
      `version: 1
service: e2e-backup
checks:
  scratch-accounts: { postgres: { url: "${scratch}", query: "SELECT count(*) FROM pgbench_accounts", equals: 1000000 } }
backup:
  sources:
    - { name: main-db, postgres: { url: "${app}" } }
    - { name: uploads, files: { path: ./uploads, exclude: ["*.tmp"] } }
  store: { dir: ./backups }
  retention: { keepLast: 1 }
  verify: { restoreTo: "${scratch}", checks: [scratch-accounts] }
`,
    );
  }, 300_000);
  afterAll(async () => {
    await cluster?.stop();
    await project?.remove();
  });

  it('backs up every source and prints one JSON document', async () => {
    const result = await cli(['backup', 'run', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const doc = json<{ ok: boolean; backups: BackupRecord[] }>(result);
    expect(doc.ok).toBe(true);
    expect(doc.backups.map((b) => [b.source, b.driver, b.status])).toEqual([['main-db', 'postgres', 'succeeded'], ['uploads', 'files', 'succeeded']]);
    expect(doc.backups[0]!.size).toBeGreaterThan(1_000_000);
    expect(result.stderr).toMatch(/backed up main-db/);
  });

  it('verifies with a restore drill into the scratch database and the plan\'s checks; list shows RPO and RTO', async () => {
    const result = await cli(['backup', 'verify', '--json']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const doc = json<{ ok: boolean; results: { status: string; integrity: { detail: string }; drill?: { restoreMs: number }; checks?: { name: string; status: string }[] }[] }>(result);
    expect(doc.results[0]).toMatchObject({ status: 'pass', checks: [{ name: 'scratch-accounts', status: 'pass' }] });
    expect(doc.results[0]!.integrity.detail).toMatch(/pg_restore --list: \d+ entries/);
    expect(doc.results[0]!.drill!.restoreMs).toBeGreaterThan(0);
    expect(doc.results[1]!.integrity.detail).toMatch(/tar listing: \d+ entries/);
    const list = json<{ sources: { source: string; rpoMs: number | null; rtoMs: number | null }[] }>(await cli(['backup', 'list', '--json']));
    for (const s of list.sources) {
      expect(s.rpoMs).toBeGreaterThanOrEqual(0);
      expect(s.rtoMs).toBeGreaterThanOrEqual(0);
    }
    const human = await cli(['backup', 'list']);
    expect(human.stdout).toMatch(/SOURCE\s+BACKUPS\s+LATEST\s+RPO NOW \(newest verified\)\s+RTO \(last restore\)/);
  });

  it('restores a dropped database with identical row counts and checksums of every table', async () => {
    const backup = await backupOf('main-db');
    expect(Object.keys(original)).toEqual(['pgbench_accounts', 'pgbench_branches', 'pgbench_history', 'pgbench_tellers']);
    expect(original.pgbench_accounts).toMatch(/^1000000 /);
    await runSql(cluster.url, 'DROP DATABASE app WITH (FORCE)');
    await runSql(cluster.url, 'CREATE DATABASE app');
    // Nobody at a terminal and no --yes: nothing happens.
    const unconfirmed = await cli(['backup', 'restore', backup.id]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/needs confirmation; pass --yes/);
    const restored = await cli(['backup', 'restore', backup.id, '--yes', '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(json<{ restored: boolean; safetySkipped: string }>(restored)).toMatchObject({ restored: true, safetySkipped: 'the target is empty' });
    expect(await tableChecksums(app)).toEqual(original);
  });

  it('refuses to overwrite a database that holds data without --force, and changes nothing', async () => {
    const backup = await backupOf('main-db');
    await runSql(app, 'UPDATE pgbench_branches SET bbalance = 7');
    const changed = await tableChecksums(app);
    const refused = await cli(['backup', 'restore', backup.id, '--yes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/holds data; pass --force/);
    expect(refused.stderr).not.toMatch(/postgres:\/\/[^@\s]*:[^*@\s]+@/);
    expect(await tableChecksums(app)).toEqual(changed);
  });

  it('with --force takes a safety backup of the target first, which itself restores the overwritten state', async () => {
    const backup = await backupOf('main-db');
    const changed = await tableChecksums(app);
    const result = await cli(['backup', 'restore', backup.id, '--yes', '--force', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const doc = json<{ safetyBackup: BackupRecord; restoreMs: number }>(result);
    expect(doc.safetyBackup).toMatchObject({ status: 'succeeded', reason: 'safety', source: 'main-db' });
    expect(await tableChecksums(app)).toEqual(original);
    const undo = await cli(['backup', 'restore', doc.safetyBackup.id, '--yes', '--force', '--no-safety-backup', '--json']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(json<{ safetySkipped: string }>(undo).safetySkipped).toMatch(/--no-safety-backup/);
    expect(await tableChecksums(app)).toEqual(changed);
  });

  it('catches a corrupted artifact (one flipped byte) and exits 1', async () => {
    const backup = await backupOf('main-db');
    const path = join(project.dir, 'backups', backup.key);
    const bytes = await readFile(path);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] as number) ^ 0x01;
    await writeFile(path, bytes);
    const result = await cli(['backup', 'verify', backup.id, '--json', '--no-drill']);
    expect(result.code).toBe(1);
    const doc = json<{ ok: boolean; results: { status: string; integrity: { detail: string } }[] }>(result);
    expect(doc.results[0]!.integrity.detail).toMatch(/sha256 mismatch/);
    const human = await cli(['backup', 'verify', backup.id, '--no-drill']);
    expect(human.stdout).toMatch(/✘ .*: fail\n {2}integrity: fail — sha256 mismatch/);
  });

  it('prune lists what would go and why, asks before deleting, and keeps the newest verified backup', async () => {
    await cli(['backup', 'run', 'uploads']);
    const dry = await cli(['backup', 'prune', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = json<{ decisions: { id: string; source: string; keep: boolean; reasons: string[] }[] }>(dry);
    const verified = plan.decisions.filter((d) => d.reasons.includes('newest verified backup'));
    expect(verified.length).toBeGreaterThan(0);
    expect(plan.decisions.some((d) => !d.keep && d.reasons[0]?.startsWith('kept by no rule (keepLast 1)'))).toBe(true);
    const unconfirmed = await cli(['backup', 'prune']);
    expect(unconfirmed.code).toBe(2);
    const pruned = await cli(['backup', 'prune', '--yes', '--json']);
    expect(pruned.code, pruned.stderr).toBe(0);
    const done = json<{ pruned: string[] }>(pruned);
    expect(done.pruned.sort()).toEqual(plan.decisions.filter((d) => !d.keep).map((d) => d.id).sort());
    const after = json<{ backups: BackupRecord[] }>(await cli(['backup', 'list', '--json']));
    for (const v of verified) expect(after.backups.map((b) => b.id)).toContain(v.id);
  });

  it('names unknown sources and backups as usage errors', async () => {
    const unknown = await cli(['backup', 'run', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown backup source "nope"; the plan has: main-db, uploads/);
    const noBackup = await cli(['backup', 'restore', 'bkp_missing', '--yes']);
    expect(noBackup.code).toBe(2);
  });
});

describe('glidepath backup to an S3-compatible store (s3rver on loopback)', () => {
  let project: Project;
  let server: S3rver;
  let endpoint = '';
  const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  const cli = (args: string[]) => runCli(args, { cwd: project.dir, env, timeoutMs: 60_000 });

  beforeAll(async () => {
    await ensureBuilt();
    project = await makeProject();
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(project.dir, 's3'), configureBuckets: [{ name: 'backups', configs: [] }] });
    endpoint = `http://127.0.0.1:${(await server.run()).port}`;
    await mkdir(join(project.dir, 'uploads'));
    // 12 MB of incompressible bytes: more than one multipart part after gzip.
    const { randomBytes } = await import('node:crypto');
    await writeFile(join(project.dir, 'uploads/blob.bin'), randomBytes(12 * 1024 * 1024));
    await project.write(
      'glidepath.yaml',
      `version: 1
service: e2e-s3
backup:
  sources:
    - { name: uploads, files: { path: ./uploads } }
  store: { s3: { bucket: backups, prefix: team/e2e, endpoint: "${endpoint}" } }
`,
    );
  });
  afterAll(async () => {
    await server?.close();
    await project?.remove();
  });

  it('backs up, verifies and restores through the S3 API', async () => {
    const result = await cli(['backup', 'run', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const [record] = (parseOneJson(result.stdout) as { backups: BackupRecord[] }).backups;
    expect(record!.store).toBe(`s3://backups/team/e2e?region=us-east-1&endpoint=${encodeURIComponent(endpoint)}`);
    const verify = await cli(['backup', 'verify', '--drill', '--json']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const target = join(project.dir, 'restored');
    const restore = await cli(['backup', 'restore', record!.id, '--to', target, '--yes', '--json']);
    expect(restore.code, restore.stderr).toBe(0);
    expect((await readFile(join(target, 'blob.bin'))).equals(await readFile(join(project.dir, 'uploads/blob.bin')))).toBe(true);
    await rm(target, { recursive: true });
  });
});

/** Damage done to a stored artifact: each is what `verify` reports as a sha256 mismatch. */
const DAMAGE: Record<string, (bytes: Buffer) => Buffer> = {
  truncated: (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2)),
  appended: (bytes) => Buffer.concat([bytes, Buffer.from('appended after the backup was written\n')]),
  'zero-length': () => Buffer.alloc(0),
  'flipped byte': (bytes) => {
    const copy = Buffer.from(bytes);
    const at = Math.floor(copy.length / 2);
    copy[at] = (copy[at] as number) ^ 0xff;
    return copy;
  },
};

/** Every path below `root` with its content hash, in order: equal exactly when the trees are. */
async function treeFingerprint(root: string, prefix = ''): Promise<string> {
  const { readdir, lstat } = await import('node:fs/promises');
  const { createHash } = await import('node:crypto');
  const lines: string[] = [];
  for (const name of (await readdir(join(root, prefix))).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const info = await lstat(join(root, rel));
    if (info.isDirectory()) lines.push(`${rel}/`, await treeFingerprint(root, rel));
    else lines.push(`${rel} ${createHash('sha256').update(await readFile(join(root, rel))).digest('hex')}`);
  }
  return lines.join('\n');
}

/** Every row of every table of a SQLite file, in order. */
async function sqliteFingerprint(path: string): Promise<string> {
  const db = await openSqlite(path, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").rows().map((row) => String(row[0]));
    return tables.map((t) => `${t}: ${JSON.stringify(db.prepare(`SELECT * FROM "${t}" ORDER BY 1`).all())}`).join('\n');
  } finally {
    db.close();
  }
}

describe.skipIf(missing)('backup restore checks the artifact, and backs every target up first (postgres, sqlite, files, http)', () => {
  let project: Project;
  let cluster: PostgresCluster;
  let server: Server;
  let db = '';
  const snapshot = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256));
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: project.dir, timeoutMs: 60_000 });
  const json = <T>(result: CliRun) => parseOneJson(result.stdout) as T;
  const records: Record<string, BackupRecord> = {};
  let inserted = 10_000;

  /** Per source: where a restore goes (`--to` for http), how to change it, and how to read what it holds. */
  const targets = () => ({
    'main-db': { to: [] as string[], mutate: () => runSql(db, `INSERT INTO items VALUES (${++inserted}, 'after the backup')`), read: async () => JSON.stringify(await tableChecksums(db)) },
    notes: {
      to: [] as string[],
      mutate: async () => {
        const handle = await openSqlite(join(project.dir, 'notes.db'));
        handle.prepare('INSERT INTO notes (body) VALUES (?)').run(['after the backup']);
        handle.close();
      },
      read: () => sqliteFingerprint(join(project.dir, 'notes.db')),
    },
    uploads: { to: [] as string[], mutate: () => writeFile(join(project.dir, 'uploads/new.txt'), 'after the backup'), read: () => treeFingerprint(join(project.dir, 'uploads')) },
    vectors: {
      to: ['--to', join(project.dir, 'vectors.snapshot')],
      mutate: () => writeFile(join(project.dir, 'vectors.snapshot'), `snapshot written after the backup ${Date.now()}`),
      read: async () => (await readFile(join(project.dir, 'vectors.snapshot'))).toString('base64'),
    },
  });
  const listed = async () => {
    const store = await project.openStore();
    try {
      return await store.backups.list({ service: 'e2e-damaged', includePruned: true });
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    await ensureBuilt();
    server = createServer((req, res) => void (req.url === '/snapshot' ? res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(snapshot) : res.writeHead(404).end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as AddressInfo;
    cluster = await startPostgresCluster();
    db = await cluster.createDatabase('matrix');
    await runSql(db, "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 2000) i");
    project = await makeProject();
    const handle = await openSqlite(join(project.dir, 'notes.db'));
    handle.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('one'), ('two')");
    handle.close();
    await mkdir(join(project.dir, 'uploads/img'), { recursive: true });
    await writeFile(join(project.dir, 'uploads/img/a.png'), Buffer.alloc(50_000, 5));
    await writeFile(join(project.dir, 'vectors.snapshot'), 'the snapshot file as it is before any restore');
    await project.write(
      'glidepath.yaml',
      `version: 1
service: e2e-damaged
backup:
  sources:
    - { name: main-db, postgres: { url: "${db}" } }
    - { name: notes, sqlite: { path: ./notes.db } }
    - { name: uploads, files: { path: ./uploads } }
    - { name: vectors, http: { url: "http://127.0.0.1:${address.port}/snapshot" } }
  store: { dir: ./backups }
`,
    );
    const result = await cli(['backup', 'run', '--json']);
    expect(result.code, result.stderr).toBe(0);
    for (const record of json<{ backups: BackupRecord[] }>(result).backups) records[record.source] = record;
    expect(Object.keys(records).sort()).toEqual(['main-db', 'notes', 'uploads', 'vectors']);
  }, 120_000);
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await cluster?.stop();
    await project?.remove();
  });

  const cases = ['main-db', 'notes', 'uploads', 'vectors'].flatMap((source) => Object.keys(DAMAGE).map((damage) => [source, damage] as const));
  it.each(cases)('refuses a %s artifact that is %s: exit 1, the target and the catalog unchanged; verify reports it', async (source, damage) => {
    const record = records[source]!;
    const target = targets()[source as keyof ReturnType<typeof targets>];
    const path = join(project.dir, 'backups', record.key);
    const pristine = await readFile(path);
    await target.mutate();
    const before = await target.read();
    const catalog = await listed();
    await writeFile(path, DAMAGE[damage]!(pristine));
    try {
      const refused = await cli(['backup', 'restore', record.id, ...target.to, '--yes', '--force', '--json']);
      expect(refused.code, refused.stderr).toBe(1);
      expect(json<{ error: { code: string; message: string } }>(refused).error).toMatchObject({ code: 'artifact_damaged', message: expect.stringMatching(new RegExp(`backup ${record.id} is damaged: .*nothing was restored`)) });
      expect(refused.stderr).toMatch(/error: backup \S+ is damaged/);
      expect(await target.read()).toBe(before);
      // No safety backup either: a refused restore changes nothing at all.
      expect(await listed()).toEqual(catalog);
      const verify = await cli(['backup', 'verify', record.id, '--no-drill', '--json']);
      expect(verify.code, verify.stderr).toBe(1);
      const report = json<{ ok: boolean; results: { status: string; integrity: { detail: string } }[] }>(verify);
      expect(report).toMatchObject({ ok: false, results: [{ status: 'fail' }] });
      expect(report.results[0]!.integrity.detail).toMatch(/sha256 mismatch|read /);
    } finally {
      await writeFile(path, pristine);
    }
  }, 120_000);

  it.each(['main-db', 'notes', 'uploads', 'vectors'])('restoring %s over data backs the target up first, lists that backup, and its undo command puts the data back', async (source) => {
    const record = records[source]!;
    const target = targets()[source as keyof ReturnType<typeof targets>];
    await target.mutate();
    const overwritten = await target.read();
    const result = await cli(['backup', 'restore', record.id, ...target.to, '--yes', '--force', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const doc = json<{ restored: boolean; safetyBackup: BackupRecord; undo: string }>(result);
    expect(doc.safetyBackup).toMatchObject({ status: 'succeeded', reason: 'safety' });
    expect(await target.read()).not.toBe(overwritten);
    expect((await listed()).find((b) => b.id === doc.safetyBackup.id)).toMatchObject({ reason: 'safety', status: 'succeeded' });
    const human = await cli(['backup', 'list']);
    expect(human.stdout).toMatch(new RegExp(`${doc.safetyBackup.id}\\s+${doc.safetyBackup.source}\\s+.*safety`));
    expect(doc.undo).toMatch(new RegExp(`^glidepath backup restore ${doc.safetyBackup.id}( --to \\S+)? --force$`));
    const undo = await cli([...doc.undo.split(' ').slice(1), '--yes', '--no-safety-backup', '--json']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(await target.read()).toBe(overwritten);
  }, 120_000);
});

describe.skipIf(missing)('database passwords stay off the command line of pg_dump, pg_restore and psql', () => {
  const PASSWORD = 'Pw-s3cr:et@x';
  let project: Project;
  let cluster: PostgresCluster;
  let wrappers = '';
  let url = '';
  /** Every recorded run: the program, its arguments, and the names of its environment variables. */
  const calls = async () => {
    const { readdir } = await import('node:fs/promises');
    const names = (await readdir(join(wrappers, 'calls'))).sort();
    return Promise.all(names.map((name) => readFile(join(wrappers, 'calls', name), 'utf8')));
  };

  beforeAll(async () => {
    await ensureBuilt();
    cluster = await startPostgresCluster();
    await runSql(cluster.url, `CREATE ROLE app LOGIN PASSWORD '${PASSWORD}'`);
    for (const name of ['appdb', 'emptydb']) await runSql(cluster.url, `CREATE DATABASE ${name} OWNER app`);
    // Password authentication for `app` over TCP, ahead of the cluster's trust lines.
    const hba = join(cluster.dataDir, 'pg_hba.conf');
    await writeFile(hba, `host all app 127.0.0.1/32 scram-sha-256\n${await readFile(hba, 'utf8')}`);
    await runSql(cluster.url, 'SELECT pg_reload_conf()');
    url = `postgres://app:${encodeURIComponent(PASSWORD)}@127.0.0.1:${cluster.port}/appdb?sslmode=disable`;
    const withoutPassword = `postgres://app@127.0.0.1:${cluster.port}/appdb?sslmode=disable`;
    await expect(runSql(withoutPassword, 'SELECT 1')).rejects.toThrow(/password/);
    await runSql(url, 'CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT i, md5(i::text) FROM generate_series(1, 500) i');
    project = await makeProject();
    // Wrappers that record each run's argv and environment variable names, then exec the real program.
    wrappers = join(project.dir, 'pg-wrappers');
    await mkdir(join(wrappers, 'calls'), { recursive: true });
    const { chmod } = await import('node:fs/promises');
    const real = requirePrograms('pg_dump', 'pg_restore', 'psql').paths;
    for (const name of ['pg_dump', 'pg_restore', 'psql'] as const) {
      // One file per run: pg_restore and psql run at the same time.
      const script = `#!/bin/sh\nlog=$(mktemp '${join(wrappers, 'calls')}/call.XXXXXXXX')\n{ printf '%s\\n' "$0" "$@"; env | cut -d= -f1 | grep '^PG'; } > "$log"\nexec '${real[name] as string}' "$@"\n`;
      await writeFile(join(wrappers, name), script);
      await chmod(join(wrappers, name), 0o755);
    }
    await project.write(
      'glidepath.yaml',
      `version: 1
service: e2e-password
backup:
  sources:
    - { name: main-db, postgres: { url: "\${APP_DATABASE_URL}" } }
    - { name: parallel-db, postgres: { url: "\${APP_DATABASE_URL}", jobs: 2 } }
  store: { dir: ./backups }
`,
    );
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await project?.remove();
  });

  it('backs up, verifies and restores (streamed, parallel, into an empty database) with the password in the environment only', async () => {
    const env = { APP_DATABASE_URL: url };
    const run = (args: string[]) => runCli(args, { cwd: project.dir, timeoutMs: 60_000, env: { GLIDEPATH_PG_BIN: wrappers, ...env } });
    const backed = await run(['backup', 'run', '--json']);
    expect(backed.code, backed.stderr).toBe(0);
    const [main, parallel] = (parseOneJson(backed.stdout) as { backups: BackupRecord[] }).backups;
    expect(await run(['backup', 'verify', '--no-drill']).then((r) => r.code)).toBe(0);
    const before = await tableChecksums(url);
    await runSql(url, 'DELETE FROM items WHERE id % 2 = 0');
    for (const record of [main!, parallel!]) {
      const restored = await run(['backup', 'restore', record.id, '--yes', '--force', '--json']);
      expect(restored.code, restored.stderr).toBe(0);
      expect(await tableChecksums(url)).toEqual(before);
    }
    const empty = url.replace('/appdb?', '/emptydb?');
    const into = await run(['backup', 'restore', main!.id, '--to', empty, '--yes', '--json']);
    expect(into.code, into.stderr).toBe(0);
    expect(into.stdout + into.stderr).not.toContain(encodeURIComponent(PASSWORD));
    expect(await tableChecksums(empty)).toEqual(before);

    const recorded = await calls();
    const programs = recorded.map((c) => c.split('\n')[0]!.split('/').at(-1));
    for (const name of ['pg_dump', 'pg_restore', 'psql']) expect(programs).toContain(name);
    for (const call of recorded) {
      const lines = call.split('\n');
      expect(call).not.toContain(PASSWORD);
      expect(call).not.toContain(encodeURIComponent(PASSWORD));
      const dbname = lines.find((l) => l.startsWith('--dbname='));
      if (dbname) {
        // The URL keeps its other parameters, and the password travels in the environment.
        expect(dbname).toMatch(/^--dbname=postgres:\/\/app@127\.0\.0\.1:\d+\/(appdb|emptydb)\?sslmode=disable$/);
        expect(lines, call).toContain('PGPASSWORD');
      }
    }
    expect(recorded.filter((c) => c.includes('--dbname=')).length).toBeGreaterThanOrEqual(5);
  }, 180_000);
});
