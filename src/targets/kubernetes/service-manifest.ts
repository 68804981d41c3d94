/** The stable Service, each version's own Service, and the selector patch that switches the stable one (blue-green). */
import { versionSelector } from './deployment-manifest.js';
import { API_VERSIONS, type KubeObject } from './kube-object.js';
import { MANAGED_BY, MANAGED_BY_LABEL, VERSION_ANNOTATION } from './names.js';

/** What a Service is made of. */
export interface ServiceInput {
  name: string;
  namespace: string;
  app: string;
  port: number;
  targetPort: number;
  /** Selects this version's pods only; without it, every version of `app`. */
  version?: string;
}

/** A ClusterIP Service over the pods of `app` (or of one version of it). */
export function serviceManifest(input: ServiceInput): KubeObject {
  const selector = input.version === undefined ? { app: input.app } : versionSelector(input.app, input.version);
  return {
    apiVersion: API_VERSIONS.Service,
    kind: 'Service',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { app: input.app, [MANAGED_BY_LABEL]: MANAGED_BY },
      ...(input.version === undefined ? {} : { annotations: { [VERSION_ANNOTATION]: input.version } }),
    },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'http', protocol: 'TCP', port: input.port, targetPort: input.targetPort }],
    },
  };
}

/**
 * The JSON merge patch that points the stable Service at one version (blue-green switch), or at every version of
 * `app` (version null); `resourceVersion` makes it fail with a conflict if the Service changed since it was read.
 */
export function selectorPatch(app: string, version: string | null, resourceVersion: string): Record<string, unknown> {
  const selector = version === null ? { app, version: null } : versionSelector(app, version);
  return { metadata: { resourceVersion }, spec: { selector } };
}
