import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../../plan/load.js';
import type { ProcessTargetConfig } from '../../plan/schema/target.js';
import { freePort } from '../../shared/free-port.js';
import { httpGet, testServiceCommand } from '../../testing/test-service.js';
import { ProcessTarget } from './process-target.js';
import { readServingState, SERVING_FILE } from './serving-file.js';

/** Each target under test is closed by the test that started it, or here when that test failed first. */
const open = new Set<ProcessTarget>();

async function startTarget(options: { config: ProcessTargetConfig; dir: string }): Promise<ProcessTarget> {
  const target = await ProcessTarget.start({ config: options.config, service: 'shop', planDir: options.dir, stateDir: join(options.dir, '.glidepath'), proxy: { seed: 3 } });
  open.add(target);
  return target;
}

async function close(target: ProcessTarget): Promise<void> {
  open.delete(target);
  await target.close();
}

describe('what served comes back when a process target starts again', () => {
  let dir: string;
  let config: ProcessTargetConfig;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'glidepath-restore-'));
    const plan = parsePlan(
      `version: 1
service: shop
target:
  type: process
  listen: 127.0.0.1:${await freePort()}
  start: ${JSON.stringify(`${testServiceCommand()} --version {version}`)}
  ready: { path: /health, timeout: 20s, interval: 50ms }
  drain: 1s
`,
      'glidepath.yaml',
      {},
    );
    if (plan.target?.type !== 'process') throw new Error('process target expected');
    config = plan.target;
  });

  afterAll(async () => {
    for (const target of open) await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('after close() (everything stopped) the next start runs the serving versions again from their recorded spec, with their weights', async () => {
    const first = await startTarget({ config, dir });
    expect((await first.startVersion('v1', {})).status).toBe('ready');
    expect((await first.startVersion('v2', {})).status).toBe('ready');
    await first.setWeights({ v1: 100 });
    const recorded = readServingState(join(dir, '.glidepath'));
    expect(recorded.weights).toEqual({ v1: 100, v2: 0 });
    expect(Object.keys(recorded.versions).sort()).toEqual(['v1', 'v2']);
    // The specs may carry secrets from the environment: the owner alone reads them.
    expect(statSync(join(dir, '.glidepath', SERVING_FILE)).mode & 0o777).toBe(0o600);
    await close(first);
    // The plan changed meanwhile (a broken start command): what served comes back as it was started.
    const second = await startTarget({ config: { ...config, start: 'false' }, dir });
    try {
      expect(second.restored.map((r) => [r.version, r.how]).sort()).toEqual([['v1', 'started'], ['v2', 'started']]);
      expect(second.versions().map((v) => [v.version, v.state, v.weight]).sort()).toEqual([['v1', 'ready', 100], ['v2', 'ready', 0]]);
      expect(await second.currentWeights()).toEqual({ v1: 100, v2: 0 });
      for (let i = 0; i < 5; i++) expect((await httpGet(second.serviceUrl)).headers['x-version']).toBe('v1');
      // A version stopped on purpose is no longer recorded as serving.
      await second.stopVersion('v2', { drainMs: 0 });
      expect(Object.keys(readServingState(join(dir, '.glidepath')).versions)).toEqual(['v1']);
    } finally {
      await close(second);
    }
    const third = await startTarget({ config, dir });
    try {
      expect(third.restored.map((r) => [r.version, r.how])).toEqual([['v1', 'started']]);
      expect((await httpGet(third.serviceUrl)).status).toBe(200);
    } finally {
      await close(third);
    }
  }, 60_000);
});
