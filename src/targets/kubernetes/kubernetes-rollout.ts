/**
 * What the kubernetes target does in the cluster, apart from the engine's interface: a Deployment and a Service
 * per version, the stable Service, and the split by HTTPRoute weights, replica counts or the Service selector.
 */
import type { KubernetesTargetConfig } from '../../plan/schema/kubernetes-target.js';
import type { ClusterApi } from './cluster-api.js';
import { applyObject, patchObject, updateObject } from './cluster-writes.js';
import { deploymentManifest, templateOfDeployment, type PodTemplate } from './deployment-manifest.js';
import { waitForDeployment } from './deployment-readiness.js';
import type { KubeObject, ObjectRef } from './kube-object.js';
import { MANAGED_BY, MANAGED_BY_LABEL, VERSION_ANNOTATION, versionLabel, versionResourceName } from './names.js';
import { replicaCounts, weightsOfReplicas } from './replica-ratio.js';
import { backendRefs, routeWithBackends, weightsOfRoute } from './route-manifest.js';
import { selectorPatch, serviceManifest } from './service-manifest.js';

/** A version's Deployment as found in the cluster. */
export interface ClusterVersion {
  version: string;
  replicas: number;
}

/** The cluster side of the kubernetes target. */
export class KubernetesRollout {
  readonly #api: ClusterApi;
  readonly #config: KubernetesTargetConfig;
  readonly app: string;

  constructor(api: ClusterApi, config: KubernetesTargetConfig, service: string) {
    this.#api = api;
    this.#config = config;
    this.app = config.app ?? service;
  }

  /** The Deployment (and Service) name of a version. */
  nameOf(version: string): string {
    return versionResourceName(this.#config.service, version);
  }

  /** `{url}` of a version: the plan's template, or its Service's in-cluster address. */
  urlOf(version: string): string {
    const { url, namespace, port } = this.#config;
    return url ? url.replaceAll('{version}', version) : `http://${this.nameOf(version)}.${namespace}.svc.cluster.local:${port}`;
  }

  /** `{service_url}`: the plan's, or the stable Service's in-cluster address. */
  get serviceUrl(): string {
    const { serviceUrl, service, namespace, port } = this.#config;
    return serviceUrl ?? `http://${service}.${namespace}.svc.cluster.local:${port}`;
  }

  /** The versions glidepath runs in the namespace, from its Deployments' labels and annotations. */
  async listVersions(): Promise<ClusterVersion[]> {
    const found = await this.#api.list('Deployment', this.#config.namespace, `app=${this.app},${MANAGED_BY_LABEL}=${MANAGED_BY}`);
    return found.map((d) => ({ version: d.metadata.annotations?.[VERSION_ANNOTATION] ?? d.metadata.labels?.version ?? d.metadata.name, replicas: (d.spec?.replicas as number | undefined) ?? 1 }));
  }

  /** Creates (or updates) the version's Deployment and Service, and the stable Service; waits until its pods are available. */
  async startVersion(version: string, signal?: AbortSignal): Promise<{ status: 'ready' } | { status: 'failed'; reason: string }> {
    const { namespace, service, port, targetPort } = this.#config;
    const selectorMode = this.#config.traffic.serviceSelector !== undefined;
    const stable = await this.#api.read(this.#ref('Service', service));
    // Blue-green: a new stable Service starts on this version; an existing one keeps pointing where it points.
    if (!stable || !selectorMode) await applyObject(this.#api, this.#stableService(selectorMode && !stable ? version : undefined, stable));
    await applyObject(this.#api, serviceManifest({ name: this.nameOf(version), namespace, app: this.app, port, targetPort, version }));
    // With a replica ratio, a version starts with one pod (it shares traffic as soon as it is ready).
    const replicas = this.#config.traffic.replicaRatio ? 1 : this.#config.replicas;
    const deployment = deploymentManifest({ name: this.nameOf(version), namespace, app: this.app, version, replicas, template: await this.#template(), image: this.#config.image, container: this.#config.container });
    await applyObject(this.#api, deployment);
    return waitForDeployment(this.#api, this.#ref('Deployment', this.nameOf(version)), { timeoutMs: this.#config.readyTimeout, signal });
  }

  /** Applies a split in one change of the route, the replica counts (up before down), or the stable Service's selector. */
  async setWeights(weights: Readonly<Record<string, number>>, running: readonly string[]): Promise<void> {
    const { traffic } = this.#config;
    if (traffic.httpRoute) {
      const refs = backendRefs(weights, (version) => this.nameOf(version), traffic.httpRoute.port);
      await updateObject(this.#api, this.#ref('HTTPRoute', traffic.httpRoute.name), (route) => routeWithBackends(route, refs));
    } else if (traffic.replicaRatio) {
      const counts = replicaCounts(Object.fromEntries([...running.map((v) => [v, 0] as const), ...Object.entries(weights)]), traffic.replicaRatio.replicas);
      const current = new Map((await this.listVersions()).map((v) => [v.version, v.replicas]));
      const order = Object.entries(counts).sort(([a, x], [b, y]) => (y - (current.get(b) ?? 0)) - (x - (current.get(a) ?? 0)));
      for (const [version, pods] of order) {
        const ref = this.#ref('Deployment', this.nameOf(version));
        await updateObject(this.#api, ref, (d) => ({ ...d, spec: { ...d.spec, replicas: pods } }));
        const ready = await waitForDeployment(this.#api, ref, { timeoutMs: this.#config.readyTimeout });
        if (ready.status === 'failed') throw new Error(`scale ${version} to ${pods} pods: ${ready.reason}`);
      }
    } else {
      const serving = Object.entries(weights).filter(([, share]) => share > 0);
      if (serving.length !== 1 || serving[0]?.[1] !== 100) {
        throw new Error(`traffic.serviceSelector moves all traffic at once: weights must be 100 for one version (asked ${JSON.stringify(weights)}); use httpRoute or replicaRatio for a canary`);
      }
      const version = serving[0][0];
      await patchObject(this.#api, this.#ref('Service', this.#config.service), (s) => selectorPatch(this.app, version, s.metadata.resourceVersion ?? ''));
    }
  }

  /** The split the cluster applies now, read back from the route, the Deployments' replicas, or the selector. */
  async currentWeights(): Promise<Record<string, number>> {
    const { traffic } = this.#config;
    const versions = await this.listVersions();
    if (traffic.httpRoute) {
      const route = await this.#api.read(this.#ref('HTTPRoute', traffic.httpRoute.name));
      if (!route) return {};
      const byService = new Map(versions.map((v) => [this.nameOf(v.version), v.version]));
      return weightsOfRoute(route, (name) => byService.get(name));
    }
    if (traffic.serviceSelector) {
      const service = await this.#api.read(this.#ref('Service', this.#config.service));
      const label = (service?.spec?.selector as Record<string, string> | undefined)?.version;
      const version = versions.find((v) => versionLabel(v.version) === label)?.version;
      if (version !== undefined) return { [version]: 100 };
    }
    return weightsOfReplicas(Object.fromEntries(versions.map((v) => [v.version, v.replicas])));
  }

  /** Deletes a version's Deployment and Service; gone already is fine. */
  async stopVersion(version: string): Promise<void> {
    await this.#api.remove(this.#ref('Deployment', this.nameOf(version)));
    await this.#api.remove(this.#ref('Service', this.nameOf(version)));
  }

  async #template(): Promise<PodTemplate> {
    if (this.#config.template) return this.#config.template as unknown as PodTemplate;
    const name = this.#config.deployment ?? '';
    const existing = await this.#api.read(this.#ref('Deployment', name));
    if (!existing) throw new Error(`Deployment ${name} (target.deployment, copied for each version) not found in namespace ${this.#config.namespace}`);
    return templateOfDeployment(existing);
  }

  #stableService(version: string | undefined, existing: KubeObject | undefined): KubeObject {
    const { service, namespace, port, targetPort } = this.#config;
    const built = serviceManifest({ name: service, namespace, app: this.app, port, targetPort, version });
    return existing ? { ...built, metadata: { ...built.metadata, labels: { ...existing.metadata.labels, ...built.metadata.labels } } } : built;
  }

  #ref(kind: ObjectRef['kind'], name: string): ObjectRef {
    return { kind, namespace: this.#config.namespace, name };
  }
}
