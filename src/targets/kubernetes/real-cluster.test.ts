/**
 * A canary on a real cluster, run only when GLIDEPATH_KUBECONFIG names a kubeconfig (its current context is
 * used). It needs a namespace GLIDEPATH_KUBE_NAMESPACE (default glidepath-e2e) where it may create Deployments
 * and Services, and a Gateway API HTTPRoute `glidepath-e2e` there; it deploys nginx images as two versions,
 * moves the route's weights, reads them back and rolls back, then deletes what it created. No cluster exists
 * in CI, so without the variable this is skipped with the reason and is not a failure under
 * GLIDEPATH_REQUIRE_ALL (a skip of a missing program is; a missing cluster is not a program).
 */
import { describe, expect, it } from 'vitest';
import { kubernetesTarget } from '../../plan/schema/kubernetes-target.js';
import { KubernetesTarget } from './kubernetes-target.js';

const kubeconfig = process.env.GLIDEPATH_KUBECONFIG;
const namespace = process.env.GLIDEPATH_KUBE_NAMESPACE ?? 'glidepath-e2e';

describe.skipIf(!kubeconfig)(`a canary on a real cluster${kubeconfig ? '' : ' (skipped: GLIDEPATH_KUBECONFIG is not set, and no cluster exists in CI)'}`, () => {
  it('moves HTTPRoute weights 10 → 50, reads them back and rolls back', async () => {
    const config = kubernetesTarget.parse({
      type: 'kubernetes',
      namespace,
      kubeconfig,
      template: { spec: { containers: [{ name: 'web', image: 'nginx:{version}', ports: [{ containerPort: 80 }], readinessProbe: { httpGet: { path: '/', port: 80 } } }] } },
      service: 'glidepath-e2e',
      targetPort: 80,
      traffic: { httpRoute: { name: 'glidepath-e2e' } },
      readyTimeout: '3m',
    });
    const target = await KubernetesTarget.open(config, { service: 'glidepath-e2e', planDir: process.cwd() });
    try {
      expect(await target.startVersion('1.26', {})).toMatchObject({ status: 'ready' });
      await target.setWeights({ '1.26': 100 });
      expect(await target.startVersion('1.27', {})).toMatchObject({ status: 'ready' });
      for (const weight of [10, 50]) {
        await target.setWeights({ '1.27': weight, '1.26': 100 - weight });
        expect(await target.currentWeights()).toEqual({ '1.27': weight, '1.26': 100 - weight });
      }
      await target.setWeights({ '1.26': 100 });
      expect(await target.currentWeights()).toEqual({ '1.26': 100 });
    } finally {
      for (const version of ['1.27', '1.26']) await target.stopVersion(version).catch(() => undefined);
      await target.close();
    }
  }, 600_000);
});
