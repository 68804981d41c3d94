/**
 * Scheduled operations against a real daemon through the built CLI: a job on a seconds-level schedule and its
 * history (secrets masked), the emergency stop holding across a daemon restart, a scheduled backup (SQLite and
 * files sources, each on its own schedule) and a scheduled restore drill timed against the RTO.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../src/jobs/job-runner.js';
import type { SourceBackupStatus } from '../../src/backups/index.js';
import { openSqlite } from '../../src/shared/sqlite.js';
import type { JobRunRecord } from '../../src/store/index.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type CliRun, type Project } from './helpers.js';

const SECRET = 'tick-secret-4711';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('scheduled jobs, backups and drills in the daemon (real CLI)', () => {
  let project: Project;
  let pid: number | undefined;
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: project.dir, env: { TICK_TOKEN: SECRET }, timeoutMs: 60_000 });
  const json = async <T>(args: string[]) => {
    const run = await cli([...args, '--json']);
    expect(run.code, run.stderr).toBe(0);
    return parseOneJson(run.stdout) as T;
  };
  const history = async (name: string) => (await json<{ runs: JobRunRecord[] }>(['jobs', 'history', name])).runs;
  const ticks = () => (existsSync(join(project.dir, 'ticks.txt')) ? readFileSync(join(project.dir, 'ticks.txt'), 'utf8').split('\n').filter(Boolean).length : 0);
  /** Polls `probe` every 500 ms until it holds, for at most `ms`. */
  const until = async (what: string, probe: () => Promise<boolean>, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(500);
    }
  };
  const up = async () => {
    const run = await json<{ pid: number }>(['up', '--detach']);
    pid = run.pid;
  };

  beforeAll(async () => {
    await ensureBuilt();
    const port = await closedPort();
    project = await makeProject();
    await mkdir(join(project.dir, 'uploads'));
    await writeFile(join(project.dir, 'uploads', 'a.txt'), 'hello');
    const db = await openSqlite(join(project.dir, 'app.db'));
    db.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3);');
    db.close();
    await project.write(
      'glidepath.yaml',
      `version: 1
service: e2e-jobs
daemon: { listen: "127.0.0.1:${port}" }
jobs:
  - { name: tick, every: 1s, shell: true, run: "echo tick \${TICK_TOKEN}; echo tick >> ticks.txt", timeout: 10s }
  - { name: seconds, schedule: "*/2 * * * * *", run: "true" }
backup:
  sources:
    - { name: app, sqlite: { path: app.db } }
    - { name: uploads, files: { path: ./uploads }, schedule: "*/3 * * * * *" }
  store: { dir: ./backups }
  schedule: "*/3 * * * * *"
  timezone: Europe/Berlin
  retention: { keepLast: 2 }
  rpo: 1h
  rto: 1m
  verify: { schedule: "*/4 * * * * *" }
`,
    );
  });

  afterAll(async () => {
    if (project) await cli(['down']).catch(() => undefined);
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await project?.remove();
  });

  it('runs a job on its schedule and shows it in its history, secrets masked', async () => {
    await up();
    await until('two runs of tick', async () => (await history('tick')).filter((r) => r.status === 'succeeded').length >= 2);
    const [run] = await history('tick');
    expect(run).toMatchObject({ job: 'tick', trigger: 'schedule', status: 'succeeded', exitCode: 0, attempts: 1 });
    expect(run?.output).toContain('tick ***');
    expect(JSON.stringify(await history('tick'))).not.toContain(SECRET);
    const { jobs } = await json<{ jobs: JobSummary[] }>(['jobs', 'list']);
    expect(jobs.map((j) => [j.name, j.kind])).toEqual([
      ['backup', 'backup'],
      ['backup.uploads', 'backup'],
      ['restore-drill', 'drill'],
      ['seconds', 'command'],
      ['tick', 'command'],
    ]);
    expect(Date.parse(jobs.find((j) => j.name === 'seconds')?.nextRun ?? '') % 2000).toBe(0);
    const manual = await json<{ run: JobRunRecord }>(['jobs', 'run', 'seconds']);
    expect(manual.run).toMatchObject({ trigger: 'manual', status: 'succeeded' });
  });

  it('runs scheduled backups and a restore drill, and backup list compares them with the RPO and RTO', async () => {
    await until('a scheduled backup of each source', async () => (await history('backup')).some((r) => r.status === 'succeeded') && (await history('backup.uploads')).some((r) => r.status === 'succeeded'));
    await until('a restore drill', async () => (await history('restore-drill')).some((r) => r.status === 'succeeded'));
    const drill = (await history('restore-drill')).find((r) => r.status === 'succeeded');
    expect(drill?.detail).toMatch(/app: pass .* restored in \d+ms, within the RTO of 60000ms/);
    const list = await json<{ sources: SourceBackupStatus[] }>(['backup', 'list']);
    for (const source of list.sources) expect(source).toMatchObject({ rpoTargetMs: 3_600_000, rpoMet: true, rtoTargetMs: 60_000, rtoMet: true });
    const human = await cli(['backup', 'list']);
    expect(human.stdout).toContain('within the RPO of 1h');
  });

  it('a disabled job stops running and stays disabled after a daemon restart', async () => {
    const disabled = await json<{ disabled: boolean }>(['jobs', 'disable', 'tick']);
    expect(disabled.disabled).toBe(true);
    await sleep(1_500); // a run already started may finish
    const before = ticks();
    await sleep(3_000);
    expect(ticks()).toBe(before);
    expect((await cli(['down'])).code).toBe(0);
    await up();
    const { jobs } = await json<{ jobs: JobSummary[] }>(['jobs', 'list']);
    expect(jobs.find((j) => j.name === 'tick')).toMatchObject({ disabled: true });
    await sleep(3_000);
    expect(ticks()).toBe(before);
    const refused = await cli(['jobs', 'run', 'tick']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('disabled');
    await json(['jobs', 'enable', 'tick']);
    await until('tick to run again', async () => ticks() > before, 15_000);
    const unknown = await cli(['jobs', 'history', 'nope']);
    expect(unknown.stderr).toContain('no job "nope"');
  });
});
