/**
 * The kubernetes target as the engine sees it (the `Target` interface): a thin adapter over KubernetesRollout
 * that keeps the versions it runs and tells the engine about their changes. It measures no traffic itself (it has
 * no `metrics`): analysis on Kubernetes uses checks and Prometheus queries.
 */
import { isAbsolute, resolve } from 'node:path';
import type { KubernetesTargetConfig } from '../../plan/schema/kubernetes-target.js';
import { describeError, GlidepathError } from '../../shared/errors.js';
import type { StartOutcome, Target, TargetEvent, TargetVersion } from '../target.js';
import { connectCluster } from './client-node-cluster.js';
import { KubernetesRollout } from './kubernetes-rollout.js';

/** Releases to Deployments in a Kubernetes cluster. */
export class KubernetesTarget implements Target {
  readonly type = 'kubernetes';
  readonly #rollout: KubernetesRollout;
  readonly #versions = new Map<string, TargetVersion>();
  readonly #listeners = new Set<(event: TargetEvent) => void>();

  private constructor(rollout: KubernetesRollout) {
    this.#rollout = rollout;
  }

  /** Connects to the cluster (loading the client library now) and adopts the versions glidepath runs there. */
  static async open(config: KubernetesTargetConfig, options: { service: string; planDir: string }): Promise<KubernetesTarget> {
    const kubeconfig = config.kubeconfig === undefined || isAbsolute(config.kubeconfig) ? config.kubeconfig : resolve(options.planDir, config.kubeconfig);
    const { api } = await connectCluster({ kubeconfig, context: config.context, inCluster: config.inCluster });
    const target = new KubernetesTarget(new KubernetesRollout(api, config, options.service));
    const weights = await target.#rollout.currentWeights();
    for (const found of await target.#rollout.listVersions()) target.#remember(found.version, 'ready', weights[found.version] ?? 0);
    return target;
  }

  get serviceUrl(): string {
    return this.#rollout.serviceUrl;
  }

  async startVersion(version: string, options: { signal?: AbortSignal }): Promise<StartOutcome> {
    this.#remember(version, 'starting', this.#versions.get(version)?.weight ?? 0);
    try {
      const outcome = await this.#rollout.startVersion(version, options.signal);
      if (outcome.status === 'ready') {
        this.#remember(version, 'ready', this.#versions.get(version)?.weight ?? 0);
        this.#emit({ type: 'version.ready', version, at: new Date().toISOString() });
        return { status: 'ready', version, url: this.#rollout.urlOf(version) };
      }
      return await this.#failed(version, outcome.reason);
    } catch (error) {
      return this.#failed(version, describeError(error));
    }
  }

  /** Refuses a version it does not run (a route to a missing Service would fail that share) before any change. */
  async setWeights(weights: Readonly<Record<string, number>>): Promise<void> {
    for (const version of Object.keys(weights)) {
      if (this.#versions.get(version)?.state !== 'ready') throw new GlidepathError(`cannot route to ${version}: it is not running and ready`);
    }
    await this.#rollout.setWeights(weights, [...this.#versions.keys()]);
    for (const entry of this.#versions.values()) entry.weight = weights[entry.version] ?? 0;
  }

  currentWeights(): Promise<Record<string, number>> {
    return this.#rollout.currentWeights();
  }

  async stopVersion(version: string): Promise<void> {
    const entry = this.#versions.get(version);
    if (entry) entry.state = 'draining';
    await this.#rollout.stopVersion(version);
    this.#versions.delete(version);
    this.#emit({ type: 'version.stopped', version, at: new Date().toISOString() });
  }

  versions(): TargetVersion[] {
    return [...this.#versions.values()].map((entry) => ({ ...entry }));
  }

  onEvent(listener: (event: TargetEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Leaves the cluster as it is: what runs there keeps running without glidepath. */
  close(): Promise<void> {
    this.#listeners.clear();
    return Promise.resolve();
  }

  async #failed(version: string, reason: string): Promise<StartOutcome> {
    await this.#rollout.stopVersion(version).catch(() => undefined);
    this.#versions.delete(version);
    this.#emit({ type: 'version.failed', version, reason, at: new Date().toISOString() });
    return { status: 'failed', version, reason };
  }

  #remember(version: string, state: TargetVersion['state'], weight: number): void {
    this.#versions.set(version, { version, state, weight, instances: 1, url: this.#rollout.urlOf(version) });
  }

  #emit(event: TargetEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
