import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive as alive } from '../../src/shared/process-alive.js';
import { requirePrograms } from '../../src/testing/require-program.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

const promtool = requirePrograms('promtool');


function listening(port: number): boolean {
  const out = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  return out.trim() !== '';
}

describe('daemon lifecycle: up, status, metrics, down', () => {
  let project: Project;
  let port: number;
  let pid: number | undefined;

  beforeAll(async () => {
    await ensureBuilt();
    port = await closedPort();
    project = await makeProject({
      'glidepath.yaml': `version: 1\nservice: shop\ndaemon: { listen: "127.0.0.1:${port}" }\n`,
    });
  });

  afterAll(async () => {
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
    await project.remove();
  });

  it('status without a daemon exits 3 and says how to start one', async () => {
    const run = await runCli(['status'], { cwd: project.dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('glidepath up');
  });

  it('up --detach starts one daemon, answers health, and a second up finds it', async () => {
    const first = await runCli(['up', '--detach', '--json'], { cwd: project.dir });
    expect(first.code).toBe(0);
    const started = parseOneJson(first.stdout) as { url: string; pid: number; started: boolean };
    expect(started).toMatchObject({ url: `http://127.0.0.1:${port}`, started: true });
    pid = started.pid;
    expect(alive(pid)).toBe(true);
    const health = (await (await fetch(`${started.url}/health`)).json()) as { status: string; pid: number };
    expect(health).toMatchObject({ status: 'ok', pid });
    const again = await runCli(['up', '--detach', '--json'], { cwd: project.dir });
    expect(parseOneJson(again.stdout)).toMatchObject({ pid, started: false });
  });

  it('keeps its tokens private and refuses calls without one', async () => {
    const tokenFile = join(project.dir, '.glidepath', 'token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect((await fetch(`http://127.0.0.1:${port}/v1/status`)).status).toBe(401);
  });

  it('status --json has the contract shape', async () => {
    const run = await runCli(['status', '--json'], { cwd: project.dir });
    expect(run.code).toBe(0);
    expect(parseOneJson(run.stdout)).toEqual({ service: 'shop', stable: null, canary: null, release: null });
  });

  it.skipIf(promtool.missing)('exposes /metrics that promtool accepts', async () => {
    const { read } = JSON.parse(readFileSync(join(project.dir, '.glidepath', 'token'), 'utf8')) as { read: string };
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${read}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    const file = join(project.dir, 'metrics.txt');
    writeFileSync(file, text);
    // promtool reads the exposition on stdin and exits non-zero on a format error.
    const lint = execFileSync('sh', ['-c', `${promtool.paths.promtool ?? 'promtool'} check metrics < ${file} 2>&1; echo "exit=$?"`], { encoding: 'utf8' });
    expect(lint).toMatch(/exit=0\s*$/);
  });

  it('down stops it, leaving no process and no listening socket', async () => {
    const run = await runCli(['down', '--json'], { cwd: project.dir });
    expect(run.code).toBe(0);
    expect(parseOneJson(run.stdout)).toMatchObject({ stopped: true, pid });
    expect(alive(pid ?? -1)).toBe(false);
    expect(listening(port)).toBe(false);
    const again = await runCli(['down'], { cwd: project.dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('no daemon running');
  });

  it('cleans a stale record left by a daemon that died', async () => {
    const record = join(project.dir, '.glidepath', 'daemon.json');
    writeFileSync(record, JSON.stringify({ pid: 2 ** 22 + 7, url: `http://127.0.0.1:${port}`, service: 'shop', plan: 'x', startedAt: '' }));
    const run = await runCli(['status'], { cwd: project.dir });
    expect(run.code).toBe(3);
    expect(() => statSync(record)).toThrow();
  });

  it('exits 3 and leaves nothing behind when its address is taken', async () => {
    // `up` first asks whoever holds the address whether it is another project's daemon: the blocker hangs up on it
    // (a server that leaves connections open could not be closed after the test).
    const blocker = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const run = await runCli(['up', '--detach'], { cwd: project.dir });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/did not start|cannot listen/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
