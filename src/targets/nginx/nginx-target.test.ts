import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../../plan/load.js';
import type { NginxTargetConfig } from '../../plan/schema/target.js';
import { freePort } from '../../shared/free-port.js';
import { nginxMissing, nginxTargetLines, startNginx, type NginxServer } from '../../testing/nginx-server.js';
import { startTestService, versionsServed, type RunningTestService } from '../../testing/test-service.js';
import { NginxTarget } from './nginx-target.js';

const missing = nginxMissing();

describe.skipIf(missing)(`nginx target with servers elsewhere${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'glidepath-nginx-target-'));
  const apps: RunningTestService[] = [];
  let nginx: NginxServer;
  let target: NginxTarget;
  let url: string;
  let plan: () => NginxTargetConfig;

  beforeAll(async () => {
    nginx = await startNginx(join(dir, 'nginx'));
    for (const [host, version] of [['127.0.0.2', 'v1'], ['127.0.0.3', 'v1'], ['127.0.0.4', 'v2']] as const) apps.push(await startTestService({ HOST: host, VERSION: version }));
    const [a, b, c] = apps.map((app, i) => `127.0.0.${i + 2}:${app.port}`) as [string, string, string];
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    const parsed = parsePlan(
      [
        'version: 1',
        'service: shop',
        'target:',
        ...nginxTargetLines(nginx, port),
        `  servers: { v1: ["${a}", "${b}"], v2: ["${c}"] }`,
        '  ready: { path: /health, timeout: 10s, interval: 50ms }',
        '  drain: 200ms',
      ].join('\n'),
      'glidepath.yaml',
      {},
    );
    const config = parsed.target;
    if (config?.type !== 'nginx') throw new Error('nginx target expected');
    plan = () => config;
    target = new NginxTarget({ config, service: 'shop', planDir: dir, stateDir: dir });
  });

  afterAll(async () => {
    await target?.close();
    await nginx?.stop();
    await Promise.all(apps.map((app) => app.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the split it rendered, after a graceful reload', async () => {
    expect(await target.startVersion('v1', {})).toMatchObject({ status: 'ready' });
    expect(await target.startVersion('v2', {})).toMatchObject({ status: 'ready' });
    expect(target.versions().map((v) => [v.version, v.instances])).toEqual([['v1', 2], ['v2', 1]]);
    await target.setWeights({ v1: 100 });
    expect(await versionsServed(url, 20)).toEqual({ v1: 20 });
    await target.setWeights({ v1: 80, v2: 20 });
    const seen = await versionsServed(url, 500);
    expect(Object.keys(seen).sort()).toEqual(['v1', 'v2']);
    // 20 % of 500 is 100; the split is random per request (split_clients on $request_id): within ±40 is far past chance.
    expect(seen.v2).toBeGreaterThan(60);
    expect(seen.v2).toBeLessThan(140);
  });

  it('counts what nginx served per version from its access log, as built-in metrics', async () => {
    const before = (await target.metrics('v2', 60_000))?.totals?.requests ?? 0;
    await target.setWeights({ v2: 100 });
    expect(await versionsServed(url, 30)).toEqual({ v2: 30 });
    let totals = 0;
    for (let i = 0; i < 50 && totals < before + 30; i++) {
      await new Promise((done) => setTimeout(done, 100));
      totals = (await target.metrics('v2', 60_000))?.totals?.requests ?? 0;
    }
    expect(totals - before).toBe(30);
    const metrics = await target.metrics('v2', 60_000);
    expect(metrics).toMatchObject({ version: 'v2', errors: 0, errorRate: 0, cpu: null });
    expect(metrics?.p99).toBeGreaterThan(0);
    expect(await target.metrics('v9', 1000)).toBeUndefined();
  });

  it('keeps the previous file in force and reports nginx\'s words when nginx refuses the new one', async () => {
    const before = readFileSync(nginx.configFile, 'utf8');
    const broken = join(dir, 'nginx', 'conf.d', 'broken.conf');
    writeFileSync(broken, 'this_is_no_directive on;\n');
    try {
      await expect(target.setWeights({ v1: 50, v2: 50 })).rejects.toThrow(/nginx refused the new configuration; the previous one stays in force\. .*unknown directive "this_is_no_directive"/s);
    } finally {
      rmSync(broken);
    }
    expect(readFileSync(nginx.configFile, 'utf8')).toBe(before);
    expect(await target.currentWeights()).toEqual({ v2: 100 });
    expect(target.versions().map((v) => [v.version, v.weight])).toEqual([['v1', 0], ['v2', 100]]);
    expect(await versionsServed(url, 10)).toEqual({ v2: 10 });
  });

  it('a target that starts again reads the split and the servers back from the file, without a reload', async () => {
    const before = readFileSync(nginx.configFile, 'utf8');
    const again = await NginxTarget.start({ config: plan(), service: 'shop', planDir: dir, stateDir: dir });
    try {
      expect(again.versions().map((v) => [v.version, v.state, v.weight, v.instances])).toEqual([['v1', 'ready', 0, 2], ['v2', 'ready', 100, 1]]);
      expect(await again.currentWeights()).toEqual({ v2: 100 });
      expect(readFileSync(nginx.configFile, 'utf8')).toBe(before);
      await again.setWeights({ v2: 100 });
      expect(readFileSync(nginx.configFile, 'utf8')).toBe(before);
    } finally {
      await again.close();
    }
  });

  it('puts the previous file back when nginx reloads but never serves the new one', async () => {
    const before = readFileSync(nginx.configFile, 'utf8');
    const config = { ...plan(), reload: 'true' };
    const deaf = new NginxTarget({ config, service: 'shop', planDir: dir, stateDir: join(dir, 'deaf'), confirmTimeoutMs: 500 });
    try {
      expect(await deaf.startVersion('v1', {})).toMatchObject({ status: 'ready' });
      await expect(deaf.setWeights({ v1: 100 })).rejects.toThrow(/nginx did not serve the new configuration within 500ms of its reload .*; the previous one was put back/);
      expect(readFileSync(nginx.configFile, 'utf8')).toBe(before);
    } finally {
      await deaf.close();
    }
  });

  it('takes a stopped version out of nginx before it stops', async () => {
    await target.stopVersion('v1', { drainMs: 100 });
    expect(readFileSync(nginx.configFile, 'utf8')).not.toContain(`:${String(apps[0]?.port)};`);
    expect(target.versions().map((v) => v.version)).toEqual(['v2']);
  });
});
