/**
 * `glidepath backup …` through the real CLI: a PostgreSQL filled by `pgbench -i -s 10` (1M rows) backed up,
 * dropped and restored with identical row counts and checksums; verify drills, a corrupted artifact, restore
 * refusals and safety backups, retention, and an S3-compatible store (s3rver on loopback).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupRecord } from '../../src/store/index.js';
import { postgresClusterMissing, startPostgresCluster, type PostgresCluster } from '../../src/testing/postgres-cluster.js';
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
