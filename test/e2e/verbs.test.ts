/**
 * The verbs Argo Rollouts and Kamal users reach for, through the built CLI and a real daemon running real versions:
 * `deploy --detach` + `wait`, `retry` of an aborted release, `status --watch`, `lock acquire | release | status`, and
 * `deploy` asking the plan's confirmations on a real terminal (util-linux `script`).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StatusDocument } from '../../src/api/contract.js';
import { processAlive } from '../../src/shared/process-alive.js';
import { processPlanLines } from '../../src/testing/test-service.js';
import { requirePrograms } from '../../src/testing/require-program.js';
import { BIN, cliEnv, closedPort, ensureBuilt, makeProject, parseOneJson, runCli, runCliInTerminal, type CliRun, type Project } from './helpers.js';

const SERVICE = 'verbs';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value other than undefined/false, for at most `timeoutMs`. */
async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(250);
  }
}

interface ReleaseJson {
  id: string;
  version: string;
  status: string;
  reason: string | null;
  retryOf?: string;
}

/** A project releasing the test service from `releases/<version>/`, with a canary that waits for promote. */
class Project2 {
  readonly project: Project;
  readonly daemonPort: number;
  readonly watchers: ChildProcessWithoutNullStreams[] = [];

  private constructor(project: Project, daemonPort: number) {
    this.project = project;
    this.daemonPort = daemonPort;
  }

  static async create(extra = ''): Promise<Project2> {
    const project = await makeProject();
    const proxyPort = await closedPort();
    let daemonPort = await closedPort();
    while (daemonPort === proxyPort) daemonPort = await closedPort();
    for (const version of ['v1', 'v2', 'v3']) {
      mkdirSync(join(project.dir, 'releases', version), { recursive: true });
      writeFileSync(join(project.dir, 'releases', version, 'service.json'), '{}');
    }
    const plan = [...processPlanLines(SERVICE, daemonPort, proxyPort), 'strategy:', '  canary:', '    steps: [{ weight: 20 }, { pause: {} }]', extra].join('\n');
    await project.write('glidepath.yaml', `${plan}\n`);
    const created = new Project2(project, daemonPort);
    OPEN.add(created);
    return created;
  }

  cli(args: readonly string[], env?: Record<string, string>): Promise<CliRun> {
    return runCli(args, { cwd: this.project.dir, timeoutMs: 60_000, env });
  }

  async json<T>(args: readonly string[], code = 0): Promise<T> {
    const run = await this.cli([...args, '--json']);
    expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(code);
    return parseOneJson(run.stdout) as T;
  }

  async apiStatus(): Promise<StatusDocument> {
    const { read } = JSON.parse(readFileSync(join(this.project.dir, '.glidepath', 'token'), 'utf8')) as { read: string };
    const response = await fetch(`http://127.0.0.1:${this.daemonPort}/v1/status`, { headers: { authorization: `Bearer ${read}` }, signal: AbortSignal.timeout(5_000) });
    return (await response.json()) as StatusDocument;
  }

  /** `glidepath status --watch ARGS` running in the background; its stdout collected. */
  watch(args: readonly string[]): { child: ChildProcessWithoutNullStreams; output: () => string; errors: () => string } {
    const child = spawn(process.execPath, [BIN, 'status', '--watch', ...args], { cwd: this.project.dir, env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    this.watchers.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    return { child, output: () => stdout, errors: () => stderr };
  }

  async cleanup(): Promise<void> {
    for (const watcher of this.watchers) if (watcher.exitCode === null && watcher.pid !== undefined) watcher.kill('SIGKILL');
    await this.cli(['down']).catch(() => undefined);
    try {
      const { pid } = JSON.parse(readFileSync(join(this.project.dir, '.glidepath', 'daemon.json'), 'utf8')) as { pid: number };
      if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // no daemon record: nothing left to stop
    }
    await this.project.remove();
  }
}

const OPEN = new Set<Project2>();

afterEach(async () => {
  for (const project of OPEN) await project.cleanup();
  OPEN.clear();
});

beforeAll(() => ensureBuilt());

/** Resolves with the exit code once the child has exited, or fails after `timeoutMs`. */
function exited(child: ChildProcessWithoutNullStreams, timeoutMs = 10_000): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${String(child.pid)} did not exit within ${timeoutMs}ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('deploy --detach, wait, retry and status --watch', () => {
  it('wait follows a detached release to its end with deploy\'s exit codes; retry runs an aborted release again, recording what it retries', async () => {
    const p = await Project2.create();
    const first = await p.json<ReleaseJson>(['deploy', 'v1']);
    expect(first).toMatchObject({ version: 'v1', status: 'succeeded' });

    const watcher = p.watch(['--json']);
    await waitFor('status --watch to print the first document', () => watcher.output().includes('\n'));

    const started = await p.json<{ id: string; status: string }>(['deploy', 'v2', '--detach']);
    expect(started.status).toBe('started');
    await waitFor('v2 to wait for promote', async () => (await p.apiStatus()).release?.status === 'paused');
    expect((await p.json<{ ok: boolean }>(['abort'])).ok).toBe(true);

    // wait: exit 1 for an aborted release, its final document as deploy --json prints it.
    const aborted = await p.json<ReleaseJson>(['wait', started.id], 1);
    expect(aborted).toMatchObject({ id: started.id, version: 'v2', status: 'aborted' });

    // retry (of the latest release by default): the same version as a new release that names the one it retries.
    const retried = await p.json<{ id: string; version: string; retryOf: string; status: string }>(['retry', '--detach']);
    expect(retried).toMatchObject({ version: 'v2', retryOf: started.id, status: 'started' });
    expect(retried.id).not.toBe(started.id);
    await waitFor('the retry to wait for promote', async () => (await p.apiStatus()).release?.status === 'paused');

    // wait without an id follows the latest release: it ends once someone promotes.
    const waiting = p.cli(['wait', '--json']);
    await sleep(1_000);
    expect((await p.cli(['promote'])).code).toBe(0);
    const waited = await waiting;
    expect(waited.code, waited.stderr).toBe(0);
    expect(parseOneJson(waited.stdout)).toMatchObject({ id: retried.id, version: 'v2', status: 'succeeded' });
    // Its progress (stderr, one line per event) numbers the steps as the plan lists them and says what a pause: {} waits for.
    expect(waited.stderr).toContain('… step 1/2  weight v2 20%, v1 80%');
    expect(waited.stderr).toContain('… step 2/2  pause — waiting for `glidepath promote`');

    const store = await p.project.openStore();
    try {
      const events = await store.events.list({ releaseId: retried.id, limit: 1000 });
      expect(events.filter((e) => e.type === 'release.retry').map((e) => e.data)).toEqual([{ of: started.id }]);
    } finally {
      await store.close();
    }

    // show names the release a retry ran again (human and --json); other releases' documents keep their shape.
    expect(await p.json(['show', retried.id])).toMatchObject({ id: retried.id, retryOf: started.id });
    expect(await p.json(['show', started.id])).not.toHaveProperty('retryOf');
    expect((await p.cli(['show', retried.id])).stdout).toContain(`(retry of ${started.id})`);

    // Nothing to retry after a success; an unknown id is bad input naming recent ones.
    const again = await p.cli(['retry', retried.id]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/succeeded; only an aborted, failed or rolled-back release can be retried/);
    const unknown = await p.cli(['wait', 'nosuch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`no release nosuch of ${SERVICE} (recent: ${retried.id}`);

    // status --watch --json printed one document per change, as JSON Lines, and stops on Ctrl-C with exit 0.
    await waitFor('status --watch to show v2 stable', () => watcher.output().includes('"stable":{"version":"v2","weight":100}'));
    watcher.child.kill('SIGINT');
    expect(await exited(watcher.child)).toBe(0);
    const documents = watcher.output().trimEnd().split('\n').map((line) => JSON.parse(line) as StatusDocument);
    expect(documents[0]).toEqual({ service: SERVICE, stable: { version: 'v1', weight: 100 }, canary: null, release: null });
    expect(documents).toContainEqual(expect.objectContaining({ canary: { version: 'v2', weight: 20 }, release: expect.objectContaining({ id: retried.id, status: 'paused' }) }));
    expect(documents.at(-1)).toEqual({ service: SERVICE, stable: { version: 'v2', weight: 100 }, canary: null, release: null });
    // Only changes: no two documents in a row are the same.
    for (let i = 1; i < documents.length; i++) expect(documents[i]).not.toEqual(documents[i - 1]);
  }, 180_000);
});

describe('glidepath lock', () => {
  it('a held lock refuses deploy with exit 3 naming who and why; another person cannot take it; release ends it', async () => {
    const p = await Project2.create();
    expect(await p.json(['lock', 'status'])).toEqual({ service: SERVICE, locked: false, by: null, message: null, since: null });
    const alice = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', USER: 'alice', LOGNAME: 'alice' };
    const bob = { ...alice, USER: 'bob', LOGNAME: 'bob' };

    const acquire = await p.cli(['lock', 'acquire', '--message', 'database upgrade', '--json'], alice);
    expect(acquire.code, acquire.stderr).toBe(0);
    expect(parseOneJson(acquire.stdout)).toMatchObject({ service: SERVICE, locked: true, by: 'alice', message: 'database upgrade' });
    expect(await p.json(['lock', 'status'])).toMatchObject({ locked: true, by: 'alice', message: 'database upgrade', since: expect.stringMatching(/^\d{4}-/) });

    const deploy = await p.cli(['deploy', 'v1', '--json'], bob);
    expect(deploy.code).toBe(3);
    expect(deploy.stderr).toMatch(/locked by alice since .*: database upgrade/);
    expect(parseOneJson(deploy.stdout)).toMatchObject({ error: { code: 'locked' } });

    const taken = await p.cli(['lock', 'acquire'], bob);
    expect(taken.code).toBe(3);
    expect(taken.stderr).toMatch(/already locked by alice .*database upgrade/);

    const store = await p.project.openStore();
    try {
      expect(await store.releases.listByService(SERVICE, { limit: 10 })).toEqual([]);
    } finally {
      await store.close();
    }

    const released = await p.cli(['lock', 'release', '--json'], bob);
    expect(released.code, released.stderr).toBe(0);
    expect(parseOneJson(released.stdout)).toMatchObject({ locked: false, released: { by: 'alice', message: 'database upgrade' } });
    expect(await p.json(['lock', 'status'])).toMatchObject({ locked: false });
    expect(await p.json<ReleaseJson>(['deploy', 'v1'])).toMatchObject({ version: 'v1', status: 'succeeded' });

    // A watcher does not hold the daemon up: down stops it promptly, and the watcher ends with exit 3 saying so.
    const watcher = p.watch([]);
    await waitFor('status --watch to print', () => watcher.output().includes('stable   v1 (100%)'));
    const started = Date.now();
    const down = await p.cli(['down', '--json']);
    expect(down.code, down.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await exited(watcher.child)).toBe(3);
    expect(watcher.errors()).toMatch(/^error: the glidepath daemon at \S+ stopped$/m);
  }, 120_000);
});

const terminal = requirePrograms('script');

describe.skipIf(terminal.missing)(`deploy at a terminal${terminal.missing ? ` (skipped: ${terminal.missing})` : ''}`, () => {
  it('asks the plan\'s confirmations before it starts: yes releases, no starts nothing (exit 1)', async () => {
    const p = await Project2.create('preflight:\n  - confirm: "Frontend points at the new API"');
    const prompt = /Frontend points at the new API — confirm \[y\/N\]/;
    const declined = await runCliInTerminal(terminal.paths.script!, ['deploy', 'v1'], { cwd: p.project.dir, prompt, answer: 'n\n', timeoutMs: 60_000 });
    expect(declined.answered).toBe(true);
    expect(declined.code, declined.stdout).toBe(1);
    expect(declined.stdout).toMatch(/not confirmed: Frontend points at the new API; no release started/);

    const confirmed = await runCliInTerminal(terminal.paths.script!, ['deploy', 'v1'], { cwd: p.project.dir, prompt, answer: 'y\n', timeoutMs: 60_000 });
    expect(confirmed.answered).toBe(true);
    expect(confirmed.code, confirmed.stdout).toBe(0);
    expect(confirmed.stdout).toMatch(/v1: succeeded/);
    const history = await p.json<{ releases: { version: string; status: string }[] }>(['history']);
    expect(history.releases.map((r) => [r.version, r.status])).toEqual([['v1', 'succeeded']]);
  }, 120_000);
});
