/** `target:` of type kubernetes: Deployments per version, a stable Service, and how traffic is split between them. */
import { z } from 'zod';
import { httpUrl } from '../../shared/value-schemas.js';
import { durationMs } from '../../shared/units-schema.js';
import { positiveInt } from './common.js';

export const DEFAULT_KUBERNETES_NAMESPACE = 'default';
export const DEFAULT_KUBERNETES_READY_TIMEOUT = '5m';
export const DEFAULT_KUBERNETES_PORT = 80;
export const DEFAULT_KUBERNETES_TARGET_PORT = 8080;

/** A Kubernetes object name: a DNS-1123 label (lowercase letters, digits and "-", at most 63). */
const resourceName = (description: string) =>
  z
    .string({ error: 'expected a Kubernetes name' })
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: 'expected a Kubernetes name: lowercase letters, digits and "-", at most 63' })
    .describe(description);

const portNumber = (description: string) => positiveInt(description).max(65535, { error: 'expected a port from 1 to 65535' });

/** A pod template is open-ended (Kubernetes' own schema); glidepath checks only what it relies on: named containers. */
const templateSchema = z
  .record(z.string(), z.unknown(), { error: 'expected a pod template: metadata and spec' })
  .superRefine((template, ctx) => {
    const spec = template.spec as { containers?: unknown } | undefined;
    const containers = spec !== null && typeof spec === 'object' ? spec.containers : undefined;
    if (!Array.isArray(containers) || containers.length === 0) {
      ctx.addIssue({ code: 'custom', path: spec !== null && typeof spec === 'object' ? ['spec'] : [], message: 'expected spec.containers: a list of at least one container' });
      return;
    }
    containers.forEach((container: unknown, i) => {
      const name = container !== null && typeof container === 'object' ? (container as { name?: unknown }).name : undefined;
      if (typeof name !== 'string' || name === '') ctx.addIssue({ code: 'custom', path: ['spec', 'containers', i], message: 'expected a container with a name' });
    });
  })
  .describe("Pod template of every version, as a Deployment's `spec.template` (metadata, spec with containers and their readinessProbe); every string may use `{version}`, and glidepath adds the pod labels `app` and `version`.");

const trafficSchema = z
  .strictObject({
    httpRoute: z
      .strictObject({
        name: resourceName('Name of an existing Gateway API HTTPRoute (attached to your Gateway); glidepath rewrites the backendRefs of its rules.'),
        port: portNumber('Port of the per-version Services the backendRefs point at.').default(DEFAULT_KUBERNETES_PORT),
      })
      .optional()
      .describe('Split by weight with a Gateway API HTTPRoute: each version gets a Service `<service>-<version>` and a weighted backendRef.'),
    replicaRatio: z
      .strictObject({
        replicas: positiveInt('Pods across all versions; each version runs its weight\'s share (weights must be multiples of 100/replicas).'),
      })
      .optional()
      .describe('Split without a Gateway: the stable Service selects every version and the replica counts set the ratio.'),
    serviceSelector: z
      .strictObject({})
      .optional()
      .describe('Blue-green: the stable Service selects one version at a time; weights other than 0 and 100 are refused.'),
  })
  .superRefine((traffic, ctx) => {
    const modes = (['httpRoute', 'replicaRatio', 'serviceSelector'] as const).filter((mode) => traffic[mode] !== undefined);
    if (modes.length !== 1) ctx.addIssue({ code: 'custom', message: `expected exactly one of httpRoute, replicaRatio or serviceSelector${modes.length ? ` (got ${modes.join(' and ')})` : ''}` });
  })
  .describe('How traffic is split between versions: exactly one of `httpRoute`, `replicaRatio`, `serviceSelector`.');

/** The kubernetes target's schema (one branch of `target:`). */
export const kubernetesTarget = z
  .strictObject({
    type: z.literal('kubernetes').describe('Deployments in a Kubernetes cluster.'),
    namespace: resourceName('Namespace of the service.').default(DEFAULT_KUBERNETES_NAMESPACE),
    kubeconfig: z.string().min(1).optional().describe('kubeconfig file, relative to the plan; default: $KUBECONFIG, then ~/.kube/config.'),
    context: z.string().min(1).optional().describe('kubeconfig context to use; default: its current context.'),
    inCluster: z.boolean().default(false).describe('Use the service account glidepath runs under inside a pod instead of a kubeconfig.'),
    app: resourceName('Value of the `app` label of every version\'s pods; default: the plan\'s service.').optional(),
    deployment: resourceName('An existing Deployment whose pod template each version copies (with `image` replaced).').optional(),
    template: templateSchema.optional(),
    container: z.string().min(1).optional().describe('Container whose image `image` sets; default: the first.'),
    image: z.string().min(1).optional().describe('Image reference of a version; `{version}` is the version released. Required with `deployment`.'),
    replicas: positiveInt('Pods of each version (with `httpRoute` and `serviceSelector`).').default(1),
    service: resourceName('The stable Service, created or updated by glidepath; it selects the pods of `app`.'),
    port: portNumber('Port the Services listen on.').default(DEFAULT_KUBERNETES_PORT),
    targetPort: portNumber('Port of the containers the Services send to.').default(DEFAULT_KUBERNETES_TARGET_PORT),
    traffic: trafficSchema,
    url: httpUrl('Address of one version for checks (`{url}`); may use `{version}`. Default: the in-cluster address of its Service.', 'http://shop-{version}.shop.svc:80').optional(),
    serviceUrl: httpUrl('The service\'s public address (`{service_url}`). Default: the in-cluster address of the stable Service.', 'https://shop.example.com').optional(),
    readyTimeout: durationMs('How long a version\'s Deployment may take to have all its pods available.').prefault(DEFAULT_KUBERNETES_READY_TIMEOUT),
  })
  .superRefine((target, ctx) => {
    if ((target.deployment === undefined) === (target.template === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['deployment'], message: 'expected exactly one of deployment (copy an existing Deployment) or template (a pod template)' });
    }
    if (target.deployment !== undefined && target.image === undefined) {
      ctx.addIssue({ code: 'custom', path: ['image'], message: 'expected an image (with {version}) when copying a Deployment' });
    }
    if (target.inCluster && (target.kubeconfig !== undefined || target.context !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['inCluster'], message: 'inCluster uses the pod\'s service account; leave out kubeconfig and context' });
    }
  })
  .describe('Release to Kubernetes.');

/** A `target:` of type kubernetes as validated. */
export type KubernetesTargetConfig = z.output<typeof kubernetesTarget>;
