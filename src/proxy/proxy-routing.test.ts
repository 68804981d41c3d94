import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ProxyServer } from './proxy-server.js';
import { rawClient, send, startUpstream, type TestUpstream } from '../testing/proxy-test-kit.js';

const LOCAL = '127.0.0.1';
let a: TestUpstream;
let b: TestUpstream;
const servers: ProxyServer[] = [];

beforeAll(async () => {
  const tiny = (name: string) => startUpstream(name, (_req, res) => res.writeHead(200, { 'content-length': '1' }).end('k'));
  a = await tiny('a');
  b = await tiny('b');
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close(100)));
  await Promise.all([a.close(), b.close()]);
});

async function proxyWith(options: Parameters<typeof ProxyServer.listen>[0], weights: [number, number]) {
  const p = await ProxyServer.listen({ versionHeader: 'X-Glidepath-Version', ...options });
  servers.push(p);
  p.setRoutes({
    versions: [
      { version: 'a', weight: weights[0], instances: [{ host: LOCAL, port: a.port }] },
      { version: 'b', weight: weights[1], instances: [{ host: LOCAL, port: b.port }] },
    ],
  });
  return p;
}

describe('routing', () => {
  test('10 000 requests at 90/10 split within ±2 percentage points (seed 1234)', async () => {
    const p = await proxyWith({ seed: 1234 }, [90, 10]);
    const perSocket = 1000;
    const batch = 100;
    const counts = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const c = await rawClient(p.address.port);
        let sent = 0;
        const req = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
        while (sent < perSocket) {
          c.socket.write(req.repeat(batch));
          sent += batch;
          await c.until((t) => (t.match(/X-Glidepath-Version/g)?.length ?? 0) >= sent, 20_000);
        }
        const onA = c.text.match(/X-Glidepath-Version: a\r\n/g)?.length ?? 0;
        c.socket.destroy();
        return onA;
      }),
    );
    const share = counts.reduce((x, y) => x + y, 0) / 100; // percent of 10 000
    expect(Math.abs(share - 90)).toBeLessThanOrEqual(2);
    const m = p.metrics(60);
    expect(m.versions.reduce((n, v) => n + v.totals.requests, 0)).toBe(10_000);
  });

  test('sticky cookie: the first response sets it, later requests stay, a removed version reassigns', async () => {
    const p = await proxyWith({ sticky: 'cookie', seed: 5 }, [50, 50]);
    const first = await send(p.address.port, {});
    const cookie = String(first.headers['set-cookie']);
    const version = first.headers['x-glidepath-version'] as string;
    expect(cookie).toMatch(new RegExp(`^glidepath_version=${version}; Path=/; HttpOnly; SameSite=Lax`));
    for (let i = 0; i < 30; i++) {
      const res = await send(p.address.port, { headers: { cookie: `theme=dark; glidepath_version=${version}` } });
      expect(res.headers['x-glidepath-version']).toBe(version);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const other = version === 'a' ? 'b' : 'a';
    await p.drain(version, 1000);
    const moved = await send(p.address.port, { headers: { cookie: `glidepath_version=${version}` } });
    expect(moved.headers['x-glidepath-version']).toBe(other);
    expect(String(moved.headers['set-cookie'])).toContain(`glidepath_version=${other}`);
  });

  test('sticky header: one user id always lands on one version; users split by weight', async () => {
    const p = await proxyWith({ sticky: 'header:X-User-Id', seed: 9 }, [80, 20]);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const seen = new Map<string, string>();
    let onA = 0;
    for (let u = 0; u < 400; u++) {
      const res = await send(p.address.port, { headers: { 'x-user-id': `user-${u}` }, agent });
      const v = res.headers['x-glidepath-version'] as string;
      seen.set(`user-${u}`, v);
      if (v === 'a') onA++;
    }
    for (let u = 0; u < 400; u += 7) {
      const res = await send(p.address.port, { headers: { 'x-user-id': `user-${u}` }, agent });
      expect(res.headers['x-glidepath-version']).toBe(seen.get(`user-${u}`));
    }
    agent.destroy();
    // 400 users, 80 % expected on a: binomial sd = 2 points, allow 4 sd
    expect(Math.abs(onA / 4 - 80)).toBeLessThanOrEqual(8);
  });

  test('drain waits for in-flight requests of the version, sending new ones elsewhere', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const slow = await startUpstream('slow', (_req, res) => {
      void held.then(() => res.end('slow-done'));
    });
    const p = await ProxyServer.listen({ versionHeader: 'X-Glidepath-Version' });
    servers.push(p);
    p.setRoutes({
      versions: [
        { version: 'old', weight: 100, instances: [{ host: LOCAL, port: slow.port }] },
        { version: 'new', weight: 0, instances: [{ host: LOCAL, port: a.port }] },
      ],
    });
    const inFlight = send(p.address.port, {});
    await new Promise((r) => setTimeout(r, 50));
    p.setRoutes({
      versions: [
        { version: 'old', weight: 0, instances: [{ host: LOCAL, port: slow.port }] },
        { version: 'new', weight: 100, instances: [{ host: LOCAL, port: a.port }] },
      ],
    });
    let drained = false;
    const drain = p.drain('old', 5000).then((r) => {
      drained = true;
      return r;
    });
    expect((await send(p.address.port, {})).headers['x-glidepath-version']).toBe('new');
    expect(drained).toBe(false);
    release();
    expect((await inFlight).body).toBe('slow-done');
    await expect(drain).resolves.toEqual({ version: 'old', drained: true, inFlight: 0 });
    await slow.close();
  });
});
