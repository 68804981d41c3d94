/**
 * The object store behind the fake Kubernetes API server: objects by kind, namespace and name, each with a
 * resourceVersion from one counter; writes with a stale resourceVersion conflict; Deployments get a generation
 * and, a little after each spec change, a status that says their pods are available (or never will be).
 */
import { isDeepStrictEqual } from 'node:util';

/** A stored object (JSON). */
export type StoredObject = Record<string, unknown> & { metadata: Record<string, unknown> & { name: string; namespace: string; resourceVersion: string } };

/** A change a watch sends. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: StoredObject;
}

/** Why a write was refused: the HTTP status and the Kubernetes reason. */
export class FakeKubeError extends Error {
  constructor(
    readonly code: 404 | 409 | 422,
    readonly reason: 'NotFound' | 'Conflict' | 'AlreadyExists' | 'Invalid',
    message: string,
  ) {
    super(message);
  }
}

/** How the fake cluster behaves. */
export interface FakeKubeOptions {
  /** How long after a spec change a Deployment's pods become available (default 100ms). */
  readyAfterMs?: number;
  /** Images whose pods never become ready: their Deployment reports ProgressDeadlineExceeded instead. */
  brokenImage?: (image: string) => boolean;
}

const key = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

/** Objects, resourceVersions, watches and the Deployment controller's status updates. */
export class FakeKubeStore {
  readonly #objects = new Map<string, StoredObject>();
  readonly #watchers = new Set<{ kind: string; namespace: string; send: (event: WatchEvent) => void }>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #interfere = new Set<string>();
  readonly #options: Required<FakeKubeOptions>;
  #version = 100;

  constructor(options: FakeKubeOptions = {}) {
    this.#options = { readyAfterMs: options.readyAfterMs ?? 100, brokenImage: options.brokenImage ?? (() => false) };
  }

  /** The stored object, a copy; undefined when absent. */
  get(kind: string, namespace: string, name: string): StoredObject | undefined {
    const found = this.#objects.get(key(kind, namespace, name));
    return found && structuredClone(found);
  }

  /** Objects of a kind in a namespace whose labels match every `name=value` of the selector. */
  list(kind: string, namespace: string, labelSelector = ''): StoredObject[] {
    const wanted = labelSelector.split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]);
    return [...this.#objects.values()]
      .filter((o) => o.kind === kind && o.metadata.namespace === namespace)
      .filter((o) => wanted.every(([name, value]) => (o.metadata.labels as Record<string, string> | undefined)?.[name] === value))
      .map((o) => structuredClone(o));
  }

  /** The resourceVersion the next write gets; lists report the current one. */
  get resourceVersion(): string {
    return String(this.#version);
  }

  /** Creates an object; AlreadyExists when one has its name. */
  create(kind: string, namespace: string, body: Record<string, unknown>): StoredObject {
    const metadata = { ...((body.metadata as Record<string, unknown> | undefined) ?? {}) };
    const name = metadata.name;
    if (typeof name !== 'string' || name === '') throw new FakeKubeError(422, 'Invalid', `${kind} "": metadata.name: Required value`);
    if (this.#objects.has(key(kind, namespace, name))) throw new FakeKubeError(409, 'AlreadyExists', `${kind.toLowerCase()}s "${name}" already exists`);
    delete metadata.resourceVersion;
    const object = { ...body, metadata: { ...metadata, namespace, uid: `uid-${this.#version}`, creationTimestamp: new Date().toISOString(), resourceVersion: '' } } as unknown as StoredObject;
    if (kind === 'Deployment') {
      object.metadata.generation = 1;
      object.status = {};
    }
    return this.#store(object, 'ADDED');
  }

  /** Replaces an object (PUT): NotFound when absent, Conflict when the body's resourceVersion is stale. */
  replace(kind: string, namespace: string, name: string, body: Record<string, unknown>): StoredObject {
    const current = this.#current(kind, namespace, name);
    const metadata = (body.metadata as Record<string, unknown> | undefined) ?? {};
    this.#checkVersion(current, metadata.resourceVersion, kind, name);
    const next = { ...body, metadata: { ...metadata, namespace, name, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp } } as unknown as StoredObject;
    if ('status' in current) next.status = current.status;
    return this.#update(current, next);
  }

  /** Applies a JSON merge patch (RFC 7386); a resourceVersion in the patch must be current. */
  mergePatch(kind: string, namespace: string, name: string, patch: Record<string, unknown>): StoredObject {
    const current = this.#current(kind, namespace, name);
    this.#checkVersion(current, (patch.metadata as Record<string, unknown> | undefined)?.resourceVersion, kind, name);
    const next = merge(current, patch) as StoredObject;
    next.metadata = { ...next.metadata, name, namespace };
    return this.#update(current, next);
  }

  /** Deletes an object; NotFound when absent. */
  delete(kind: string, namespace: string, name: string): StoredObject {
    const current = this.#current(kind, namespace, name);
    this.#objects.delete(key(kind, namespace, name));
    current.metadata.resourceVersion = String(++this.#version);
    this.#emit(kind, namespace, { type: 'DELETED', object: current });
    return current;
  }

  /** Makes the next write to an object conflict, as if another writer changed it since it was read. */
  interfere(kind: string, namespace: string, name: string): void {
    this.#interfere.add(key(kind, namespace, name));
  }

  /** Sends every later change of a kind in a namespace to `send`; returns the unsubscribe function. */
  watch(kind: string, namespace: string, send: (event: WatchEvent) => void): () => void {
    const watcher = { kind, namespace, send };
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /** Stops the pending status updates. */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#watchers.clear();
  }

  #current(kind: string, namespace: string, name: string): StoredObject {
    const current = this.#objects.get(key(kind, namespace, name));
    if (!current) throw new FakeKubeError(404, 'NotFound', `${kind.toLowerCase()}s "${name}" not found`);
    const k = key(kind, namespace, name);
    if (this.#interfere.delete(k)) {
      current.metadata.annotations = { ...(current.metadata.annotations ?? {}), 'other-writer': String(this.#version) };
      this.#store(current, 'MODIFIED');
    }
    return structuredClone(current);
  }

  #checkVersion(current: StoredObject, sent: unknown, kind: string, name: string): void {
    if (sent !== undefined && sent !== null && sent !== current.metadata.resourceVersion) {
      throw new FakeKubeError(409, 'Conflict', `Operation cannot be fulfilled on ${kind.toLowerCase()}s "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
  }

  #update(current: StoredObject, next: StoredObject): StoredObject {
    if (current.kind === 'Deployment') {
      const changed = !isDeepStrictEqual(current.spec, next.spec);
      next.metadata.generation = (current.metadata.generation as number) + (changed ? 1 : 0);
    }
    return this.#store(next, 'MODIFIED');
  }

  #store(object: StoredObject, type: WatchEvent['type']): StoredObject {
    object.metadata.resourceVersion = String(++this.#version);
    const { kind, metadata } = object as StoredObject & { kind: string };
    this.#objects.set(key(kind, metadata.namespace, metadata.name), structuredClone(object));
    this.#emit(kind, metadata.namespace, { type, object: structuredClone(object) });
    if (kind === 'Deployment' && (type === 'ADDED' || (object.status as { observedGeneration?: number }).observedGeneration !== metadata.generation)) this.#rollOut(object);
    return structuredClone(object);
  }

  /** What the Deployment controller does: after a while, the status of the current generation. */
  #rollOut(deployment: StoredObject): void {
    const { namespace, name, generation } = deployment.metadata;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      const current = this.#objects.get(key('Deployment', namespace, name));
      if (!current || current.metadata.generation !== generation) return;
      const spec = current.spec as { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
      const replicas = spec.replicas ?? 1;
      const broken = (spec.template?.spec?.containers ?? []).some((c) => this.#options.brokenImage(c.image ?? ''));
      current.status = broken
        ? { observedGeneration: generation, replicas, updatedReplicas: replicas, unavailableReplicas: replicas, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${name}" has timed out progressing.` }] }
        : { observedGeneration: generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }] };
      this.#store(current, 'MODIFIED');
    }, this.#options.readyAfterMs);
    this.#timers.add(timer);
  }

  #emit(kind: string, namespace: string, event: WatchEvent): void {
    for (const watcher of this.#watchers) if (watcher.kind === kind && watcher.namespace === namespace) watcher.send(structuredClone(event));
  }
}

/** RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces. */
function merge(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete out[name];
    else out[name] = merge(out[name], value);
  }
  return out;
}
