/** The Deployment of one version, built from the plan's pod template or a copy of an existing Deployment's. */
import { API_VERSIONS, type KubeObject } from './kube-object.js';
import { MANAGED_BY, MANAGED_BY_LABEL, VERSION_ANNOTATION, versionLabel } from './names.js';

/** A pod template: metadata and a pod spec with containers. */
export interface PodTemplate {
  metadata?: Record<string, unknown>;
  spec: { containers: { name: string; image?: string; [key: string]: unknown }[]; [key: string]: unknown };
  [key: string]: unknown;
}

/** What a version's Deployment is made of. */
export interface DeploymentInput {
  name: string;
  namespace: string;
  app: string;
  version: string;
  replicas: number;
  template: PodTemplate;
  /** Replaces the image of `container` (or of the first container); may use `{version}`. */
  image?: string;
  container?: string;
}

/** The labels that pick out one version's pods. */
export function versionSelector(app: string, version: string): Record<string, string> {
  return { app, version: versionLabel(version) };
}

/**
 * The Deployment of a version: the template with `{version}` filled in everywhere, labels app and version on
 * the pods and as the selector, the image set; readiness is the template's own readinessProbe.
 */
export function deploymentManifest(input: DeploymentInput): KubeObject {
  const template = withVersion(input.template, input.version) as PodTemplate;
  const selector = versionSelector(input.app, input.version);
  const metadata = template.metadata ?? {};
  const labels = { ...((metadata.labels as Record<string, string> | undefined) ?? {}), ...selector };
  const index = input.container === undefined ? 0 : template.spec.containers.findIndex((c) => c.name === input.container);
  if (index < 0) throw new Error(`the pod template has no container named "${input.container ?? ''}"`);
  const containers = template.spec.containers.map((container, i) =>
    i === index && input.image !== undefined ? { ...container, image: input.image.replaceAll('{version}', input.version) } : container,
  );
  return {
    apiVersion: API_VERSIONS.Deployment,
    kind: 'Deployment',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...selector, [MANAGED_BY_LABEL]: MANAGED_BY },
      annotations: { [VERSION_ANNOTATION]: input.version },
    },
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: selector },
      template: { ...template, metadata: { ...metadata, labels }, spec: { ...template.spec, containers } },
    },
  };
}

/** The pod template of an existing Deployment, without what belongs to that Deployment's own pods. */
export function templateOfDeployment(deployment: KubeObject): PodTemplate {
  const template = structuredClone((deployment.spec?.template ?? {}) as PodTemplate);
  const metadata = { ...(template.metadata ?? {}) };
  delete metadata.creationTimestamp;
  const labels = { ...((metadata.labels as Record<string, string> | undefined) ?? {}) };
  delete labels['pod-template-hash'];
  delete labels.version;
  return { ...template, metadata: { ...metadata, labels } };
}

/** A copy of a JSON value with `{version}` replaced in every string. */
function withVersion(value: unknown, version: string): unknown {
  if (typeof value === 'string') return value.replaceAll('{version}', version);
  if (Array.isArray(value)) return value.map((item) => withVersion(item, version));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withVersion(item, version)]));
  return value;
}
