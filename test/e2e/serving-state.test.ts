/**
 * What serves survives `down`, `up`, and the death of every glidepath process (a reboot, say): the built CLI, a
 * detached daemon, the built-in proxy and REAL sample-service processes. After `up`, the stable version serves
 * without a deploy, `status` knows it, and the next deploy is a canary against it.
 */
import { createServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processAlive as alive } from '../../src/shared/process-alive.js';
import { ensureBuilt, parseOneJson } from './helpers.js';
import { Rig, SERVICE, cleanupRigs } from './serving-rig.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(cleanupRigs);

beforeAll(async () => {
  await ensureBuilt();
});

async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(50);
  }
}

describe('what serves survives down, up and the death of every process', () => {
  it('deploy v1, down, up: v1 serves without a deploy, status knows it, the next deploy is a canary, rollback works', async () => {
    const rig = await Rig.create();
    expect(await rig.up()).toBeGreaterThan(0);
    expect(await rig.deploy('v1')).toMatchObject({ version: 'v1', previousVersion: null, status: 'succeeded' });
    const pid = rig.daemonPid() as number;

    const down = await rig.cli(['down', '--json']);
    expect(down.code, down.stderr).toBe(0);
    // `down` says what it stops: the proxy and each version with its share.
    expect(parseOneJson(down.stdout)).toEqual({ service: SERVICE, stopped: true, pid, proxy: new URL(rig.proxyUrl).host, versions: [{ version: 'v1', weight: 100 }] });
    expect(alive(pid)).toBe(false);
    expect(rig.services()).toEqual([]);
    expect(rig.proxies()).toEqual([]);

    await rig.up();
    // Nothing was deployed since: v1 serves again, started from what was recorded.
    expect(await rig.served()).toEqual(['200 v1']);
    expect(rig.services().map((s) => s.version)).toEqual(['v1']);
    expect(await rig.status()).toEqual({ service: SERVICE, stable: { version: 'v1', weight: 100 }, canary: null, release: null });

    const next = await rig.deploy('v2');
    // A canary against v1, not a first release at 100% at once.
    expect(next).toMatchObject({ version: 'v2', previousVersion: 'v1', status: 'succeeded' });
    const weights = next.steps.filter((s) => s.kind === 'weight').map((s) => s.detail.weights);
    expect(weights[0]).toEqual({ v1: 80, v2: 20 });

    const rollback = await rig.cli(['rollback', '--json']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(await rig.served()).toEqual(['200 v1']);

    // The human `down` names what it stops and how it comes back.
    const humanDown = await rig.cli(['down']);
    expect(humanDown.code, humanDown.stderr).toBe(0);
    expect(humanDown.stdout).toMatch(/stopped with it: the proxy on 127\.0\.0\.1:\d+, v1 \(100% of traffic\)/);
    expect(humanDown.stdout).toContain("'glidepath up' brings v1 back without a deploy");
    expect(rig.services()).toEqual([]);
  }, 180_000);

  it('kill -9 of the daemon and every version, then up: v1 serves again', async () => {
    const rig = await Rig.create();
    await rig.up();
    await rig.deploy('v1');
    const pids = [rig.daemonPid() as number, ...rig.proxies(), ...rig.standbys(), ...rig.services().map((s) => s.pid)];
    expect(pids.length).toBe(4);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await until('every killed process to be gone', () => pids.every((pid) => !alive(pid)));

    await rig.up();
    expect(await rig.served()).toEqual(['200 v1']);
    const [v1] = rig.services();
    expect(v1?.version).toBe('v1');
    expect(pids).not.toContain(v1?.pid);
    expect(await rig.status()).toMatchObject({ stable: { version: 'v1', weight: 100 }, canary: null });
    const down = await rig.cli(['down']);
    expect(down.code, down.stderr).toBe(0);
    expect(rig.services()).toEqual([]);
  }, 120_000);

  it('kill -9 of the daemon, then down: the proxy, its standby and the versions it left are stopped and the port is free', async () => {
    const rig = await Rig.create();
    await rig.up();
    await rig.deploy('v1');
    const proxies = [...rig.proxies(), ...rig.standbys()];
    const versions = rig.services();
    expect(proxies).toHaveLength(2);
    expect(versions).toHaveLength(1);
    const daemon = rig.daemonPid() as number;
    process.kill(daemon, 'SIGKILL');
    await until('the killed daemon to be gone', () => !alive(daemon));
    expect(await rig.served()).toEqual(['200 v1']);

    const down = await rig.cli(['down', '--json']);
    expect(down.code, down.stderr).toBe(0);
    const report = parseOneJson(down.stdout) as { running: boolean; leftovers: { proxies: Array<{ pid: number; role: string }>; versions: Array<{ version: string; pid: number }> } };
    expect(report.running).toBe(false);
    expect(report.leftovers.proxies.map((p) => p.pid).sort()).toEqual([...proxies].sort());
    expect(report.leftovers.proxies.map((p) => p.role).sort()).toEqual(['serving', 'standby']);
    expect(report.leftovers.versions).toEqual([{ version: 'v1', pid: versions[0]?.pid }]);
    // Killed ones are reaped by init a moment later on a loaded machine.
    await until('every stopped process to be reaped', () => [...proxies, ...versions.map((v) => v.pid)].every((pid) => !alive(pid)), 5_000);
    expect(rig.proxies()).toEqual([]);
    expect(rig.standbys()).toEqual([]);
    expect(rig.services()).toEqual([]);
    // The port is free: something else can listen on it.
    const port = Number(new URL(rig.proxyUrl).port);
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));

    const again = await rig.cli(['down']);
    expect(again.stdout).toContain(`no daemon running for ${SERVICE}`);
    expect(again.stdout).not.toContain('stopped what it left');
  }, 120_000);
});
