import { describe, expect, it } from 'vitest';
import { deploymentManifest, templateOfDeployment } from './deployment-manifest.js';
import { versionLabel, versionResourceName } from './names.js';
import { replicaCounts, weightsOfReplicas } from './replica-ratio.js';
import { backendRefs, routeWithBackends, weightsOfRoute } from './route-manifest.js';
import { selectorPatch, serviceManifest } from './service-manifest.js';

const TEMPLATE = {
  metadata: { labels: { tier: 'web' } },
  spec: {
    containers: [
      {
        name: 'web',
        image: 'registry.example/shop:{version}',
        env: [{ name: 'APP_VERSION', value: '{version}' }],
        readinessProbe: { httpGet: { path: '/health', port: 8080 } },
      },
      { name: 'sidecar', image: 'envoy:1' },
    ],
  },
};

describe('names', () => {
  it('keeps a version that is already a valid name, and hashes one that is not', () => {
    expect(versionResourceName('shop', 'v2')).toBe('shop-v2');
    expect(versionResourceName('shop', '1.2.3')).toBe('shop-1-2-3-c47f5b18');
    expect(versionResourceName('shop', '1-2-3')).toBe('shop-1-2-3');
    expect(versionLabel('1.2.3')).toBe('1.2.3');
    expect(versionLabel('feature/x')).toBe('feature-x-217d2bf5');
    expect(versionResourceName('s', 'x'.repeat(100))).toHaveLength(63);
  });
});

describe('deploymentManifest', () => {
  it('builds the Deployment of a version from the plan\'s template', () => {
    expect(deploymentManifest({ name: 'shop-v2', namespace: 'prod', app: 'shop', version: 'v2', replicas: 3, template: TEMPLATE })).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'shop-v2',
        namespace: 'prod',
        labels: { app: 'shop', version: 'v2', 'app.kubernetes.io/managed-by': 'glidepath' },
        annotations: { 'glidepath.dev/version': 'v2' },
      },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'shop', version: 'v2' } },
        template: {
          metadata: { labels: { tier: 'web', app: 'shop', version: 'v2' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'registry.example/shop:v2',
                env: [{ name: 'APP_VERSION', value: 'v2' }],
                readinessProbe: { httpGet: { path: '/health', port: 8080 } },
              },
              { name: 'sidecar', image: 'envoy:1' },
            ],
          },
        },
      },
    });
  });

  it('sets the image of the named container in a template copied from an existing Deployment', () => {
    const existing = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'shop', namespace: 'prod', resourceVersion: '7' },
      spec: { template: { metadata: { creationTimestamp: null, labels: { app: 'shop', version: 'old', 'pod-template-hash': 'abc' } }, spec: TEMPLATE.spec } },
    };
    const template = templateOfDeployment(existing);
    const built = deploymentManifest({ name: 'shop-v3', namespace: 'prod', app: 'shop', version: 'v3', replicas: 1, template, image: 'other/shop:{version}-slim', container: 'sidecar' });
    expect(built.spec?.template).toEqual({
      metadata: { labels: { app: 'shop', version: 'v3' } },
      spec: {
        containers: [
          { name: 'web', image: 'registry.example/shop:v3', env: [{ name: 'APP_VERSION', value: 'v3' }], readinessProbe: { httpGet: { path: '/health', port: 8080 } } },
          { name: 'sidecar', image: 'other/shop:v3-slim' },
        ],
      },
    });
    expect(existing.spec.template.metadata.labels['pod-template-hash']).toBe('abc');
  });

  it('refuses a container the template does not have', () => {
    expect(() => deploymentManifest({ name: 'n', namespace: 'p', app: 'a', version: 'v', replicas: 1, template: TEMPLATE, image: 'i', container: 'db' })).toThrow('the pod template has no container named "db"');
  });
});

describe('serviceManifest and selectorPatch', () => {
  it('builds the stable Service over every version, and a version\'s own', () => {
    expect(serviceManifest({ name: 'shop', namespace: 'prod', app: 'shop', port: 80, targetPort: 8080 })).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'shop', namespace: 'prod', labels: { app: 'shop', 'app.kubernetes.io/managed-by': 'glidepath' } },
      spec: { type: 'ClusterIP', selector: { app: 'shop' }, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] },
    });
    expect(serviceManifest({ name: 'shop-v2', namespace: 'prod', app: 'shop', port: 80, targetPort: 8080, version: 'v2' })).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'shop-v2', namespace: 'prod', labels: { app: 'shop', 'app.kubernetes.io/managed-by': 'glidepath' }, annotations: { 'glidepath.dev/version': 'v2' } },
      spec: { type: 'ClusterIP', selector: { app: 'shop', version: 'v2' }, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] },
    });
  });

  it('switches the selector to one version, or back to all, guarded by the resourceVersion read', () => {
    expect(selectorPatch('shop', 'v2', '41')).toEqual({ metadata: { resourceVersion: '41' }, spec: { selector: { app: 'shop', version: 'v2' } } });
    expect(selectorPatch('shop', null, '42')).toEqual({ metadata: { resourceVersion: '42' }, spec: { selector: { app: 'shop', version: null } } });
  });
});

describe('HTTPRoute weights', () => {
  const route = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'shop', namespace: 'prod', resourceVersion: '9' },
    spec: {
      parentRefs: [{ name: 'public' }],
      hostnames: ['shop.example.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'shop', port: 80 }] }],
    },
  };
  const serviceOf = (version: string) => `shop-${version}`;

  it('writes a weighted backendRef per version into every rule and keeps the rest of the route', () => {
    const refs = backendRefs({ v2: 10, v1: 90 }, serviceOf, 80);
    expect(refs).toEqual([
      { group: '', kind: 'Service', name: 'shop-v2', port: 80, weight: 10 },
      { group: '', kind: 'Service', name: 'shop-v1', port: 80, weight: 90 },
    ]);
    expect(routeWithBackends(route, refs)).toEqual({
      ...route,
      spec: {
        parentRefs: [{ name: 'public' }],
        hostnames: ['shop.example.com'],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: refs }],
      },
    });
    expect(routeWithBackends({ ...route, spec: { parentRefs: [] } }, refs).spec).toEqual({ parentRefs: [], rules: [{ backendRefs: refs }] });
  });

  it('reads the split back from the first rule, in percent', () => {
    const versionOf = (service: string) => (service.startsWith('shop-') ? service.slice(5) : undefined);
    expect(weightsOfRoute(routeWithBackends(route, backendRefs({ v2: 10, v1: 90 }, serviceOf, 80)), versionOf)).toEqual({ v2: 10, v1: 90 });
    expect(weightsOfRoute(route, versionOf)).toEqual({ shop: 100 });
    expect(weightsOfRoute(routeWithBackends(route, backendRefs({ v2: 1, v1: 3 }, serviceOf, 80)), versionOf)).toEqual({ v2: 25, v1: 75 });
  });
});

describe('replica ratio', () => {
  it('gives each version its share of the pods and reads the split back', () => {
    expect(replicaCounts({ v2: 30, v1: 70 }, 10)).toEqual({ v2: 3, v1: 7 });
    expect(replicaCounts({ v2: 100, v1: 0 }, 4)).toEqual({ v2: 4, v1: 0 });
    expect(weightsOfReplicas({ v2: 3, v1: 7 })).toEqual({ v2: 30, v1: 70 });
    expect(weightsOfReplicas({ v2: 4, v1: 0 })).toEqual({ v2: 100 });
  });

  it('refuses a weight that is not a whole number of pods', () => {
    expect(() => replicaCounts({ v2: 15, v1: 85 }, 10)).toThrow('v2 at 15% of 10 replicas is 1.5 pods: with replicaRatio, use weights in steps of 10% (or more replicas)');
  });
});
