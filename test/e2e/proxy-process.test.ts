/**
 * The proxy is its own process: it serves while the daemon is killed, restarts and adopts it; when the proxy
 * itself is killed, the daemon restarts it and it serves its persisted routing table again. Real CLI, real
 * processes, steady keep-alive load through the proxy.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Load, type LoadSample } from '../../src/load/steady-load.js';
import { processAlive as alive } from '../../src/shared/process-alive.js';
import { ensureBuilt, parseOneJson } from './helpers.js';
import { Rig, cleanupRigs } from './serving-rig.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(cleanupRigs);

beforeAll(async () => {
  await ensureBuilt();
});

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(20);
  }
}

/** A served project with v1 deployed and steady load through its proxy. */
async function servedUnderLoad(): Promise<{ rig: Rig; load: Load; samples: LoadSample[] }> {
  const rig = await Rig.create();
  await rig.up();
  expect((await rig.deploy('v1')).status).toBe('succeeded');
  const samples: LoadSample[] = [];
  const load = Load.start({ url: rig.proxyUrl, clients: 4, gapMs: 15, maxSeconds: 120, onResponse: (sample) => samples.push(sample) });
  await load.waitForRequests(40);
  return { rig, load, samples };
}

describe('the proxy process', () => {
  it('serves every request while the daemon is killed with SIGKILL and started again, and the new daemon adopts it', async () => {
    const { rig, load } = await servedUnderLoad();
    const [proxy] = rig.proxies();
    expect(proxy).toBeGreaterThan(0);
    const standbys = rig.standbys();
    expect(standbys).toHaveLength(1);
    const daemon = rig.daemonPid() as number;
    process.kill(daemon, 'SIGKILL');
    await until('the killed daemon to be gone', () => !alive(daemon));
    // No daemon for a while: the proxy goes on serving from its routing table.
    await load.waitForRequests(40);
    await sleep(1_000);
    expect(alive(daemon)).toBe(false);
    await rig.up();
    await load.waitForRequests(40);
    const report = await load.stop();
    expect(report.failed, JSON.stringify(report)).toBe(0);
    // Adopted, not replaced: the same proxy process serves, and the daemon drives it (a canary goes through it).
    expect(rig.proxies()).toEqual([proxy]);
    expect(rig.standbys()).toEqual(standbys);
    const next = await rig.deploy('v2');
    expect(next).toMatchObject({ previousVersion: 'v1', status: 'succeeded' });
    expect(await rig.served()).toEqual(['200 v2']);
    const down = await rig.cli(['down']);
    expect(down.code, down.stderr).toBe(0);
    expect(rig.proxies()).toEqual([]);
    expect(rig.standbys()).toEqual([]);
    expect(rig.services()).toEqual([]);
  }, 180_000);

  it('killed with SIGKILL, its warm standby takes over with the persisted table and a new standby is started', async () => {
    const { rig, load, samples } = await servedUnderLoad();
    const [proxy] = rig.proxies();
    const [standby] = rig.standbys();
    expect(standby).toBeGreaterThan(0);
    const killedAt = Date.now();
    process.kill(proxy as number, 'SIGKILL');
    const replacement = await until('a new proxy process', () => rig.proxies().find((pid) => pid !== proxy));
    const served = await until('a request served after the kill', () => samples.find((s) => s.sentAt > killedAt && s.status === 200));
    const report = await load.stop();
    const failed = samples.filter((s) => s.sentAt >= killedAt - 50 && s.status !== 200);
    const msToServe = served.at - killedAt;
    console.log(`proxy killed: served again ${msToServe}ms later, ${failed.length} requests failed (${JSON.stringify(report.connectionErrors)})`);
    expect(replacement).not.toBe(proxy);
    expect(replacement).toBe(standby);
    await until('a new standby', () => rig.standbys().find((pid) => pid !== standby), 20_000);
    // Well under a second on an idle machine; this bound leaves room for a loaded 2-core runner.
    expect(msToServe).toBeLessThan(3_000);
    // Only connection failures while no proxy listened: never a wrong answer.
    expect(failed.every((s) => s.error !== undefined), JSON.stringify(failed.slice(0, 5))).toBe(true);
    expect(await rig.served()).toEqual(['200 v1']);
    await rig.cli(['down']);
  }, 120_000);

  it('killed with SIGKILL three times in a row, each time the standby takes over and a new standby follows', async () => {
    const { rig, load, samples } = await servedUnderLoad();
    for (let kill = 1; kill <= 3; kill++) {
      const [proxy] = rig.proxies();
      const [standby] = rig.standbys();
      expect(proxy, `a serving proxy before kill ${kill}`).toBeGreaterThan(0);
      expect(standby, `a standby before kill ${kill}`).toBeGreaterThan(0);
      // The standby watches once it answers on its socket; a fixed pause keeps this a test of the takeover.
      await sleep(1_500);
      const killedAt = Date.now();
      process.kill(proxy as number, 'SIGKILL');
      await until(`a request served after kill ${kill}`, () => samples.find((s) => s.sentAt > killedAt && s.status === 200));
      expect(await until(`the standby serving after kill ${kill}`, () => rig.proxies().find((pid) => pid !== proxy))).toBe(standby);
      await until(`a new standby after kill ${kill}`, () => rig.standbys().find((pid) => pid !== standby), 20_000);
    }
    await load.stop();
    expect(await rig.served()).toEqual(['200 v1']);
    const down = await rig.cli(['down']);
    expect(down.code, down.stderr).toBe(0);
    expect(rig.proxies()).toEqual([]);
    expect(rig.standbys()).toEqual([]);
  }, 180_000);

  it('down --keep-serving stops only the daemon; up adopts the proxy and the versions as they are', async () => {
    const { rig, load } = await servedUnderLoad();
    const [proxy] = rig.proxies();
    const standbys = rig.standbys();
    const [v1] = rig.services();
    const daemon = rig.daemonPid() as number;
    const down = await rig.cli(['down', '--keep-serving', '--json']);
    expect(down.code, down.stderr).toBe(0);
    expect(parseOneJson(down.stdout)).toMatchObject({ stopped: true, pid: daemon, keepServing: true, versions: [{ version: 'v1', weight: 100 }] });
    expect(alive(daemon)).toBe(false);
    expect(await rig.served()).toEqual(['200 v1']);
    await rig.up();
    await load.waitForRequests(40);
    expect((await load.stop()).failed).toBe(0);
    expect(rig.proxies()).toEqual([proxy]);
    expect(rig.standbys()).toEqual(standbys);
    expect(rig.services()).toEqual([v1]);
    const stopped = await rig.cli(['down']);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(rig.proxies()).toEqual([]);
    expect(rig.standbys()).toEqual([]);
  }, 120_000);
});
