/** Writes that survive other writers: read fresh, change, write with that resourceVersion, and again on a 409. */
import { KubeApiError, isConflict, type ClusterApi } from './cluster-api.js';
import type { KubeObject, ObjectRef } from './kube-object.js';

/** How many fresh reads a write may take before a run of conflicts is an error. */
export const MAX_CONFLICT_RETRIES = 5;

/**
 * Reads the object, applies `change` to it and replaces it with the resourceVersion read; a conflict (someone
 * wrote in between) starts over from a fresh read. Throws 404 as a KubeApiError naming the object.
 */
export async function updateObject(api: ClusterApi, ref: ObjectRef, change: (current: KubeObject) => KubeObject): Promise<KubeObject> {
  for (let attempt = 1; ; attempt++) {
    const current = await api.read(ref);
    if (!current) throw new KubeApiError(404, `${ref.kind} ${ref.name} not found in namespace ${ref.namespace}`);
    const next = change(structuredClone(current));
    try {
      return await api.replace({ ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } });
    } catch (error) {
      if (!isConflict(error) || attempt >= MAX_CONFLICT_RETRIES) throw error;
    }
  }
}

/** Applies a merge patch built from a fresh read (so it can carry that resourceVersion), retrying on conflicts. */
export async function patchObject(api: ClusterApi, ref: ObjectRef, patchOf: (current: KubeObject) => Record<string, unknown>): Promise<KubeObject> {
  for (let attempt = 1; ; attempt++) {
    const current = await api.read(ref);
    if (!current) throw new KubeApiError(404, `${ref.kind} ${ref.name} not found in namespace ${ref.namespace}`);
    try {
      return await api.mergePatch(ref, patchOf(current));
    } catch (error) {
      if (!isConflict(error) || attempt >= MAX_CONFLICT_RETRIES) throw error;
    }
  }
}

/**
 * Creates the object, or brings an existing one to the desired labels, annotations and spec (keeping what the
 * cluster filled in: a Service's clusterIP); a create that loses a race becomes an update.
 */
export async function applyObject(api: ClusterApi, desired: KubeObject): Promise<KubeObject> {
  const ref: ObjectRef = { kind: desired.kind as ObjectRef['kind'], namespace: desired.metadata.namespace ?? 'default', name: desired.metadata.name };
  for (let attempt = 1; ; attempt++) {
    if (!(await api.read(ref))) {
      try {
        return await api.create(desired);
      } catch (error) {
        if (!isConflict(error) || attempt >= MAX_CONFLICT_RETRIES) throw error;
        continue;
      }
    }
    try {
      return await updateObject(api, ref, (current) => merged(current, desired));
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404) || attempt >= MAX_CONFLICT_RETRIES) throw error;
    }
  }
}

function merged(current: KubeObject, desired: KubeObject): KubeObject {
  const spec = { ...desired.spec };
  for (const kept of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) if (current.spec?.[kept] !== undefined && spec[kept] === undefined) spec[kept] = current.spec[kept];
  return {
    ...current,
    metadata: {
      ...current.metadata,
      labels: { ...current.metadata.labels, ...desired.metadata.labels },
      annotations: { ...current.metadata.annotations, ...desired.metadata.annotations },
    },
    spec,
  };
}
