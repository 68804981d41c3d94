/**
 * The interface every target implements (process, nginx, kubernetes, command): the few verbs the release
 * engine drives all targets with. The engine imports only this file, never an implementation.
 */

/** Built-in metrics of one version over a recent window, measured where traffic is split. */
export interface VersionMetrics {
  version: string;
  windowMs: number;
  /** Requests finished in the window (answered or failed). */
  requests: number;
  rps: number;
  /** 5xx answers plus connection failures. */
  errors: number;
  /** errors / requests; 0 when there were no requests. */
  errorRate: number;
  /** Latency percentiles in milliseconds; null without requests. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** CPU in cores used by the version's processes, and their resident memory in bytes; null where unknown. */
  cpu: number | null;
  memory: number | null;
  /**
   * Monotonic counts since the target first saw the version, for sequential tests that difference two readings
   * (so consecutive intervals never overlap); absent where the target cannot count.
   */
  totals?: VersionCounters;
}

/** Requests, errors and a cumulative latency histogram of one version since the target first saw it. */
export interface VersionCounters {
  /** Requests finished (answered or failed to connect). */
  requests: number;
  /** 5xx answers plus connection failures. */
  errors: number;
  /** Latency histogram: ascending upper bounds in ms (the last may be Infinity) and cumulative counts at each. */
  latency: { upperBoundsMs: number[]; cumulative: number[] };
}

/** Where one version is in its life. */
export type TargetVersionState = 'starting' | 'ready' | 'failed' | 'draining' | 'stopped';

/** A version the target runs, with the share of traffic it gets now. */
export interface TargetVersion {
  version: string;
  state: TargetVersionState;
  weight: number;
  instances: number;
  /** Direct address of the version, bypassing the split (`{url}`). */
  url: string | undefined;
}

/** How bringing up a version ended. */
export type StartOutcome = { status: 'ready'; version: string; url: string } | { status: 'failed'; version: string; reason: string };

/** Something the target noticed on its own, such as a version failing past its restart policy. */
export interface TargetEvent {
  type: 'version.failed' | 'version.ready' | 'version.stopped' | 'instance.restarted' | 'instance.exited';
  version: string;
  reason?: string;
  at: string;
}

/** What runs versions and splits traffic between them, driven alike by the engine for every target. */
export interface Target {
  readonly type: string;
  /** The service's public address (`{service_url}`). */
  readonly serviceUrl: string;
  /** Brings up a version without giving it traffic; resolves once it is ready, or failed and stopped. */
  startVersion(version: string, options: { signal?: AbortSignal }): Promise<StartOutcome>;
  /**
   * Splits traffic, in percent per version (summing to 100), in one atomic change. Versions left out get
   * nothing; requests already in flight finish where they are.
   */
  setWeights(weights: Readonly<Record<string, number>>): Promise<void>;
  /** The split the target applies now, read back from where traffic is split. */
  currentWeights(): Promise<Record<string, number>>;
  /** Drains a version (no new requests, in-flight ones finish up to `drainMs`) and stops it. */
  stopVersion(version: string, options: { drainMs?: number }): Promise<void>;
  /** The versions it runs now. */
  versions(): TargetVersion[];
  /** Built-in metrics of a version over the last `windowMs`; undefined for a version it does not know. */
  metrics(version: string, windowMs: number): Promise<VersionMetrics | undefined>;
  /**
   * Serves one version alone on a second address (a blue-green preview) and returns its URL; closed when that
   * version stops, when another preview opens, or with the target. Optional: targets without one skip the step.
   */
  openPreview?(version: string, listen: string): Promise<string>;
  /** Listens to what the target notices on its own; returns the unsubscribe function. */
  onEvent(listener: (event: TargetEvent) => void): () => void;
  /** Stops everything the target started. */
  close(): Promise<void>;
}
