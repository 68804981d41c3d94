/**
 * The alert conditions on the daemon's own operations, end to end: a job failing twice in a row fires
 * `job: { name, failures: 2 }` and its success resolves it; `rpo:` fires while no verified backup is younger than
 * `backup.rpo`, resolves after `backup run` + `backup verify`, and fires again once that backup has aged past it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive as alive } from '../../src/shared/process-alive.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

interface AlertView {
  name: string;
  state: string;
  detail: string;
  value: number | null;
  activeAt: string | null;
  firedAt: string | null;
}

/** Asks until `ready` holds (bounded); returns the last answer. */
async function until<T>(ask: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await ask();
  while (!ready(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await ask();
  }
  return value;
}

const RPO_MS = 15_000;

describe('job failure and RPO alerts in a real daemon', () => {
  let project: Project;
  let pid: number | undefined;
  let flag: string;

  const alert = async (name: string): Promise<AlertView> => {
    const run = await runCli(['alerts', 'list', '--json'], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    return (parseOneJson(run.stdout) as { alerts: AlertView[] }).alerts.find((a) => a.name === name) as AlertView;
  };
  const history = async (name: string): Promise<string[]> => {
    const run = await runCli(['alerts', 'history', '--json'], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    const entries = (parseOneJson(run.stdout) as { history: { rule: string; from: string; to: string }[] }).history;
    return entries.filter((h) => h.rule === name).map((h) => `${h.from}>${h.to}`).reverse();
  };

  beforeAll(async () => {
    await ensureBuilt();
    const port = await closedPort();
    project = await makeProject();
    flag = join(project.dir, 'job-ok');
    mkdirSync(join(project.dir, 'data'));
    writeFileSync(join(project.dir, 'data', 'orders.csv'), 'id,total\n1,10\n');
    await project.write(
      'glidepath.yaml',
      [
        'version: 1',
        'service: shop',
        `daemon: { listen: "127.0.0.1:${port}" }`,
        'jobs:',
        `  - { name: export, every: 1s, run: "test -f ${flag}", timeout: 10s }`,
        'backup:',
        '  sources: [{ name: data, files: { path: ./data } }]',
        '  store: { dir: ./backups }',
        `  rpo: ${RPO_MS / 1000}s`,
        'alerts:',
        '  - { name: export-failing, job: { name: export, failures: 2 }, interval: 250ms, severity: warning }',
        '  - { name: rpo-breached, rpo: data, interval: 250ms, for: 500ms, severity: critical }',
        '',
      ].join('\n'),
    );
    const up = await runCli(['up', '--detach', '--json'], { cwd: project.dir });
    expect(up.code, up.stderr).toBe(0);
    pid = (parseOneJson(up.stdout) as { pid: number }).pid;
  });

  afterAll(async () => {
    if (pid !== undefined && alive(pid)) {
      await runCli(['down'], { cwd: project.dir });
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    await project.remove();
  });

  it('a job failing twice in a row fires its alert; a success resolves it', async () => {
    const firing = await until(() => alert('export-failing'), (a) => a.state === 'firing');
    expect(firing).toMatchObject({ state: 'firing' });
    expect(firing.value).toBeGreaterThanOrEqual(2);
    expect(firing.detail).toMatch(/^export failed \d+ time\(s\) in a row, last: exit 1/);
    // the job's own history says the same
    const runs = parseOneJson((await runCli(['jobs', 'history', 'export', '--json'], { cwd: project.dir })).stdout) as { runs: { status: string }[] };
    expect(runs.runs.slice(0, 2).map((r) => r.status)).toEqual(['failed', 'failed']);

    writeFileSync(flag, '');
    const resolved = await until(() => alert('export-failing'), (a) => a.state === 'resolved');
    expect(resolved).toMatchObject({ state: 'resolved', value: 0 });
    expect(await history('export-failing')).toEqual(['inactive>firing', 'firing>resolved']);
  });

  it('no verified backup within backup.rpo fires; a verified backup resolves; its ageing past the RPO fires again', async () => {
    const firing = await until(() => alert('rpo-breached'), (a) => a.state === 'firing');
    expect(firing).toMatchObject({ state: 'firing', detail: `data: no verified backup (rpo ${RPO_MS / 1000}s)` });

    const backup = await runCli(['backup', 'run', '--json'], { cwd: project.dir });
    expect(backup.code, backup.stderr).toBe(0);
    const verify = await runCli(['backup', 'verify', '--json'], { cwd: project.dir });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const startedAt = Date.parse((parseOneJson(backup.stdout) as { backups: { startedAt: string }[] }).backups[0]?.startedAt ?? '');
    const resolved = await until(() => alert('rpo-breached'), (a) => a.state === 'resolved');
    expect(resolved.state, resolved.detail).toBe('resolved');
    expect(resolved.detail).toMatch(/^data: newest verified backup [\d.]+(ms|s) old \(rpo 15s\)$/);

    const again = await until(() => alert('rpo-breached'), (a) => a.state === 'firing', RPO_MS + 30_000);
    expect(again.state).toBe('firing');
    expect(again.value).toBeGreaterThan(RPO_MS);
    expect(Date.parse(again.firedAt ?? '')).toBeGreaterThanOrEqual(startedAt + RPO_MS);
    expect(again.detail).toMatch(/^data: newest verified backup [\d.]+s old \(rpo 15s\)$/);
    expect(await history('rpo-breached')).toEqual(['inactive>pending', 'pending>firing', 'firing>resolved', 'resolved>pending', 'pending>firing']);
  });
});
