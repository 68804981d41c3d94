import { describe, expect, it } from 'vitest';
import { kubernetesTarget } from './kubernetes-target.js';

const BASE = { type: 'kubernetes', service: 'shop', template: { spec: { containers: [{ name: 'web', image: 'shop:{version}' }] } }, traffic: { httpRoute: { name: 'shop' } } };
const problems = (input: Record<string, unknown>) => {
  const result = kubernetesTarget.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('target type kubernetes', () => {
  it('fills in the defaults', () => {
    expect(kubernetesTarget.parse(BASE)).toMatchObject({ namespace: 'default', inCluster: false, replicas: 1, port: 80, targetPort: 8080, readyTimeout: 300_000, traffic: { httpRoute: { name: 'shop', port: 80 } } });
  });

  it('names each problem with its key path', () => {
    expect(problems({ ...BASE, traffic: { httpRoute: { name: 'shop' }, replicaRatio: { replicas: 4 } } })).toEqual(['traffic: expected exactly one of httpRoute, replicaRatio or serviceSelector (got httpRoute and replicaRatio)']);
    expect(problems({ ...BASE, traffic: {} })).toEqual(['traffic: expected exactly one of httpRoute, replicaRatio or serviceSelector']);
    expect(problems({ ...BASE, deployment: 'shop' })).toEqual([
      'deployment: expected exactly one of deployment (copy an existing Deployment) or template (a pod template)',
      'image: expected an image (with {version}) when copying a Deployment',
    ]);
    expect(problems({ ...BASE, inCluster: true, context: 'prod' })).toEqual(["inCluster: inCluster uses the pod's service account; leave out kubeconfig and context"]);
    expect(problems({ ...BASE, template: { spec: { containers: [{ image: 'x' }] } } })).toEqual(['template.spec.containers.0: expected a container with a name']);
    expect(problems({ ...BASE, template: { metadata: {} } })).toEqual(['template: expected spec.containers: a list of at least one container']);
    expect(problems({ ...BASE, service: 'Shop_1' })).toEqual(['service: expected a Kubernetes name: lowercase letters, digits and "-", at most 63']);
  });
});
