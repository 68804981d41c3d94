/** The loose shape of the Kubernetes objects glidepath reads and writes: what it touches is typed, the rest kept. */

/** Object metadata, as far as glidepath uses it. */
export interface KubeMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  generation?: number;
  [key: string]: unknown;
}

/** Any Kubernetes object: apiVersion, kind, metadata, and whatever else it holds. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The kinds glidepath writes. */
export type KubeKind = 'Deployment' | 'Service' | 'HTTPRoute';

/** Where an object lives: its kind, namespace and name. */
export interface ObjectRef {
  kind: KubeKind;
  namespace: string;
  name: string;
}

/** The apiVersion of each kind glidepath writes. */
export const API_VERSIONS: Readonly<Record<KubeKind, string>> = {
  Deployment: 'apps/v1',
  Service: 'v1',
  HTTPRoute: 'gateway.networking.k8s.io/v1',
};

/** The ref of an object. */
export function refOf(object: KubeObject): ObjectRef {
  return { kind: object.kind as KubeKind, namespace: object.metadata.namespace ?? 'default', name: object.metadata.name };
}
