import { createServer as createHttpServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../shared/free-port.js';
import { processAlive as alive } from '../shared/process-alive.js';
import { CONTROL_FILES, controlSocketPath } from './control-protocol.js';
import { answering, spawnProxyProcess } from './proxy-spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'glidepath-proxy-standby-'));
const started = new Set<number>();

afterAll(() => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const listening = (server: Server, ...args: unknown[]) => new Promise<void>((resolve) => server.listen(...(args as [number, string]), resolve));

describe('the standby proxy process', () => {
  it('takes over when the dead serving proxy lets go of its address only after its control connection closed', async () => {
    const upstream = createHttpServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamPort = (upstream.address() as AddressInfo).port;
    const port = await freePort();
    writeFileSync(join(dir, CONTROL_FILES.options), JSON.stringify({ host: '127.0.0.1', port }));
    const table = { versions: [{ version: 'v1', weight: 100, instances: [{ host: '127.0.0.1', port: upstreamPort }] }] };
    writeFileSync(join(dir, CONTROL_FILES.routes), JSON.stringify(table));

    // Stands in for a serving proxy in the middle of dying: its control socket file is still there, and its
    // listening socket still holds the address for a while after the control connection closed.
    const watchers: Socket[] = [];
    const control = createServer((socket) => watchers.push(socket));
    await listening(control, controlSocketPath(dir, 'socket'));
    const holder = createServer();
    await listening(holder, port, '127.0.0.1');

    const standby = spawnProxyProcess(dir, 'standby');
    started.add(standby.pid);
    try {
      let ready = false;
      for (let i = 0; i < 500 && !ready; i++) {
        const socket = await answering(controlSocketPath(dir, 'standbySocket'), standby.pid);
        socket?.destroy();
        ready = socket !== undefined && watchers.length > 0;
        if (!ready) await sleep(20);
      }
      expect(ready, 'the standby answers and watches the serving proxy').toBe(true);

      for (const socket of watchers) socket.destroy();
      await sleep(300);
      await new Promise<void>((resolve) => holder.close(() => resolve()));

      let served = false;
      for (let i = 0; i < 200 && !served; i++) {
        served = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.status === 200, () => false);
        if (!served) await sleep(20);
      }
      expect(served, readFileSync(join(dir, CONTROL_FILES.log), 'utf8')).toBe(true);
      expect(alive(standby.pid)).toBe(true);
      expect(readFileSync(join(dir, CONTROL_FILES.log), 'utf8')).toMatch(/took over serving/);
    } finally {
      if (alive(standby.pid)) process.kill(standby.pid, 'SIGTERM');
      for (let i = 0; i < 250 && alive(standby.pid); i++) await sleep(20);
      control.close();
      upstream.close();
    }
    expect(alive(standby.pid)).toBe(false);
  }, 30_000);
});
