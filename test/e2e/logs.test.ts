/**
 * `glidepath logs` end to end: a version name is checked before it names a path (nothing outside the state
 * directory is read), and without a version the stable version's output is shown (the one serving), from the
 * daemon when it runs and from the recorded releases when it does not, never merely the one that started last.
 */
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { processAlive } from '../../src/shared/process-alive.js';
import { processPlanLines } from '../../src/testing/test-service.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

const PLAN = 'version: 1\nservice: shop\ntarget:\n  type: process\n  listen: 127.0.0.1:1\n  start: node server.js --port {port}\n';

const projects: Project[] = [];
const daemons: Project[] = [];

beforeAll(async () => {
  await ensureBuilt();
});

afterEach(async () => {
  for (const project of daemons.splice(0)) {
    await runCli(['down'], { cwd: project.dir, timeoutMs: 70_000 }).catch(() => undefined);
    const info = (() => {
      try {
        return JSON.parse(readFileSync(join(project.dir, '.glidepath', 'daemon.json'), 'utf8')) as { pid: number };
      } catch {
        return undefined;
      }
    })();
    if (info !== undefined && processAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
  }
  for (const project of projects.splice(0)) await project.remove();
});

/** Writes one log line for `version` (instance 0) and dates its directory `secondsAgo` back. */
function writeLog(project: Project, version: string, text: string, secondsAgo: number): void {
  const dir = join(project.dir, '.glidepath', 'logs', version);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '0.log'), `2026-01-01T00:00:00.000Z out ${text}\n`);
  const at = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(dir, at, at);
}

describe('a version name that is not one', () => {
  test.each(['../../../x', '../outside', '..', '.', 'v1/../../outside', '-v1', ''])('"%s" exits 2 and reads nothing', async (name) => {
    const project = await makeProject({ 'glidepath.yaml': PLAN });
    projects.push(project);
    writeLog(project, 'v1', 'inside', 10);
    // a file that `logs ../outside` reached before: .glidepath/logs/../outside/0.log
    mkdirSync(join(project.dir, '.glidepath', 'outside'), { recursive: true });
    writeFileSync(join(project.dir, '.glidepath', 'outside', '0.log'), 'OUTSIDE-THE-LOGS\n');
    const run = await runCli(['logs', '--', name], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('a version name may use letters, digits, . _ + -');
    expect(run.stdout).not.toContain('OUTSIDE-THE-LOGS');
    expect(run.stdout).not.toContain('inside');
  });
});

describe('without a version', () => {
  test('with no daemon, the version the last finished release left serving, not the one that started last', async () => {
    const project = await makeProject({ 'glidepath.yaml': PLAN });
    projects.push(project);
    const store = await project.openStore();
    try {
      const first = await store.releases.create({ service: 'shop', version: 'v1', strategy: 'canary', previousVersion: null });
      await store.releases.update(first.id, { status: 'succeeded', finishedAt: new Date().toISOString() });
      const second = await store.releases.create({ service: 'shop', version: 'v2', strategy: 'canary', previousVersion: 'v1' });
      await store.releases.update(second.id, { status: 'rolled_back', finishedAt: new Date().toISOString() });
    } finally {
      await store.close();
    }
    writeLog(project, 'v1', 'from v1', 60);
    writeLog(project, 'v2', 'from v2', 1); // started last
    const run = await runCli(['logs', '--json'], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    const doc = parseOneJson(run.stdout) as { version: string; lines: { text: string }[] };
    expect(doc.version).toBe('v1');
    expect(doc.lines.map((l) => l.text)).toEqual(['from v1']);
    expect(run.stderr).toMatch(/logs of v1: the stable version after release \S+ rolled_back/);
  });

  test('with nothing recorded, the version that logged last, and stderr says so', async () => {
    const project = await makeProject({ 'glidepath.yaml': PLAN });
    projects.push(project);
    writeLog(project, 'v1', 'from v1', 60);
    writeLog(project, 'v2', 'from v2', 1);
    const run = await runCli(['logs'], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('from v2');
    expect(run.stderr).toContain('logs of v2: no version serves now; v2 logged last');
  });

  test('with a daemon, the stable version it serves after a release that failed to start', async () => {
    const project = await makeProject();
    projects.push(project);
    const proxyPort = await closedPort();
    let daemonPort = await closedPort();
    while (daemonPort === proxyPort) daemonPort = await closedPort();
    for (const [version, settings] of Object.entries({ v1: {}, v2: { NEVER_READY: '1' } })) {
      mkdirSync(join(project.dir, 'releases', version), { recursive: true });
      writeFileSync(join(project.dir, 'releases', version, 'service.json'), JSON.stringify(settings));
    }
    const plan = processPlanLines('shop', daemonPort, proxyPort).map((line) => line.replace('timeout: 20s', 'timeout: 2s'));
    await project.write('glidepath.yaml', `${plan.join('\n')}\n`);
    daemons.push(project);
    const first = await runCli(['deploy', 'v1', '--yes'], { cwd: project.dir, timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(['deploy', 'v2', '--yes'], { cwd: project.dir, timeoutMs: 60_000 });
    expect(second.code, second.stderr).toBe(1); // v2 never became ready; v1 still serves
    const run = await runCli(['logs', '--json'], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    expect((parseOneJson(run.stdout) as { version: string }).version).toBe('v1');
    expect(run.stderr).toContain('logs of v1: the stable version, serving now');
  });
});
