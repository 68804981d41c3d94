import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kubernetesTarget } from '../../plan/schema/kubernetes-target.js';
import { FakeKubeApi } from '../../testing/fake-kube-api.js';
import { observes } from '../target.js';
import { KubernetesTarget } from './kubernetes-target.js';

let server: FakeKubeApi;
let dir: string;

beforeEach(async () => {
  server = await FakeKubeApi.start({ readyAfterMs: 80, brokenImage: (image) => image.endsWith(':broken') });
  dir = mkdtempSync(join(tmpdir(), 'glidepath-kube-target-'));
  server.kubeconfig(join(dir, 'kubeconfig'));
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const open = (traffic: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  KubernetesTarget.open(
    kubernetesTarget.parse({
      type: 'kubernetes',
      namespace: 'prod',
      kubeconfig: 'kubeconfig',
      template: { spec: { containers: [{ name: 'web', image: 'shop:{version}' }] } },
      service: 'shop',
      traffic,
      ...extra,
    }),
    { service: 'shop', planDir: dir },
  );

const route = () => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'shop' },
  spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name: 'shop', port: 80 }] }] },
});

describe('the kubernetes target against a loopback API server', () => {
  it('runs a canary by HTTPRoute weights, reads them back, rolls back, and adopts what runs after a restart', async () => {
    server.store.create('HTTPRoute', 'prod', route());
    const target = await open({ httpRoute: { name: 'shop' } });
    expect(await target.startVersion('v1', {})).toEqual({ status: 'ready', version: 'v1', url: 'http://shop-v1.prod.svc.cluster.local:80' });
    await target.setWeights({ v1: 100 });
    expect(await target.startVersion('v2', {})).toMatchObject({ status: 'ready' });
    for (const weight of [10, 50]) {
      await target.setWeights({ v2: weight, v1: 100 - weight });
      expect(await target.currentWeights()).toEqual({ v2: weight, v1: 100 - weight });
      const rules = server.store.get('HTTPRoute', 'prod', 'shop')?.spec as { rules: { backendRefs: unknown[] }[] };
      expect(rules.rules[0]?.backendRefs).toEqual([
        { group: '', kind: 'Service', name: 'shop-v2', port: 80, weight },
        { group: '', kind: 'Service', name: 'shop-v1', port: 80, weight: 100 - weight },
      ]);
    }
    await target.setWeights({ v1: 100 });
    await target.stopVersion('v2');
    expect(await target.currentWeights()).toEqual({ v1: 100 });
    expect(server.store.get('Deployment', 'prod', 'shop-v2')).toBeUndefined();
    expect(server.store.get('Service', 'prod', 'shop')?.spec).toMatchObject({ selector: { app: 'shop' } });
    expect(target.versions().map((v) => [v.version, v.state, v.weight])).toEqual([['v1', 'ready', 100]]);
    await target.close();

    const again = await open({ httpRoute: { name: 'shop' } });
    expect(again.versions().map((v) => [v.version, v.state, v.weight])).toEqual([['v1', 'ready', 100]]);
    // No built-in metrics: analysis and alerts treat it as a target without them, as the plan check does.
    expect(observes(again)).toBe(false);
  });

  it('says a missing HTTPRoute is missing', async () => {
    const target = await open({ httpRoute: { name: 'shop' } });
    await target.startVersion('v1', {});
    await expect(target.setWeights({ v1: 100 })).rejects.toThrow('HTTPRoute shop not found in namespace prod');
  });

  it('fails a version whose pods never become available, and removes it', async () => {
    const target = await open({ httpRoute: { name: 'shop' } }, { template: { spec: { containers: [{ name: 'web', image: 'shop:broken' }] } } });
    expect(await target.startVersion('v3', {})).toEqual({ status: 'failed', version: 'v3', reason: 'Deployment shop-v3: ReplicaSet "shop-v3" has timed out progressing.' });
    expect(server.store.get('Deployment', 'prod', 'shop-v3')).toBeUndefined();
    expect(target.versions()).toEqual([]);
  });

  it('switches the stable Service\'s selector for blue-green, and refuses a split', async () => {
    const target = await open({ serviceSelector: {} });
    await target.startVersion('blue', {});
    expect(server.store.get('Service', 'prod', 'shop')?.spec).toMatchObject({ selector: { app: 'shop', version: 'blue' } });
    await target.startVersion('green', {});
    expect(await target.currentWeights()).toEqual({ blue: 100 });
    await target.setWeights({ green: 100 });
    expect(server.store.get('Service', 'prod', 'shop')?.spec).toMatchObject({ selector: { app: 'shop', version: 'green' } });
    expect(await target.currentWeights()).toEqual({ green: 100 });
    await expect(target.setWeights({ green: 50, blue: 50 })).rejects.toThrow('traffic.serviceSelector moves all traffic at once');
  });

  it('splits by replica counts without a Gateway', async () => {
    const target = await open({ replicaRatio: { replicas: 4 } });
    await target.startVersion('v1', {});
    await target.setWeights({ v1: 100 });
    await target.startVersion('v2', {});
    await target.setWeights({ v2: 25, v1: 75 });
    expect(await target.currentWeights()).toEqual({ v2: 25, v1: 75 });
    expect((server.store.get('Deployment', 'prod', 'shop-v1')?.spec as { replicas: number }).replicas).toBe(3);
    await target.setWeights({ v2: 100 });
    expect(await target.currentWeights()).toEqual({ v2: 100 });
    await expect(target.setWeights({ v2: 10, v1: 90 })).rejects.toThrow('use weights in steps of 25%');
  });
});
