/**
 * The kubernetes target end to end: the built CLI and a detached daemon release to a loopback Kubernetes API
 * stand-in (src/testing/fake-kube-api.ts, run in this test process) through a kubeconfig, splitting traffic with
 * an HTTPRoute. A good canary is promoted step by step; a canary whose check fails is rolled back and removed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processGroupAlive } from '../../src/exec/process-group.js';
import { FakeKubeApi } from '../../src/testing/fake-kube-api.js';
import { APPROVED_CANARY_LINES, DaemonRig } from './daemon-rig.js';
import { makeProject, parseOneJson, runCli } from './helpers.js';

interface BackendRef {
  name: string;
  weight: number;
}

describe('kubernetes target: canary releases by HTTPRoute weights to a loopback API server', () => {
  let rig: DaemonRig;
  let api: FakeKubeApi;
  /** Every distinct split the route had, in order, sampled while a release runs. */
  let seen: Record<string, number>[] = [];
  let sampler: NodeJS.Timeout | undefined;
  const cli = (args: string[], timeoutMs?: number) => rig.cli(args, timeoutMs);
  const routeWeights = (): Record<string, number> => {
    const spec = api.store.get('HTTPRoute', 'prod', 'shop')?.spec as { rules: { backendRefs: BackendRef[] }[] };
    return Object.fromEntries((spec.rules[0]?.backendRefs ?? []).filter((ref) => ref.weight > 0).map((ref) => [ref.name, ref.weight]));
  };
  const deployments = () => api.store.list('Deployment', 'prod').map((d) => d.metadata.name).sort();
  const deploy = async (version: string) => {
    seen = [];
    sampler = setInterval(() => {
      const now = routeWeights();
      if (JSON.stringify(seen.at(-1)) !== JSON.stringify(now)) seen.push(now);
    }, 20);
    try {
      return await rig.deploy(version);
    } finally {
      clearInterval(sampler);
    }
  };

  beforeAll(async () => {
    api = await FakeKubeApi.start({ readyAfterMs: 300 });
    rig = await DaemonRig.create({ cliTimeoutMs: 60_000 });
    api.kubeconfig(join(rig.dir, 'kubeconfig'));
    api.store.create('HTTPRoute', 'prod', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'shop' },
      spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name: 'shop', port: 80 }] }] },
    });
    await rig.writePlan([
      ...rig.planHead(),
      'target:',
      '  type: kubernetes',
      '  namespace: prod',
      '  kubeconfig: kubeconfig',
      '  template: { spec: { containers: [{ name: web, image: "shop:{version}" }] } }',
      '  service: shop',
      '  traffic: { httpRoute: { name: shop } }',
      '  readyTimeout: 30s',
      ...APPROVED_CANARY_LINES,
    ]);
    const validate = await cli(['validate']);
    expect(validate.code, validate.stderr).toBe(0);
    expect(processGroupAlive(await rig.up())).toBe(true);
  }, 120_000);

  afterAll(async () => {
    clearInterval(sampler);
    // Whatever a failing test left behind is stopped by its id (the last test's down normally stops the daemon first).
    await rig?.close();
    await api?.close();
  });

  it('refuses built-in metrics at validate: the cluster splits traffic where glidepath sees none of it', async () => {
    const dir = await makeProject();
    try {
      await dir.write(
        'glidepath.yaml',
        'version: 1\nservice: shop\ntarget: { type: kubernetes, template: { spec: { containers: [{ name: web, image: "shop:{version}" }] } }, service: shop, traffic: { httpRoute: { name: shop } } }\nanalysis:\n  interval: 1s\n  metrics:\n    - { name: latency, metric: p95, max: 300ms }\n',
      );
      const run = await runCli(['validate'], { cwd: dir.dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("analysis.metrics[0].metric: metric: p95 reads glidepath's proxy metrics, and a target of type kubernetes has none");
    } finally {
      await dir.remove();
    }
  }, 60_000);

  it('releases the first version: its Deployment and Service, and the route all on it', async () => {
    writeFileSync(join(rig.dir, 'approved-v1'), '');
    const { code, release } = await deploy('v1');
    expect(code, JSON.stringify(release)).toBe(0);
    expect(release).toMatchObject({ version: 'v1', previousVersion: null, status: 'succeeded' });
    expect(routeWeights()).toEqual({ 'shop-v1': 100 });
    expect(deployments()).toEqual(['shop-v1']);
    expect(api.store.get('Service', 'prod', 'shop-v1')).toBeDefined();
  }, 120_000);

  it('promotes a canary whose check passes: the route weights move step by step, the old version removed', async () => {
    writeFileSync(join(rig.dir, 'approved-v2'), '');
    const { code, release } = await deploy('v2');
    expect(code, JSON.stringify(release)).toBe(0);
    expect(release).toMatchObject({ version: 'v2', previousVersion: 'v1', status: 'succeeded' });
    expect(release.steps.filter((s) => s.kind === 'weight').map((s) => s.detail.applied)).toEqual([
      { v1: 90, v2: 10 },
      { v1: 50, v2: 50 },
    ]);
    expect(seen).toEqual([{ 'shop-v1': 100 }, { 'shop-v2': 10, 'shop-v1': 90 }, { 'shop-v2': 50, 'shop-v1': 50 }, { 'shop-v2': 100 }]);
    expect(routeWeights()).toEqual({ 'shop-v2': 100 });
    expect(deployments()).toEqual(['shop-v2']);
  }, 120_000);

  it('rolls back a canary whose check fails: the route back on the stable version, the canary Deployment removed', async () => {
    const { code, release } = await deploy('v3');
    expect(code).toBe(1);
    expect(release).toMatchObject({ version: 'v3', previousVersion: 'v2', status: 'rolled_back' });
    expect(release.steps.find((s) => s.kind === 'weight')?.detail.applied).toEqual({ v2: 90, v3: 10 });
    expect(seen).toEqual([{ 'shop-v2': 100 }, { 'shop-v3': 10, 'shop-v2': 90 }, { 'shop-v2': 100 }]);
    expect(routeWeights()).toEqual({ 'shop-v2': 100 });
    expect(deployments()).toEqual(['shop-v2']);
    expect(api.store.get('Service', 'prod', 'shop-v3')).toBeUndefined();
  }, 120_000);

  it('status shows the version serving, read back from the cluster, and no canary left', async () => {
    const run = await cli(['status', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(parseOneJson(run.stdout)).toEqual({ service: 'shop', stable: { version: 'v2', weight: 100 }, canary: null, release: null });
  }, 60_000);

  it('down stops the daemon and leaves the cluster serving v2', async () => {
    const down = await cli(['down', '--json'], 70_000);
    expect(down.code, down.stderr).toBe(0);
    expect(parseOneJson(down.stdout)).toMatchObject({ stopped: true, pid: rig.pid });
    expect(processGroupAlive(rig.pid ?? -1)).toBe(false);
    expect(routeWeights()).toEqual({ 'shop-v2': 100 });
    expect(deployments()).toEqual(['shop-v2']);
  }, 90_000);
});
