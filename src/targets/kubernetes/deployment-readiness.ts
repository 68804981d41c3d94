/** When a Deployment's pods are all there: read from its status, woken by a watch, polled as a fallback. */
import type { ClusterApi } from './cluster-api.js';
import type { KubeObject, ObjectRef } from './kube-object.js';

/** Where a Deployment stands: every pod of the current generation available, still rolling, or stuck. */
export type DeploymentProgress = { state: 'ready' } | { state: 'progressing'; detail: string } | { state: 'failed'; reason: string };

interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

/** Reads a Deployment's status as `kubectl rollout status` does. */
export function deploymentProgress(deployment: KubeObject): DeploymentProgress {
  const status = (deployment.status ?? {}) as DeploymentStatus;
  const wanted = (deployment.spec?.replicas as number | undefined) ?? 1;
  const stuck = status.conditions?.find((c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded');
  if (stuck) return { state: 'failed', reason: stuck.message ?? 'progress deadline exceeded' };
  if ((status.observedGeneration ?? 0) < (deployment.metadata.generation ?? 1)) return { state: 'progressing', detail: 'the controller has not seen the latest spec yet' };
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const total = status.replicas ?? 0;
  if (updated < wanted) return { state: 'progressing', detail: `${updated} of ${wanted} pods updated` };
  if (total > updated) return { state: 'progressing', detail: `${total - updated} old pods terminating` };
  if (available < wanted) return { state: 'progressing', detail: `${available} of ${wanted} pods available` };
  return { state: 'ready' };
}

/** How long to wait and how often to read again when the watch is quiet. */
export interface ReadinessWait {
  timeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/**
 * Waits until the Deployment is ready, failed, gone, or out of time. A watch wakes the wait on every change;
 * reads every `pollMs` cover a watch that broke or never started.
 */
export async function waitForDeployment(api: ClusterApi, ref: ObjectRef, wait: ReadinessWait): Promise<{ status: 'ready' } | { status: 'failed'; reason: string }> {
  const deadline = Date.now() + wait.timeoutMs;
  let wake: (() => void) | undefined;
  // Not awaited: reads go on while the watch connects (or fails to).
  const watch = api.watch(ref, () => wake?.(), () => undefined).catch(() => undefined);
  try {
    let last = 'not created yet';
    for (;;) {
      if (wait.signal?.aborted) return { status: 'failed', reason: `waiting for ${ref.name} was aborted (${last})` };
      const deployment = await api.read(ref);
      if (!deployment) return { status: 'failed', reason: `Deployment ${ref.name} is gone from namespace ${ref.namespace}` };
      const progress = deploymentProgress(deployment);
      if (progress.state === 'ready') return { status: 'ready' };
      if (progress.state === 'failed') return { status: 'failed', reason: `Deployment ${ref.name}: ${progress.reason}` };
      last = progress.detail;
      const left = deadline - Date.now();
      if (left <= 0) return { status: 'failed', reason: `Deployment ${ref.name} not ready after ${Math.round(wait.timeoutMs / 1000)}s (${last})` };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, wait.pollMs ?? 2000));
        wait.signal?.addEventListener('abort', done, { once: true });
        wake = done;
        function done(): void {
          clearTimeout(timer);
          wait.signal?.removeEventListener('abort', done);
          wake = undefined;
          resolve();
        }
      });
    }
  } finally {
    void watch.then((started) => started?.stop());
  }
}
