import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../shared/free-port.js';
import { processAlive as alive } from '../shared/process-alive.js';
import { CONTROL_FILES, MAX_SOCKET_PATH_BYTES, controlSocketPath } from './control-protocol.js';
import { ProxyRemote } from './proxy-remote.js';
import { answering } from './proxy-spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'glidepath-proxy-remote-'));
const started = new Set<number>();

/** The standby's pid once it answers on its socket (it then watches the serving proxy), or null within 10 s. */
async function standingBy(stateDir: string, remote: ProxyRemote): Promise<number | null> {
  for (let i = 0; i < 500; i++) {
    const pid = remote.info.standbyPid;
    const socket = pid === null ? undefined : await answering(controlSocketPath(stateDir, 'standbySocket'), pid);
    socket?.destroy();
    if (socket && pid !== null) return pid;
    await sleep(20);
  }
  return null;
}

afterAll(() => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('ProxyRemote and the proxy process', () => {
  it('starts a detached proxy, adopts it when settings match, replaces it when they differ, stops it on close', async () => {
    const port = await freePort();
    const first = await ProxyRemote.open(dir, { host: '127.0.0.1', port, seed: 1 });
    started.add(first.info.pid);
    const firstStandby = first.info.standbyPid;
    expect(firstStandby).not.toBeNull();
    if (firstStandby !== null) started.add(firstStandby);
    expect(first.info.how).toBe('started');
    expect(statSync(join(dir, CONTROL_FILES.socket)).mode & 0o777).toBe(0o600);
    const table = { versions: [{ version: 'v1', weight: 100, instances: [{ host: '127.0.0.1', port: 1 }] }] };
    await first.setRoutes(table);
    expect(JSON.parse(readFileSync(join(dir, CONTROL_FILES.routes), 'utf8'))).toEqual(table);
    expect(statSync(join(dir, CONTROL_FILES.routes)).mode & 0o777).toBe(0o600);
    await expect(first.setRoutes({ versions: [{ version: '', weight: -5, instances: [] }] })).rejects.toThrow();
    await first.detach();
    expect(alive(first.info.pid)).toBe(true);

    const adopted = await ProxyRemote.open(dir, { host: '127.0.0.1', port, seed: 1 });
    expect(adopted.info).toMatchObject({ how: 'adopted', pid: first.info.pid, standbyPid: firstStandby });
    // It kept its table while nobody drove it.
    expect((await adopted.getMetrics(1)).versions.map((v) => [v.version, v.weight])).toEqual([['v1', 100]]);
    await adopted.detach();

    const replaced = await ProxyRemote.open(dir, { host: '127.0.0.1', port, seed: 2 });
    started.add(replaced.info.pid);
    expect(replaced.info.how).toBe('replaced');
    expect(replaced.info.pid).not.toBe(first.info.pid);
    expect(alive(first.info.pid)).toBe(false);
    // The standby of the replaced proxy went with it; the new proxy has its own.
    expect(alive(firstStandby ?? 0)).toBe(false);
    const standby = replaced.info.standbyPid;
    expect(standby).not.toBeNull();
    if (standby !== null) started.add(standby);
    // The new one starts from the persisted table.
    expect((await replaced.getMetrics(1)).versions.map((v) => [v.version, v.weight])).toEqual([['v1', 100]]);

    process.kill(replaced.info.pid, 'SIGKILL');
    const killed = replaced.info.pid;
    const restarted = new Promise<void>((resolve) => replaced.onRestart(resolve));
    await restarted;
    started.add(replaced.info.pid);
    expect(replaced.info.pid).not.toBe(killed);
    // The warm standby took the address over; a new standby is started after.
    expect(replaced.info.pid).toBe(standby);
    expect(replaced.info.restarts).toHaveLength(1);
    expect(replaced.info.restarts[0]?.reason).toContain('took over');
    for (let i = 0; i < 500 && replaced.info.standbyPid === null; i++) await new Promise((r) => setTimeout(r, 20));
    const next = replaced.info.standbyPid;
    expect(next).not.toBeNull();
    if (next !== null) started.add(next);
    expect(next).not.toBe(standby);
    expect((await replaced.getMetrics(1)).versions.map((v) => [v.version, v.weight])).toEqual([['v1', 100]]);
    await replaced.close();
    expect(alive(replaced.info.pid)).toBe(false);
    expect(alive(next ?? 0)).toBe(false);
  }, 60_000);

  it('a state directory too deep for a Unix socket path keeps its sockets in a short directory of the user', async () => {
    const deep = join(dir, 'a'.repeat(60), 'b'.repeat(60));
    mkdirSync(deep, { recursive: true });
    expect(Buffer.byteLength(join(deep, CONTROL_FILES.standbySocket))).toBeGreaterThan(MAX_SOCKET_PATH_BYTES);
    const port = await freePort();
    const remote = await ProxyRemote.open(deep, { host: '127.0.0.1', port });
    started.add(remote.info.pid);
    if (remote.info.standbyPid !== null) started.add(remote.info.standbyPid);
    const socket = controlSocketPath(deep, 'socket');
    expect(socket.startsWith(deep)).toBe(false);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(socket)).mode & 0o777).toBe(0o700);
    await remote.detach();
    const again = await ProxyRemote.open(deep, { host: '127.0.0.1', port });
    expect(again.info).toMatchObject({ how: 'adopted', pid: remote.info.pid, standbyPid: remote.info.standbyPid });
    await again.close();
    expect(alive(remote.info.pid)).toBe(false);
  }, 60_000);
});

describe('successive deaths of the serving proxy', () => {
  it('each kill -9 of the serving proxy, three in a row, is taken over and a new standby stands by again', async () => {
    const upstream = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamPort = (upstream.address() as AddressInfo).port;
    const own = join(dir, 'successive');
    mkdirSync(own);
    const port = await freePort();
    const remote = await ProxyRemote.open(own, { host: '127.0.0.1', port });
    started.add(remote.info.pid);
    try {
      await remote.setRoutes({ versions: [{ version: 'v1', weight: 100, instances: [{ host: '127.0.0.1', port: upstreamPort }] }] });
      const answers = () => fetch(`http://127.0.0.1:${port}/`).then((r) => r.status === 200, () => false);
      expect(await answers()).toBe(true);
      for (let kill = 1; kill <= 3; kill++) {
        const standby = await standingBy(own, remote);
        expect(standby, `a standby stands by before kill ${kill}`).not.toBeNull();
        if (standby !== null) started.add(standby);
        const killed = remote.info.pid;
        const restarted = new Promise<void>((resolve) => remote.onRestart(resolve));
        process.kill(killed, 'SIGKILL');
        let served = false;
        for (let i = 0; i < 300 && !served; i++) {
          served = await answers();
          if (!served) await sleep(20);
        }
        expect(served, `the service answers again after kill ${kill}`).toBe(true);
        await restarted;
        started.add(remote.info.pid);
        expect(remote.info.pid).not.toBe(killed);
        expect(alive(remote.info.pid)).toBe(true);
        expect(remote.info.restarts).toHaveLength(kill);
        expect((await remote.getMetrics(1)).versions.map((v) => v.version)).toEqual(['v1']);
      }
      expect(await standingBy(own, remote), 'a standby stands by after the last kill').not.toBeNull();
      if (remote.info.standbyPid !== null) started.add(remote.info.standbyPid);
      expect(remote.info.restarts.map((r) => r.reason).filter((r) => !r.includes('took over')), readFileSync(join(own, CONTROL_FILES.log), 'utf8')).toEqual([]);
    } finally {
      await remote.close();
      upstream.close();
    }
    expect([...started].filter(alive)).toEqual([]);
  }, 90_000);

  it('killed again at once, while the next standby still starts, three times in a row: served again each time', async () => {
    const upstream = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamPort = (upstream.address() as AddressInfo).port;
    const own = join(dir, 'at-once');
    mkdirSync(own);
    const port = await freePort();
    const remote = await ProxyRemote.open(own, { host: '127.0.0.1', port });
    started.add(remote.info.pid);
    try {
      await remote.setRoutes({ versions: [{ version: 'v1', weight: 100, instances: [{ host: '127.0.0.1', port: upstreamPort }] }] });
      const answers = () => fetch(`http://127.0.0.1:${port}/`).then((r) => r.status === 200, () => false);
      expect(await standingBy(own, remote)).not.toBeNull();
      for (let kill = 1; kill <= 3; kill++) {
        if (remote.info.standbyPid !== null) started.add(remote.info.standbyPid);
        const killed = remote.info.pid;
        const restarted = new Promise<void>((resolve) => remote.onRestart(resolve));
        process.kill(killed, 'SIGKILL');
        await restarted;
        started.add(remote.info.pid);
        // The next standby is spawned now; the serving proxy dies again before it watches (or while it says hello).
        for (let i = 0; i < 100 && remote.info.standbyPid === null; i++) await sleep(1);
        let served = false;
        for (let i = 0; i < 300 && !served; i++) {
          served = await answers();
          if (!served) await sleep(20);
        }
        expect(served, `the service answers again after kill ${kill}`).toBe(true);
      }
      expect(await standingBy(own, remote), 'a standby stands by after the last kill').not.toBeNull();
      if (remote.info.standbyPid !== null) started.add(remote.info.standbyPid);
    } finally {
      await remote.close();
      upstream.close();
    }
    expect([...started].filter(alive)).toEqual([]);
  }, 90_000);

  it('a proxy killed while it is asked hello is told apart as gone, without an unhandled socket error', async () => {
    const path = join(dir, 'mute.sock');
    // A process that accepts on the socket and never reads: killed, it leaves the hello unread (ECONNRESET here).
    const script = `require('node:net').createServer({ pauseOnConnect: true }, () => undefined).listen(${JSON.stringify(path)}, () => process.stdout.write('up'))`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = child.pid as number;
    started.add(pid);
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const asked = answering(path, pid);
    await sleep(200);
    process.kill(pid, 'SIGKILL');
    const t = performance.now();
    expect(await asked).toBeUndefined();
    // It learns so from the connection closing, not from the 2 s hello timeout.
    expect(performance.now() - t).toBeLessThan(1_500);
    await sleep(100);
  });
});
