import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../../plan/load.js';
import type { ProcessTargetConfig } from '../../plan/schema/target.js';
import { httpGet, testServiceCommand } from '../../testing/test-service.js';
import { until } from '../../testing/until.js';
import type { TargetEvent } from '../target.js';
import { ProcessTarget } from './process-target.js';
import { freePort } from '../../shared/free-port.js';

function get(url: string): Promise<{ status: number; body: string; version: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, version: res.headers['x-version'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The process target of a plan for `shop` listening on a free loopback port, with `settings` (YAML lines of the target section). */
async function processTargetConfig(settings: string): Promise<ProcessTargetConfig> {
  const plan = parsePlan(`version: 1\nservice: shop\ntarget:\n  type: process\n  listen: 127.0.0.1:${await freePort()}\n${settings}`, 'glidepath.yaml', {});
  if (plan.target?.type !== 'process') throw new Error('process target expected');
  return plan.target;
}

describe('ProcessTarget with real processes and the real proxy', () => {
  let dir: string;
  let target: ProcessTarget;
  let config: ProcessTargetConfig;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'glidepath-target-'));
    config = await processTargetConfig(`  start: ${JSON.stringify(`${testServiceCommand()} --version {version}`)}
  instances: 2
  ready: { path: /health, timeout: 20s, interval: 50ms }
  drain: 2s
`);
    target = await ProcessTarget.start({ config, service: 'shop', planDir: dir, stateDir: join(dir, '.glidepath'), proxy: { seed: 7 } });
  });

  afterAll(async () => {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a version without traffic, then routes to it', async () => {
    const outcome = await target.startVersion('v1', {});
    expect(outcome).toMatchObject({ status: 'ready', version: 'v1' });
    expect(target.versions()).toEqual([expect.objectContaining({ version: 'v1', state: 'ready', weight: 0, instances: 2 })]);
    if (outcome.status === 'ready') expect((await get(`${outcome.url}/`)).version).toBe('v1');
    await target.setWeights({ v1: 100 });
    expect(await target.currentWeights()).toEqual({ v1: 100 });
    for (let i = 0; i < 10; i++) expect((await get(`${target.serviceUrl}/`)).version).toBe('v1');
  });

  it('splits traffic by weight and measures each version', async () => {
    expect((await target.startVersion('v2', {})).status).toBe('ready');
    await target.setWeights({ v1: 80, v2: 20 });
    expect(await target.currentWeights()).toEqual({ v1: 80, v2: 20 });
    const seen: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const { version } = await get(`${target.serviceUrl}/`);
      seen[version ?? '?'] = (seen[version ?? '?'] ?? 0) + 1;
    }
    // 400 draws at 20%: the share lies within 20% ± 6 points with overwhelming probability (seeded anyway).
    expect((seen.v2 ?? 0) / 400).toBeGreaterThan(0.14);
    expect((seen.v2 ?? 0) / 400).toBeLessThan(0.26);
    const metrics = await target.metrics('v2', 10_000);
    expect(metrics).toMatchObject({ version: 'v2', errors: 0, errorRate: 0 });
    expect(metrics?.requests).toBe(seen.v2);
    expect(metrics?.p95).toBeGreaterThan(0);
    expect(metrics?.memory).toBeGreaterThan(1_000_000);
    expect(await target.metrics('nope', 1000)).toBeUndefined();
  });

  it('serves one version alone on a preview listener, until that version stops', async () => {
    const previewPort = await freePort();
    const url = await target.openPreview('v2', `127.0.0.1:${previewPort}`);
    expect(url).toBe(`http://127.0.0.1:${previewPort}`);
    for (let i = 0; i < 10; i++) expect((await get(`${url}/`)).version).toBe('v2');
    await expect(target.openPreview('v9', `127.0.0.1:${previewPort}`)).rejects.toThrow(/cannot preview v9/);
  });

  it('refuses to route to a version that is not running', async () => {
    await expect(target.setWeights({ v1: 50, v9: 50 })).rejects.toThrow(/v9: it is not running/);
    expect(await target.currentWeights()).toEqual({ v1: 80, v2: 20 });
  });

  it('reports a version that never gets ready as failed and leaves nothing running', async () => {
    const failing = await ProcessTarget.start({
      config: { ...config, listen: `127.0.0.1:${await freePort()}`, start: `${testServiceCommand()} --never-ready 1`, ready: { ...config.ready, timeout: 1500 } },
      service: 'shop',
      planDir: dir,
      stateDir: join(dir, '.glidepath-2'),
    });
    try {
      const outcome = await failing.startVersion('bad', {});
      expect(outcome.status).toBe('failed');
      expect(failing.versions()).toEqual([]);
    } finally {
      await failing.close();
    }
  });

  it('drains and stops the old version while the new one takes all traffic', async () => {
    await target.setWeights({ v2: 100 });
    await target.stopVersion('v1', { drainMs: 1000 });
    // The preview of v2 stays while v2 runs.
    expect(target.versions().map((v) => v.version)).toEqual(['v2']);
    expect(target.versions().map((v) => v.version)).toEqual(['v2']);
    for (let i = 0; i < 10; i++) expect((await get(`${target.serviceUrl}/`)).version).toBe('v2');
  });
});

describe('ProcessTarget when a running version fails', () => {
  it('the process target tells its listener (the engine) that a running version failed, and stops routing to it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'glidepath-review-target-'));
    const config = await processTargetConfig(`  start: ${JSON.stringify(testServiceCommand(['--version', '{version}']))}
  env: { CRASH_AFTER_MS: "1500" }
  ready: { path: /health, timeout: 10s, interval: 50ms }
  restart: { delay: 100ms, maxAttempts: 1, window: 60s }
  drain: 0s
`);
    const target = await ProcessTarget.start({ config, service: 'shop', planDir: dir, stateDir: join(dir, '.glidepath') });
    const seen: TargetEvent[] = [];
    target.onEvent((event) => seen.push(event));
    try {
      const outcome = await target.startVersion('c1', {});
      expect(outcome.status).toBe('ready');
      await target.setWeights({ c1: 100 });
      expect((await httpGet(`${target.serviceUrl}/`)).status).toBe(200);
      await until('version.failed from the target', () => seen.find((e) => e.type === 'version.failed'), 15_000);
      expect(seen.find((e) => e.type === 'version.failed')).toMatchObject({ version: 'c1', reason: expect.stringContaining('exited with code 1 again') as string });
      await until('version.stopped', () => seen.some((e) => e.type === 'version.stopped'), 10_000);
      expect(target.versions().find((v) => v.version === 'c1')?.state ?? 'gone').not.toBe('ready');
      expect((await httpGet(`${target.serviceUrl}/`)).status).toBeGreaterThanOrEqual(500);
    } finally {
      await target.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
