import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubernetesTarget } from '../../plan/schema/kubernetes-target.js';
import { FakeKubeApi } from '../../testing/fake-kube-api.js';
import { runTargetContract, type TargetUnderContract } from '../target.contract.js';
import { KubernetesTarget } from './kubernetes-target.js';

/**
 * The kubernetes target over the loopback API server, splitting traffic by `traffic`. A version's image is
 * `shop:{version}`; the stand-in never makes pods of `shop:broken` available (ProgressDeadlineExceeded).
 */
async function kubernetesUnderContract(traffic: Record<string, unknown>): Promise<TargetUnderContract> {
  const server = await FakeKubeApi.start({ readyAfterMs: 50, brokenImage: (image) => image.endsWith(':broken') });
  const dir = mkdtempSync(join(tmpdir(), 'glidepath-kube-contract-'));
  const cleanup = async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    server.kubeconfig(join(dir, 'kubeconfig'));
    server.store.create('HTTPRoute', 'prod', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'shop' },
      spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name: 'shop', port: 80 }] }] },
    });
    const config = kubernetesTarget.parse({
      type: 'kubernetes',
      namespace: 'prod',
      kubeconfig: 'kubeconfig',
      template: { spec: { containers: [{ name: 'web', image: 'shop:{version}' }] } },
      service: 'shop',
      traffic,
    });
    const target = await KubernetesTarget.open(config, { service: 'shop', planDir: dir });
    return { target, good: ['v1', 'v2'], failing: 'broken', readsBackWeights: true, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

runTargetContract('kubernetes (loopback API server, HTTPRoute weights)', () => kubernetesUnderContract({ httpRoute: { name: 'shop' } }));
runTargetContract('kubernetes (loopback API server, replica ratio)', () => kubernetesUnderContract({ replicaRatio: { replicas: 10 } }));
