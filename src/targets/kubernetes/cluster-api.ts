/** The narrow subset of the Kubernetes API the target uses, so the client library stays behind one module. */
import { GlidepathError } from '../../shared/errors.js';
import type { KubeKind, KubeObject, ObjectRef } from './kube-object.js';

/** The API server refused a request: its HTTP status, its reason, and what was asked. */
export class KubeApiError extends GlidepathError {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, { code: 'kubernetes_api', cause: options?.cause });
  }
}

/** Whether an error is a resourceVersion conflict (or a create that lost a race): read again and retry. */
export const isConflict = (error: unknown): boolean => error instanceof KubeApiError && error.status === 409;

/** A change a watch reports. */
export interface KubeWatchEvent {
  /** ADDED, MODIFIED, DELETED (or BOOKMARK, ERROR from a real server). */
  type: string;
  object: KubeObject;
}

/** What the kubernetes target asks of a cluster. */
export interface ClusterApi {
  /** The object, or undefined when it does not exist (404). */
  read(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** Creates an object; 409 when one has its name. */
  create(object: KubeObject): Promise<KubeObject>;
  /** Replaces an object (PUT); 409 when its resourceVersion is stale, 404 when it is gone. */
  replace(object: KubeObject): Promise<KubeObject>;
  /** Applies a JSON merge patch; a resourceVersion in it makes a stale write fail with 409. */
  mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject>;
  /** Deletes an object; false when it was already gone (404). */
  remove(ref: ObjectRef): Promise<boolean>;
  /** Objects of a kind in a namespace with every label of `labelSelector` (`a=b,c=d`). */
  list(kind: KubeKind, namespace: string, labelSelector: string): Promise<KubeObject[]>;
  /** Streams changes of one object until `stop()`; `onEnd` when the server ends the stream. */
  watch(ref: ObjectRef, onEvent: (event: KubeWatchEvent) => void, onEnd: (error?: unknown) => void): Promise<{ stop(): void }>;
}
