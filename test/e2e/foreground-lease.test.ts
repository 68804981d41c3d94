/**
 * `deploy --foreground` as CI jobs run it: two runners, each in its own workspace, share one PostgreSQL store and
 * release to a Cloud Run stand-in (test/fixtures/gcloud-standin.mjs) through the command target. Runner A is killed
 * (SIGKILL, by its pid) in the middle of a canary; runner B is refused while A's lease lives, then takes the release
 * over once the lease lapses and finishes it. The process target is refused in the foreground (exit 2).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/shared/free-port.js';
import { openStore, type Store } from '../../src/store/index.js';
import { postgresClusterMissing, startPostgresCluster, type PostgresCluster } from '../../src/testing/postgres-cluster.js';
import { BIN, REPO_ROOT, cliEnv, ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';
import { CLOUD_RUN_RECIPE } from '../../src/testing/cloud-run-recipe.js';

const STANDIN = join(REPO_ROOT, 'test', 'fixtures', 'gcloud-standin.mjs');
const postgresMissing = postgresClusterMissing();
/** Short enough for a test to wait out, long enough that runner B starts well within it on a busy machine. */
const LEASE_TTL = '8s';

interface ReleaseJson {
  id: string;
  version: string;
  previousVersion: string | null;
  status: string;
  steps: { kind: string; status: string; detail: Record<string, unknown> }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(postgresMissing)(`deploy --foreground: runners sharing a PostgreSQL store${postgresMissing ? ` (skipped: ${postgresMissing})` : ''}`, () => {
  let cluster: PostgresCluster;
  let store: Store;
  let runnerA: Project;
  let runnerB: Project;
  let stateFile: string;
  let env: Record<string, string>;
  let killed: ChildProcess | undefined;

  const traffic = () => {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { services: { shop: { traffic: { tag?: string; percent: number }[] } } };
    return Object.fromEntries(state.services.shop.traffic.filter((t) => t.percent > 0).map((t) => [t.tag ?? 'untagged', t.percent]));
  };
  const deploy = (project: Project, version: string) =>
    runCli(['deploy', version, '--foreground', '--yes', '--json'], { cwd: project.dir, env, timeoutMs: 120_000 });

  beforeAll(async () => {
    await ensureBuilt();
    cluster = await startPostgresCluster();
    const storeUrl = await cluster.createDatabase('glidepath_shared');
    store = await openStore(storeUrl, { baseDir: REPO_ROOT });
    runnerA = await makeProject();
    runnerB = await makeProject();
    // The platform is one, outside both workspaces: the stand-in's state file and its `gcloud` on PATH.
    const platform = join(runnerA.dir, 'platform');
    mkdirSync(join(platform, 'bin'), { recursive: true });
    symlinkSync(STANDIN, join(platform, 'bin', 'gcloud'));
    stateFile = join(platform, 'cloud-run.json');
    env = { PATH: `${join(platform, 'bin')}:${process.env.PATH ?? ''}`, GCLOUD_STANDIN_STATE: stateFile, GLIDEPATH_LEASE_TTL: LEASE_TTL };
    execFileSync(process.execPath, [STANDIN, 'run', 'deploy', 'shop', '--image=eu.gcr.io/p/shop:v0'], { env: { ...process.env, ...env } });
    const plan = [
      'version: 1',
      'service: shop',
      `store: ${JSON.stringify(storeUrl)}`,
      'target:',
      ...CLOUD_RUN_RECIPE,
      'checks:',
      '  smoke: { command: { run: "test -e approved-{version}" } }',
      'strategy:',
      '  canary:',
      '    steps: [{ weight: 10 }, { pause: 6s }, { weight: 50 }, { pause: 1s }]',
      'analysis:',
      '  interval: 1s',
      '  metrics:',
      '    - { name: smoke, check: smoke, failureLimit: 0 }',
    ].join('\n');
    for (const project of [runnerA, runnerB]) {
      await project.write('glidepath.yaml', `${plan}\n`);
      for (const version of ['v1', 'v2']) writeFileSync(join(project.dir, `approved-${version}`), '');
    }
  }, 180_000);

  afterAll(async () => {
    if (killed?.exitCode === null && killed.signalCode === null && killed.pid !== undefined) process.kill(killed.pid, 'SIGKILL');
    await store?.close();
    await cluster?.stop();
    await runnerA?.remove();
    await runnerB?.remove();
  });

  it('runner A releases the first version in the foreground, no daemon involved', async () => {
    const run = await deploy(runnerA, 'v1');
    expect(run.code, run.stderr).toBe(0);
    expect(parseOneJson(run.stdout)).toMatchObject({ version: 'v1', previousVersion: null, status: 'succeeded' });
    expect(run.stderr).toMatch(/running in the foreground as foreground:/);
    expect(traffic()).toEqual({ v1: 100 });
  }, 150_000);

  it('a runner killed mid-canary is refused to others while its lease lives, then taken over and finished', async () => {
    // Runner A: killed by its own pid in the pause after the canary got 10 % of the traffic.
    const child = spawn(process.execPath, [BIN, 'deploy', 'v2', '--foreground', '--yes', '--json'], { cwd: runnerA.dir, env: cliEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
    killed = child;
    let stderrA = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderrA += chunk));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const pausing = async () => {
      const [release] = (await store.releases.listByService('shop', { limit: 10 })).filter((r) => r.version === 'v2');
      return release !== undefined && (await store.steps.listForRelease(release.id)).some((s) => s.kind === 'pause' && s.status === 'running');
    };
    for (let i = 0; i < 600 && !(await pausing()); i++) await sleep(100);
    expect(await pausing(), stderrA).toBe(true);
    expect(traffic()).toEqual({ v1: 90, v2: 10 });
    const pidA = child.pid as number;
    process.kill(pidA, 'SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const [interrupted] = (await store.releases.listByService('shop', { limit: 10 })).filter((r) => r.version === 'v2');
    expect(interrupted?.status).toBe('rollout');

    // Runner B at once: A's lease still lives, and the refusal names A and when the lease lapses (exit 3).
    const refused = await deploy(runnerB, 'v2');
    expect(refused.code, refused.stderr).toBe(3);
    const lease = await store.locks.get('release:shop');
    expect(lease?.holder).toMatch(new RegExp(`^foreground:${hostname()}:${pidA}:[0-9a-f]{8}$`));
    expect(refused.stderr).toContain(`release ${interrupted?.id ?? '?'} of shop is running (v2, rollout); the foreground runner on ${hostname()} (pid ${pidA}, id `);
    expect(refused.stderr).toMatch(/ holds its lease until \d{4}-\d\d-\d\dT[\d:.]+Z and renews it while it runs; /);
    expect(traffic()).toEqual({ v1: 90, v2: 10 });

    // Once nobody renews it, the lease lapses (GLIDEPATH_LEASE_TTL); runner B takes the release over and finishes it.
    for (let i = 0; i < 300 && (await store.locks.get('release:shop')) !== undefined; i++) await sleep(100);
    expect(await store.locks.get('release:shop')).toBeUndefined();
    const run = await deploy(runnerB, 'v2');
    expect(run.code, run.stderr).toBe(0);
    const release = parseOneJson(run.stdout) as ReleaseJson;
    expect(release).toMatchObject({ id: interrupted?.id, version: 'v2', previousVersion: 'v1', status: 'succeeded' });
    expect(run.stderr).toContain(`took over release ${interrupted?.id ?? '?'}`);
    // The split A applied was re-applied, then B went on from the pause to 50 % and promoted.
    const weights = release.steps.filter((s) => s.kind === 'weight' && s.status === 'succeeded').map((s) => s.detail.reapplied === true ? 'reapplied' : s.detail.applied);
    expect(weights, JSON.stringify(release.steps)).toEqual([{ v1: 90, v2: 10 }, 'reapplied', { v1: 50, v2: 50 }]);
    // B's workspace knew nothing of v1 and v2: it took them from the shared store instead of starting them again.
    expect(release.steps.filter((s) => s.kind === 'start')).toHaveLength(1);
    expect(release.steps.find((s) => s.kind === 'pause')).toMatchObject({ status: 'aborted', detail: { interrupted: true } });
    expect(release.steps.some((s) => s.kind === 'promote' && s.status === 'succeeded')).toBe(true);
    expect(traffic()).toEqual({ v2: 100 });
    expect(await store.releases.listByService('shop', { limit: 10 })).toHaveLength(2);

    // The record names both runners: A started it, B took it over from A.
    const report = await runCli(['report', release.id, '--format', 'json'], { cwd: runnerB.dir, env });
    expect(report.code, report.stderr).toBe(0);
    const runners = (parseOneJson(report.stdout) as { runners: { holder: string; role: string; from: string | null }[] }).runners;
    expect(runners).toHaveLength(2);
    expect(runners[0]).toMatchObject({ holder: lease?.holder, role: 'started', from: null });
    expect(runners[1]).toMatchObject({ holder: expect.stringMatching(new RegExp(`^foreground:${hostname()}:\\d+:[0-9a-f]{8}$`)), role: 'took-over', from: lease?.holder });
    expect(runners[1]?.holder).not.toBe(lease?.holder);
    expect(await store.locks.get('release:shop')).toBeUndefined();
  }, 240_000);

  it('a daemon starting while a foreground runner holds a release leaves it to that runner', async () => {
    for (const project of [runnerA, runnerB]) writeFileSync(join(project.dir, 'approved-v3'), '');
    const plan = readFileSync(join(runnerB.dir, 'glidepath.yaml'), 'utf8');
    await runnerB.write('glidepath.yaml', plan.replace('service: shop\n', `service: shop\ndaemon: { listen: "127.0.0.1:${await freePort()}" }\n`));
    const a = runCli(['deploy', 'v3', '--foreground', '--yes', '--json'], { cwd: runnerA.dir, env, timeoutMs: 120_000 });
    for (let i = 0; i < 600 && traffic().v3 !== 10; i++) await sleep(100);
    const up = await runCli(['up', '--detach', '--json'], { cwd: runnerB.dir, env, timeoutMs: 60_000 });
    try {
      expect(up.code, up.stderr).toBe(0);
      const run = await a;
      expect(run.code, run.stderr).toBe(0);
      const release = parseOneJson(run.stdout) as ReleaseJson;
      expect(release).toMatchObject({ version: 'v3', status: 'succeeded' });
      const runners = (await store.events.list({ releaseId: release.id, limit: 1000 })).filter((e) => e.type === 'release.runner');
      expect(runners.map((e) => e.data.role)).toEqual(['started']);
      const log = readFileSync(join(runnerB.dir, '.glidepath', 'daemon.log'), 'utf8');
      expect(log).toContain(`not resuming: release ${release.id} of shop is running (v3, `);
    } finally {
      const down = await runCli(['down', '--json'], { cwd: runnerB.dir, env, timeoutMs: 70_000 });
      expect(down.code, down.stderr).toBe(0);
    }
  }, 240_000);

  it('refuses the process target in the foreground (exit 2), saying why, and touches nothing', async () => {
    const project = await makeProject({
      'glidepath.yaml': 'version: 1\nservice: web\ntarget: { type: process, listen: "127.0.0.1:18085", start: "node app.js --port {port}" }\n',
    });
    try {
      const run = await runCli(['deploy', 'v1', '--foreground', '--yes'], { cwd: project.dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('deploy --foreground cannot release to the process target: its versions are local processes served through glidepath\'s own proxy, which lives in the daemon');
      expect(() => readFileSync(project.storeFile())).toThrow();
    } finally {
      await project.remove();
    }
  }, 60_000);
});
