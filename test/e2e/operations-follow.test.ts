/**
 * Jobs, monitors and alert rules follow the plan file: a real detached daemon, its plan edited on disk, the new
 * monitor beating and the new rule evaluated without a restart or a deploy; an invalid edit changes nothing.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive as alive } from '../../src/shared/process-alive.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

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

describe('the operating half follows the plan file', () => {
  let project: Project;
  let pid: number | undefined;
  let port: number;
  const plan = (extra: string[]) =>
    ['version: 1', 'service: shop', `daemon: { listen: "127.0.0.1:${port}" }`, 'checks:', '  first: { command: { run: "true" }, interval: 500ms }', ...extra, ''].join('\n');
  const monitors = async () =>
    (parseOneJson((await runCli(['monitors', '--json'], { cwd: project.dir })).stdout) as { monitors: { name: string; status: string }[] }).monitors;
  const alerts = async () => (parseOneJson((await runCli(['alerts', 'list', '--json'], { cwd: project.dir })).stdout) as { alerts: { name: string; state: string }[] }).alerts;

  beforeAll(async () => {
    await ensureBuilt();
    port = await closedPort();
    project = await makeProject();
    await project.write('glidepath.yaml', plan([]));
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

  it('an edited plan\'s new monitor and alert rule start without a restart; a removed monitor stops', async () => {
    expect((await until(monitors, (m) => m[0]?.status === 'up')).map((m) => m.name)).toEqual(['first']);
    const beat = join(project.dir, 'second-beat');
    await project.write(
      'glidepath.yaml',
      plan([`  second: { command: { run: "touch ${beat}" }, interval: 500ms }`, 'alerts:', '  - { name: second-down, check: second, interval: 500ms }']),
    );
    const both = await until(monitors, (m) => m.find((x) => x.name === 'second')?.status === 'up');
    expect(both.map((m) => `${m.name}:${m.status}`)).toEqual(['first:up', 'second:up']);
    expect(existsSync(beat)).toBe(true);
    expect((await until(alerts, (a) => a[0]?.state === 'inactive')).map((a) => `${a.name}:${a.state}`)).toEqual(['second-down:inactive']);
    expect(alive(pid ?? 0)).toBe(true);

    // An edit with a problem is reported in the log and changes nothing: the second monitor goes on beating.
    await project.write('glidepath.yaml', plan(['  broken: { command: { run: "true" }, interval: soon }']));
    const log = join(project.dir, '.glidepath', 'daemon.log');
    await until(async () => readFileSync(log, 'utf8'), (text) => text.includes('is not applied to jobs, monitors and alerts'));
    rmSync(beat);
    await until(async () => existsSync(beat), (there) => there, 10_000);
    expect(existsSync(beat)).toBe(true);

    // Removing the second monitor stops it.
    await project.write('glidepath.yaml', plan([]));
    expect((await until(monitors, (m) => m.length === 1)).map((m) => m.name)).toEqual(['first']);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a beat already running may still end
    rmSync(beat, { force: true });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(existsSync(beat)).toBe(false);
    expect(await alerts()).toEqual([]);
  });
});
