/**
 * The ClusterApi through @kubernetes/client-node, imported only when a kubernetes target is used (the CLI's
 * start-up does not load it). Deployments and HTTPRoutes go through the generic object paths
 * (/apis/<group>/<version>/namespaces/<ns>/<plural>), Services through the core API; objects stay plain JSON.
 */
import { KubeApiError, type ClusterApi, type KubeWatchEvent } from './cluster-api.js';
import { API_VERSIONS, type KubeKind, type KubeObject, type ObjectRef } from './kube-object.js';

/** Where the cluster's credentials come from. */
export interface ClusterConnection {
  /** kubeconfig file; default: $KUBECONFIG, then ~/.kube/config. */
  kubeconfig?: string;
  context?: string;
  /** The pod's service account instead of a kubeconfig. */
  inCluster?: boolean;
}

const GROUPED: Record<Exclude<KubeKind, 'Service'>, { group: string; version: string; plural: string }> = {
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments' },
  HTTPRoute: { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' },
};

const pathOf = (kind: KubeKind, namespace: string) =>
  kind === 'Service' ? `/api/v1/namespaces/${namespace}/services` : `/apis/${GROUPED[kind].group}/${GROUPED[kind].version}/namespaces/${namespace}/${GROUPED[kind].plural}`;

/** Loads the client library and the credentials, and returns the cluster's API with the server's address. */
export async function connectCluster(connection: ClusterConnection): Promise<{ api: ClusterApi; server: string }> {
  const k8s = await import('@kubernetes/client-node');
  const config = new k8s.KubeConfig();
  if (connection.inCluster) config.loadFromCluster();
  else if (connection.kubeconfig !== undefined) config.loadFromFile(connection.kubeconfig);
  else config.loadFromDefault();
  if (connection.context !== undefined) {
    const names = config.getContexts().map((context) => context.name);
    if (!names.includes(connection.context)) {
      throw new KubeApiError(0, `the kubeconfig${connection.kubeconfig ? ` ${connection.kubeconfig}` : ''} has no context "${connection.context}" (it has: ${names.join(', ') || 'none'})`);
    }
    config.setCurrentContext(connection.context);
  }
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new KubeApiError(0, `the kubeconfig${connection.kubeconfig ? ` ${connection.kubeconfig}` : ''} names no cluster for its current context`);
  const core = config.makeApiClient(k8s.CoreV1Api);
  const objects = config.makeApiClient(k8s.CustomObjectsApi);
  const mergeOptions = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  const watcher = new k8s.Watch(config);
  const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as KubeObject;
  const typed = (object: KubeObject, kind: KubeKind): KubeObject => ({ ...object, apiVersion: API_VERSIONS[kind], kind });
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw asApiError(what, error, k8s.ApiException);
    }
  };
  const describe = (verb: string, ref: ObjectRef) => `${verb} ${ref.kind} ${ref.namespace}/${ref.name} on ${server}`;

  const api: ClusterApi = {
    async read(ref) {
      try {
        const { kind, namespace, name } = ref;
        const found: unknown = kind === 'Service' ? await core.readNamespacedService({ name, namespace }) : await objects.getNamespacedCustomObject({ ...GROUPED[kind], namespace, name });
        return typed(plain(found), kind);
      } catch (error) {
        const wrapped = asApiError(describe('read', ref), error, k8s.ApiException);
        if (wrapped.status === 404) return undefined;
        throw wrapped;
      }
    },
    create: (object) =>
      call(describe('create', refFrom(object)), async () => {
        const { kind, namespace } = refFrom(object);
        const made: unknown = kind === 'Service' ? await core.createNamespacedService({ namespace, body: object }) : await objects.createNamespacedCustomObject({ ...GROUPED[kind], namespace, body: object });
        return typed(plain(made), kind);
      }),
    replace: (object) =>
      call(describe('replace', refFrom(object)), async () => {
        const { kind, namespace, name } = refFrom(object);
        const made: unknown = kind === 'Service' ? await core.replaceNamespacedService({ name, namespace, body: object }) : await objects.replaceNamespacedCustomObject({ ...GROUPED[kind], namespace, name, body: object });
        return typed(plain(made), kind);
      }),
    mergePatch: (ref, patch) =>
      call(describe('patch', ref), async () => {
        const { kind, namespace, name } = ref;
        const made: unknown = kind === 'Service' ? await core.patchNamespacedService({ name, namespace, body: patch }, mergeOptions) : await objects.patchNamespacedCustomObject({ ...GROUPED[kind], namespace, name, body: patch }, mergeOptions);
        return typed(plain(made), kind);
      }),
    async remove(ref) {
      try {
        const { kind, namespace, name } = ref;
        if (kind === 'Service') await core.deleteNamespacedService({ name, namespace });
        else await objects.deleteNamespacedCustomObject({ ...GROUPED[kind], namespace, name, propagationPolicy: 'Background' });
        return true;
      } catch (error) {
        const wrapped = asApiError(describe('delete', ref), error, k8s.ApiException);
        if (wrapped.status === 404) return false;
        throw wrapped;
      }
    },
    list: (kind, namespace, labelSelector) =>
      call(`list ${kind} in ${namespace} on ${server}`, async () => {
        const found: unknown = kind === 'Service' ? await core.listNamespacedService({ namespace, labelSelector }) : await objects.listNamespacedCustomObject({ ...GROUPED[kind], namespace, labelSelector });
        // A list's items carry no kind or apiVersion of their own.
        return (plain(found).items as KubeObject[]).map((item) => typed({ ...item, metadata: { ...item.metadata, namespace: item.metadata.namespace ?? namespace } }, kind));
      }),
    watch: (ref, onEvent, onEnd) =>
      call(describe('watch', ref), async () => {
        const controller = await watcher.watch(
          pathOf(ref.kind, ref.namespace),
          { fieldSelector: `metadata.name=${ref.name}` },
          (type: string, object: unknown) => onEvent({ type, object: typed(plain(object), ref.kind) } satisfies KubeWatchEvent),
          (error: unknown) => onEnd(error ?? undefined),
        );
        return { stop: () => controller.abort() };
      }),
  };
  return { api, server };
}

function refFrom(object: KubeObject): ObjectRef {
  return { kind: object.kind as KubeKind, namespace: object.metadata.namespace ?? 'default', name: object.metadata.name };
}

/** The client's error as a KubeApiError with the API server's own message (its Status body) and what was asked. */
function asApiError(what: string, error: unknown, ApiException: abstract new (...args: never[]) => { code: number; body: unknown }): KubeApiError {
  if (error instanceof KubeApiError) return error;
  if (error instanceof ApiException) {
    const body = error.body;
    const parsed = typeof body === 'string' ? safeJson(body) : body;
    const message = parsed !== null && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string' ? (parsed as { message: string }).message : String(body).slice(0, 200);
    return new KubeApiError(error.code, `${what}: ${error.code} ${message}`, { cause: error });
  }
  return new KubeApiError(0, `${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
