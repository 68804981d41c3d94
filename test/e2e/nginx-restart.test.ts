/**
 * The nginx target's versions run by the daemon's supervisor survive the daemon: a canary at 50 % through a real
 * nginx (its own master, stopped by its pid), the daemon killed with SIGKILL mid-release, a new daemon started. nginx
 * serves on without one failed request under steady load, the new daemon adopts both versions (same processes), so
 * does the daemon after a `down --keep-serving` and `up`, and the release can still be aborted to the stable version.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Load } from '../../src/load/steady-load.js';
import { processAlive as alive } from '../../src/shared/process-alive.js';
import type { ProcessesSnapshot } from '../../src/supervisor/processes-file.js';
import { nginxMissing } from '../../src/testing/nginx-server.js';
import { testServiceCommand } from '../../src/testing/test-service.js';
import { until } from '../../src/testing/until.js';
import { parseOneJson, type CliRun } from './helpers.js';
import { NginxRig } from './nginx-rig.js';

const missing = nginxMissing();

describe.skipIf(missing)(`nginx target: a daemon killed mid-canary, then started again${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let rig: NginxRig;
  let load: Load | undefined;
  const state = (file: string) => readFileSync(join(rig.dir, '.glidepath', file), 'utf8');
  const daemonPid = () => (JSON.parse(state('daemon.json')) as { pid: number }).pid;
  /** The pid of each version's process, as the supervisor recorded it. */
  const versionPids = () =>
    Object.fromEntries((JSON.parse(state('processes.json')) as ProcessesSnapshot).versions.flatMap((v) => v.processes.map((p) => [p.version, p.pid] as const)));

  beforeAll(async () => {
    rig = await NginxRig.create();
    await rig.writeCanaryPlan(
      [`  start: ${JSON.stringify(testServiceCommand(['--version', '{version}']))}`, '  ready: { path: /health, timeout: 20s, interval: 50ms }'],
      '[{ weight: 50 }, { pause: 10m }]',
    );
    await rig.up();
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await rig?.close();
  }, 120_000);

  it('serves on without a failed request, and the new daemon adopts the versions and aborts the release', async () => {
    const first = await rig.cli(['deploy', 'v1', '--yes', '--json'], 90_000);
    expect(first.code, first.stderr).toBe(0);
    expect(rig.applied()).toEqual({ v1: 100 });
    const running = Load.start({ url: rig.url, clients: 4, maxSeconds: 240, gapMs: 2 });
    load = running;
    await running.waitForRequests(50);
    const deploy = rig.cli(['deploy', 'v2', '--yes', '--json'], 200_000);
    await until('the canary at 50 %', () => rig.applied()?.v2 === 50, 120_000);
    const pids = versionPids();
    expect(Object.keys(pids).sort()).toEqual(['v1', 'v2']);

    const killed = daemonPid();
    process.kill(killed, 'SIGKILL');
    await until('the killed daemon to be gone', () => !alive(killed), 10_000);
    // The deploy that followed the release loses its daemon; the release itself stays recorded.
    const followed: CliRun = await deploy;
    expect(followed.code).not.toBe(0);
    await running.waitForRequests(100);

    await rig.up();
    expect(daemonPid()).not.toBe(killed);
    await running.waitForRequests(100);
    // The same processes serve: adopted, not started again.
    expect(versionPids()).toEqual(pids);
    expect(rig.applied()).toEqual({ v1: 50, v2: 50 });

    // `down --keep-serving` stops the daemon alone: the versions and nginx go on serving for the next `up`.
    const file = readFileSync(rig.nginx.configFile, 'utf8');
    const down = await rig.cli(['down', '--keep-serving', '--json'], 70_000);
    expect(down.code, down.stderr).toBe(0);
    await running.waitForRequests(100);
    expect(Object.values(pids).every(alive)).toBe(true);
    await rig.up();
    await running.waitForRequests(100);
    expect(versionPids()).toEqual(pids);
    expect(readFileSync(rig.nginx.configFile, 'utf8')).toBe(file);

    const abort = await rig.cli(['abort', '--json']);
    expect(abort.code, abort.stderr).toBe(0);
    // The rollback is over once the status shows no canary (v2 drained and stopped).
    const status = async () => parseOneJson((await rig.cli(['status', '--json'])).stdout) as { stable: { version: string } | null; canary: unknown };
    await until('the release to end', async () => (await status()).canary === null, 60_000);
    expect(await status()).toMatchObject({ stable: { version: 'v1' }, canary: null });
    expect(rig.applied()).toEqual({ v1: 100 });
    const throughout = running.reset();
    await running.waitForRequests(100);
    const after = await running.stop();
    expect(after.versions).toEqual({ v1: after.requests });
    const all = [throughout, after];
    expect(all.map((r) => r.failed), JSON.stringify(all.map((r) => [r.statuses, r.connectionErrors]))).toEqual([0, 0]);
    expect(throughout.versions.v2).toBeGreaterThan(0);
  }, 240_000);
});
