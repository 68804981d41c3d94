/**
 * The kubernetes target end to end: the built CLI and a detached daemon release to a loopback Kubernetes API
 * stand-in (src/testing/fake-kube-api.ts, run in this test process) through a kubeconfig, splitting traffic with
 * an HTTPRoute. A good canary is promoted step by step; a canary whose check fails is rolled back and removed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processGroupAlive } from '../../src/exec/process-group.js';
import { freePort } from '../../src/shared/free-port.js';
import { FakeKubeApi } from '../../src/testing/fake-kube-api.js';
import { stopLeftoverGroups } from '../../src/testing/leftover-processes.js';
import { ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

interface ReleaseJson {
  version: string;
  previousVersion: string | null;
  status: string;
  reason: string | null;
  steps: { kind: string; status: string; detail: Record<string, unknown> }[];
}

interface BackendRef {
  name: string;
  weight: number;
}

describe('kubernetes target: canary releases by HTTPRoute weights to a loopback API server', () => {
  let project: Project;
  let api: FakeKubeApi;
  /** Every distinct split the route had, in order, sampled while a release runs. */
  let seen: Record<string, number>[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let daemonPid: number | undefined;
  const cli = (args: string[], timeoutMs = 60_000) => runCli(args, { cwd: project.dir, timeoutMs });
  const routeWeights = (): Record<string, number> => {
    const spec = api.store.get('HTTPRoute', 'prod', 'shop')?.spec as { rules: { backendRefs: BackendRef[] }[] };
    return Object.fromEntries((spec.rules[0]?.backendRefs ?? []).filter((ref) => ref.weight > 0).map((ref) => [ref.name, ref.weight]));
  };
  const deployments = () => api.store.list('Deployment', 'prod').map((d) => d.metadata.name).sort();
  const deploy = async (version: string): Promise<{ code: number | null; release: ReleaseJson }> => {
    seen = [];
    sampler = setInterval(() => {
      const now = routeWeights();
      if (JSON.stringify(seen.at(-1)) !== JSON.stringify(now)) seen.push(now);
    }, 20);
    try {
      const run = await cli(['deploy', version, '--yes', '--json'], 90_000);
      if (run.code !== 0 && run.code !== 1) throw new Error(`deploy ${version} exited ${String(run.code)}:\n${run.stderr}`);
      return { code: run.code, release: parseOneJson(run.stdout) as ReleaseJson };
    } finally {
      clearInterval(sampler);
    }
  };

  beforeAll(async () => {
    await ensureBuilt();
    api = await FakeKubeApi.start({ readyAfterMs: 300 });
    project = await makeProject();
    api.kubeconfig(join(project.dir, 'kubeconfig'));
    api.store.create('HTTPRoute', 'prod', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'shop' },
      spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name: 'shop', port: 80 }] }] },
    });
    const daemonPort = await freePort();
    const plan = [
      'version: 1',
      'service: shop',
      `daemon: { listen: "127.0.0.1:${daemonPort}" }`,
      'target:',
      '  type: kubernetes',
      '  namespace: prod',
      '  kubeconfig: kubeconfig',
      '  template: { spec: { containers: [{ name: web, image: "shop:{version}" }] } }',
      '  service: shop',
      '  traffic: { httpRoute: { name: shop } }',
      '  readyTimeout: 30s',
      'checks:',
      // The smoke test of a version passes when its "approved-<version>" file exists in the project.
      '  smoke: { command: { run: "test -e approved-{version}" } }',
      'strategy:',
      '  canary:',
      '    steps: [{ weight: 10 }, { pause: 2s }, { weight: 50 }, { pause: 2s }]',
      'analysis:',
      '  interval: 1s',
      '  metrics:',
      '    - { name: smoke, check: smoke, failureLimit: 0 }',
    ].join('\n');
    await project.write('glidepath.yaml', `${plan}\n`);
    const validate = await cli(['validate']);
    expect(validate.code, validate.stderr).toBe(0);
    const up = await cli(['up', '--detach', '--json']);
    expect(up.code, up.stderr).toBe(0);
    daemonPid = (parseOneJson(up.stdout) as { pid: number }).pid;
    expect(processGroupAlive(daemonPid)).toBe(true);
  }, 120_000);

  afterAll(async () => {
    clearInterval(sampler);
    // Whatever a failing test left behind is stopped by its id (down normally stops the daemon first).
    if (daemonPid !== undefined) await stopLeftoverGroups([daemonPid]);
    await project?.remove();
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
    writeFileSync(join(project.dir, 'approved-v1'), '');
    const { code, release } = await deploy('v1');
    expect(code, JSON.stringify(release)).toBe(0);
    expect(release).toMatchObject({ version: 'v1', previousVersion: null, status: 'succeeded' });
    expect(routeWeights()).toEqual({ 'shop-v1': 100 });
    expect(deployments()).toEqual(['shop-v1']);
    expect(api.store.get('Service', 'prod', 'shop-v1')).toBeDefined();
  }, 120_000);

  it('promotes a canary whose check passes: the route weights move step by step, the old version removed', async () => {
    writeFileSync(join(project.dir, 'approved-v2'), '');
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
    expect(parseOneJson(down.stdout)).toMatchObject({ stopped: true, pid: daemonPid });
    expect(processGroupAlive(daemonPid ?? -1)).toBe(false);
    expect(routeWeights()).toEqual({ 'shop-v2': 100 });
    expect(deployments()).toEqual(['shop-v2']);
  }, 90_000);
});
