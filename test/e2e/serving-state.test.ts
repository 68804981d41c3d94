/**
 * What serves survives `down`, `up`, and the death of every glidepath process (a reboot, say): the built CLI, a
 * detached daemon, the built-in proxy and REAL sample-service processes. After `up`, the stable version serves
 * without a deploy, `status` knows it, and the next deploy is a canary against it.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processAlive as alive } from '../../src/daemon/state-dir.js';
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
});
