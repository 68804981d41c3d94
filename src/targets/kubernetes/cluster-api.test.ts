import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeKubeApi } from '../../testing/fake-kube-api.js';
import { KubeApiError, type ClusterApi } from './cluster-api.js';
import { connectCluster } from './client-node-cluster.js';
import { applyObject, patchObject, updateObject } from './cluster-writes.js';
import { deploymentManifest } from './deployment-manifest.js';
import { waitForDeployment } from './deployment-readiness.js';
import { selectorPatch, serviceManifest } from './service-manifest.js';

const TEMPLATE = { spec: { containers: [{ name: 'web', image: 'shop:{version}' }] } };
const deployment = (version: string, image?: string) => deploymentManifest({ name: `shop-${version}`, namespace: 'prod', app: 'shop', version, replicas: 2, template: TEMPLATE, image });
const DEPLOYMENT_V2 = { kind: 'Deployment', namespace: 'prod', name: 'shop-v2' } as const;
const SERVICE = { kind: 'Service', namespace: 'prod', name: 'shop' } as const;

let server: FakeKubeApi;
let dir: string;
let api: ClusterApi;

beforeEach(async () => {
  server = await FakeKubeApi.start({ readyAfterMs: 150, brokenImage: (image) => image.endsWith(':broken') });
  dir = mkdtempSync(join(tmpdir(), 'glidepath-kube-'));
  ({ api } = await connectCluster({ kubeconfig: server.kubeconfig(join(dir, 'kubeconfig')) }));
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the cluster API through @kubernetes/client-node', () => {
  it('creates, reads, lists, replaces and deletes, with 404 as absent', async () => {
    expect(await api.read(DEPLOYMENT_V2)).toBeUndefined();
    const made = await api.create(deployment('v2'));
    expect(made.metadata).toMatchObject({ name: 'shop-v2', namespace: 'prod', generation: 1 });
    const read = await api.read(DEPLOYMENT_V2);
    expect(read?.spec).toEqual(deployment('v2').spec);
    expect(read?.kind).toBe('Deployment');
    const listed = await api.list('Deployment', 'prod', 'app=shop,app.kubernetes.io/managed-by=glidepath');
    expect(listed.map((d) => [d.kind, d.metadata.name])).toEqual([['Deployment', 'shop-v2']]);
    expect(await api.list('Deployment', 'prod', 'app=other')).toEqual([]);
    await expect(api.create(deployment('v2'))).rejects.toMatchObject({ status: 409 });
    expect(await api.remove(DEPLOYMENT_V2)).toBe(true);
    expect(await api.remove(DEPLOYMENT_V2)).toBe(false);
    await expect(api.replace(deployment('v2'))).rejects.toThrow(/replace Deployment prod\/shop-v2 on http:\/\/127\.0\.0\.1:\d+: 404 deployments "shop-v2" not found/);
  });

  it('refuses a write with a stale resourceVersion with 409, and a write from a fresh read retries past it', async () => {
    await api.create(deployment('v2'));
    // The Deployment controller writes status too (a real concurrent writer); let it finish first.
    expect(await waitForDeployment(api, DEPLOYMENT_V2, { timeoutMs: 10_000, pollMs: 50 })).toEqual({ status: 'ready' });
    const made = (await api.read(DEPLOYMENT_V2)) ?? deployment('v2');
    await api.replace({ ...made, spec: { ...made.spec, replicas: 3 } });
    expect(await waitForDeployment(api, DEPLOYMENT_V2, { timeoutMs: 10_000, pollMs: 50 })).toEqual({ status: 'ready' });
    const stale = api.replace({ ...made, spec: { ...made.spec, replicas: 4 } });
    await expect(stale).rejects.toBeInstanceOf(KubeApiError);
    await expect(stale).rejects.toMatchObject({ status: 409 });

    server.store.interfere('Deployment', 'prod', 'shop-v2');
    const before = server.requests.length;
    const updated = await updateObject(api, DEPLOYMENT_V2, (current) => ({ ...current, spec: { ...current.spec, replicas: 5 } }));
    expect(updated.spec?.replicas).toBe(5);
    expect(updated.metadata.annotations?.['other-writer']).toBeDefined();
    expect(server.requests.slice(before).map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'PUT 409', 'GET 200', 'PUT 200']);
  });

  it('switches a Service selector by merge patch carrying the resourceVersion read, retried on a conflict', async () => {
    await applyObject(api, serviceManifest({ name: 'shop', namespace: 'prod', app: 'shop', port: 80, targetPort: 8080 }));
    server.store.interfere('Service', 'prod', 'shop');
    const before = server.requests.length;
    const patched = await patchObject(api, SERVICE, (current) => selectorPatch('shop', 'v2', current.metadata.resourceVersion ?? ''));
    expect(patched.spec?.selector).toEqual({ app: 'shop', version: 'v2' });
    expect(server.requests.slice(before).map((r) => `${r.method} ${r.status} ${r.contentType ?? ''}`)).toEqual([
      'GET 200 ',
      'PATCH 409 application/merge-patch+json',
      'GET 200 ',
      'PATCH 200 application/merge-patch+json',
    ]);
    const back = await patchObject(api, SERVICE, (current) => selectorPatch('shop', null, current.metadata.resourceVersion ?? ''));
    expect(back.spec?.selector).toEqual({ app: 'shop' });
  });

  it('applies an object twice: created, then updated in place with what the cluster filled in kept', async () => {
    const service = serviceManifest({ name: 'shop', namespace: 'prod', app: 'shop', port: 80, targetPort: 8080 });
    await applyObject(api, service);
    await api.mergePatch(SERVICE, { spec: { clusterIP: '10.0.0.7' } });
    const again = await applyObject(api, { ...service, spec: { ...service.spec, ports: [{ name: 'http', protocol: 'TCP', port: 81, targetPort: 8080 }] } });
    expect(again.spec).toMatchObject({ clusterIP: '10.0.0.7', ports: [{ port: 81 }] });
  });
});

describe('Deployment readiness', () => {
  it('waits for every pod of the current generation, woken by a watch', async () => {
    await api.create(deployment('v2'));
    const started = Date.now();
    expect(await waitForDeployment(api, DEPLOYMENT_V2, { timeoutMs: 10_000, pollMs: 5_000 })).toEqual({ status: 'ready' });
    // Ready after ~150ms although reads come only every 5s: the watch woke the wait.
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(server.requests.some((r) => r.method === 'GET' && r.path.includes('watch=true') && r.path.includes('fieldSelector=metadata.name%3Dshop-v2'))).toBe(true);

    await updateObject(api, DEPLOYMENT_V2, (current) => ({ ...current, spec: { ...current.spec, replicas: 3 } }));
    const progress = await api.read(DEPLOYMENT_V2);
    expect(progress?.metadata.generation).toBe(2);
    expect(await waitForDeployment(api, DEPLOYMENT_V2, { timeoutMs: 10_000, pollMs: 100 })).toEqual({ status: 'ready' });
  });

  it('says why a Deployment failed, is gone, or ran out of time', async () => {
    await api.create(deployment('v3', 'shop:broken'));
    expect(await waitForDeployment(api, { ...DEPLOYMENT_V2, name: 'shop-v3' }, { timeoutMs: 10_000, pollMs: 100 })).toEqual({
      status: 'failed',
      reason: 'Deployment shop-v3: ReplicaSet "shop-v3" has timed out progressing.',
    });
    expect(await waitForDeployment(api, { ...DEPLOYMENT_V2, name: 'nope' }, { timeoutMs: 1_000 })).toEqual({ status: 'failed', reason: 'Deployment nope is gone from namespace prod' });
    await api.create(deployment('v2'));
    expect(await waitForDeployment(api, DEPLOYMENT_V2, { timeoutMs: 50, pollMs: 10 })).toEqual({ status: 'failed', reason: 'Deployment shop-v2 not ready after 0s (the controller has not seen the latest spec yet)' });
  });
});

describe('kubeconfig', () => {
  it('names a context the kubeconfig lacks, and the ones it has', async () => {
    const path = server.kubeconfig(join(dir, 'other'));
    await expect(connectCluster({ kubeconfig: path, context: 'prod' })).rejects.toThrow(`the kubeconfig ${path} has no context "prod" (it has: fake, elsewhere)`);
  });
});
