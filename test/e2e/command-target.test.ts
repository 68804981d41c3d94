/**
 * The command target end to end: the built CLI and a detached daemon release to a Cloud Run stand-in
 * (test/fixtures/gcloud-standin.mjs, its state in a temp file) through the recipe of docs/targets.md. A good canary
 * is promoted; a canary whose check fails is rolled back; each split is applied and read back from the stand-in.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVED_CANARY_LINES, DaemonRig } from './daemon-rig.js';
import { REPO_ROOT } from './helpers.js';
import { CLOUD_RUN_RECIPE } from '../../src/testing/cloud-run-recipe.js';

const STANDIN = join(REPO_ROOT, 'test', 'fixtures', 'gcloud-standin.mjs');

describe('command target: canary releases to a Cloud Run stand-in', () => {
  let rig: DaemonRig;
  let env: Record<string, string>;
  let stateFile: string;
  const traffic = () => {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { services: { shop: { traffic: { tag?: string; percent: number }[] } } };
    return Object.fromEntries(state.services.shop.traffic.filter((t) => t.percent > 0).map((t) => [t.tag ?? 'untagged', t.percent]));
  };
  const deploy = (version: string) => rig.deploy(version);

  beforeAll(async () => {
    rig = await DaemonRig.create({ cliTimeoutMs: 60_000 });
    mkdirSync(join(rig.dir, 'bin'));
    symlinkSync(STANDIN, join(rig.dir, 'bin', 'gcloud'));
    stateFile = join(rig.dir, 'cloud-run.json');
    env = { PATH: `${join(rig.dir, 'bin')}:${process.env.PATH ?? ''}`, GCLOUD_STANDIN_STATE: stateFile };
    // Cloud Run refuses --no-traffic on a new service: the service exists before glidepath releases to it.
    execFileSync(process.execPath, [STANDIN, 'run', 'deploy', 'shop', '--image=eu.gcr.io/p/shop:v0'], { env: { ...process.env, ...env } });
    await rig.writePlan([
      ...rig.planHead(),
      'target:',
      ...CLOUD_RUN_RECIPE,
      '  env:',
      ...Object.entries(env).map(([name, value]) => `    ${name}: ${JSON.stringify(value)}`),
      ...APPROVED_CANARY_LINES,
    ]);
    const validate = await rig.cli(['validate']);
    expect(validate.code, validate.stderr).toBe(0);
    await rig.up();
  }, 120_000);

  afterAll(async () => {
    if (!rig) return;
    const down = await rig.cli(['down', '--json'], 70_000);
    expect(down.code, down.stderr).toBe(0);
    await rig.close();
  });

  it('releases the first version: all traffic to it, read back from the platform', async () => {
    writeFileSync(join(rig.dir, 'approved-v1'), '');
    const { code, release } = await deploy('v1');
    expect(code, JSON.stringify(release)).toBe(0);
    expect(release).toMatchObject({ version: 'v1', previousVersion: null, status: 'succeeded' });
    expect(traffic()).toEqual({ v1: 100 });
  }, 120_000);

  it('promotes a canary whose check passes: each split applied and read back, the old version removed', async () => {
    writeFileSync(join(rig.dir, 'approved-v2'), '');
    const { code, release } = await deploy('v2');
    expect(code, JSON.stringify(release)).toBe(0);
    expect(release).toMatchObject({ version: 'v2', previousVersion: 'v1', status: 'succeeded' });
    const weights = release.steps.filter((s) => s.kind === 'weight');
    expect(weights.map((s) => s.detail.applied)).toEqual([
      { v1: 90, v2: 10 },
      { v1: 50, v2: 50 },
    ]);
    expect(release.steps.some((s) => s.kind === 'promote' && s.status === 'succeeded')).toBe(true);
    expect(traffic()).toEqual({ v2: 100 });
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { services: { shop: { traffic: { tag?: string }[] } } };
    expect(state.services.shop.traffic.map((t) => t.tag)).toEqual(['v2']);
  }, 120_000);

  it('rolls back a canary whose check fails: traffic back on the stable version, the canary removed', async () => {
    const { code, release } = await deploy('v3');
    expect(code).toBe(1);
    expect(release).toMatchObject({ version: 'v3', previousVersion: 'v2', status: 'rolled_back' });
    const first = release.steps.find((s) => s.kind === 'weight');
    expect(first?.detail.applied).toEqual({ v2: 90, v3: 10 });
    expect(traffic()).toEqual({ v2: 100 });
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { services: { shop: { traffic: { tag?: string }[] } } };
    expect(state.services.shop.traffic.map((t) => t.tag)).toEqual(['v2']);
  }, 120_000);
});
