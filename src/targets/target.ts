/**
 * The interfaces every target implements (process, nginx, kubernetes, command), one per role: what runs versions
 * (`VersionRunner`), what splits traffic between them (`TrafficRouter`) and what observes them (`VersionObserver`,
 * optional). The engine and the daemon import only this file, never an implementation, and ask a target what it
 * can do by its properties (`target.metrics`, `target.openPreview`, `target.detach`), never by its class.
 */
import type { TargetConfig } from '../plan/schema/target.js';
import type { ProxyMetricsSnapshot } from '../proxy/index.js';

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
  type: 'version.failed' | 'version.ready' | 'version.stopped' | 'instance.restarted' | 'instance.exited' | 'command.ran';
  version: string;
  reason?: string;
  at: string;
  /** For `command.ran`: a command the target ran, its output masked, for the release record. */
  command?: TargetCommandRun;
}

/** A command a target ran on the user's behalf (the command target's `start`, `setWeights`…), as recorded. */
export interface TargetCommandRun {
  name: string;
  /** The command line with placeholders filled and secrets masked. */
  command: string;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** The last few KB of its output, secrets masked. */
  output: string;
  ok: boolean;
}

/** What runs versions: brings them up (resolving once ready), lists them, notices their failures, stops them. */
export interface VersionRunner {
  readonly type: string;
  /** Brings up a version without giving it traffic; resolves once it is ready, or failed and stopped. */
  startVersion(version: string, options: { signal?: AbortSignal }): Promise<StartOutcome>;
  /** Drains a version (no new requests, in-flight ones finish up to `drainMs`) and stops it. */
  stopVersion(version: string, options: { drainMs?: number }): Promise<void>;
  /** The versions it runs now, with their state (readiness) and share of traffic. */
  versions(): TargetVersion[];
  /** Listens to what the target notices on its own; returns the unsubscribe function. */
  onEvent(listener: (event: TargetEvent) => void): () => void;
  /** Stops everything the target started. */
  close(): Promise<void>;
}

/** The value a router answers when it cannot tell which split it applies (as Argo's `VerifyWeight` returns nil). */
export const WEIGHTS_UNSUPPORTED = 'unsupported';

/** The split a router reads back: percent per version, or `unsupported` where the router cannot tell. */
export type AppliedWeights = Record<string, number> | typeof WEIGHTS_UNSUPPORTED;

/** What splits traffic between the versions a runner runs. */
export interface TrafficRouter {
  /** The service's public address (`{service_url}`). */
  readonly serviceUrl: string;
  /**
   * Splits traffic, in percent per version (summing to 100), in one atomic change. Versions left out get
   * nothing; requests already in flight finish where they are.
   */
  setWeights(weights: Readonly<Record<string, number>>): Promise<void>;
  /** The split the target applies now, read back from where traffic is split; `unsupported` where it cannot tell. */
  currentWeights(): Promise<AppliedWeights>;
  /**
   * Serves one version alone on a second address (a blue-green preview) and returns its URL; closed when that
   * version stops, when another preview opens, or with the target. Optional: targets without one skip the step.
   */
  openPreview?(version: string, listen: string): Promise<string>;
}

/** What observes the versions where traffic is split: the built-in metrics analysis and alerts read. */
export interface VersionObserver {
  /** Built-in metrics of a version over the last `windowMs`; undefined for a version it does not know. */
  metrics(version: string, windowMs: number): Promise<VersionMetrics | undefined>;
  /** The proxy's raw snapshot of every version, for the daemon's exporter; only where glidepath's proxy splits. */
  proxyMetrics?(windowSeconds: number): Promise<ProxyMetricsSnapshot>;
}

/** Something a target tells the daemon's log on its own, such as how its versions came back after a restart. */
export interface TargetNotice {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

/** What a daemon that hosts a target may ask of it besides releases; each member optional. */
export interface HostedTarget {
  /** Lets go of what it runs, still serving, for the next daemon to adopt (`down --keep-serving`). */
  detach?(): Promise<void>;
  /** Takes the target section of a newly adopted plan for what starts from now on; ignores another type's. */
  reconfigure?(config: TargetConfig): void;
  /**
   * Takes as running the versions another runner started, as the shared store records them (oldest first), when
   * this target knows none: a target that keeps what it started on this machine only (the command target) then
   * serves a CI job in a fresh workspace as it served the runner before it.
   */
  adoptVersions?(versions: readonly { version: string; weight: number }[]): void;
  /** Replays the notices since the target started, then calls `listener` with each new one. */
  onNotice?(listener: (notice: TargetNotice) => void): void;
}

/**
 * A target as the engine and the daemon hold it: it runs versions and splits traffic; it observes them when it
 * has `metrics` (glidepath's proxy, nginx's logs), and analysis then reads built-in metrics from it.
 */
export interface Target extends VersionRunner, TrafficRouter, Partial<VersionObserver>, HostedTarget {}

/** Whether the target observes its versions (built-in metrics); a target without it relies on checks and Prometheus. */
export function observes(target: Target): target is Target & VersionObserver {
  return typeof target.metrics === 'function';
}
