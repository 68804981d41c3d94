import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../shared/free-port.js';
import { CONTROL_FILES, MAX_SOCKET_PATH_BYTES, controlSocketPath } from './control-protocol.js';
import { ProxyRemote } from './proxy-remote.js';

const dir = mkdtempSync(join(tmpdir(), 'glidepath-proxy-remote-'));
const started = new Set<number>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
