/** The process supervisor's vocabulary: what a version is started from, and what it reports. */

/** Loopback address every instance listens on. */
export const INSTANCE_HOST = '127.0.0.1';

/** Everything needed to run one version of a service as local processes (durations already in ms). */
export interface VersionSpec {
  service: string;
  version: string;
  /** Command line of one instance; `{port}` and `{version}` are filled in per instance. */
  command: string;
  shell: boolean;
  /** Absolute working directory (`{version}` already filled in; `{port}` may remain). */
  cwd: string;
  /** Added to glidepath's environment; values may use `{port}` and `{version}`. `PORT` is set unless given here. */
  env: Readonly<Record<string, string>>;
  instances: number;
  ready: { path?: string; timeoutMs: number; intervalMs: number; probeTimeoutMs?: number };
  restart: { delayMs: number; maxAttempts: number; windowMs: number };
  drainMs: number;
}

/** Where a ready instance answers. */
export interface InstanceAddress {
  index: number;
  pid: number;
  port: number;
  host: typeof INSTANCE_HOST;
}

/** How starting (or adopting) a version ended: every instance ready, or the version failed and was stopped. */
export type VersionOutcome =
  | { status: 'ready'; version: string; instances: InstanceAddress[] }
  | { status: 'failed'; version: string; reason: string };

/** Kinds of supervisor events, in the order an instance's life produces them. */
export type SupervisorEventType =
  | 'instance.started'
  | 'instance.adopted'
  | 'instance.ready'
  | 'instance.unready'
  | 'instance.exited'
  | 'instance.restarted'
  | 'instance.stopped'
  | 'version.ready'
  | 'version.failed'
  | 'version.stopped';

/** Something that happened to a version or one of its instances; `instance.ready` carries the new address. */
export interface SupervisorEvent {
  type: SupervisorEventType;
  service: string;
  version: string;
  index?: number;
  pid?: number;
  port?: number;
  host?: typeof INSTANCE_HOST;
  /** Exit code, for `instance.exited`. */
  code?: number | null;
  signal?: string | null;
  /** Restarts counted in the current window, for `instance.restarted`. */
  attempt?: number;
  reason?: string;
  /** ISO 8601 time. */
  at: string;
}

/** Receives supervisor events; must not throw. */
export type SupervisorListener = (event: SupervisorEvent) => void;

/** One supervised process as recorded in `processes.json`, enough to find it again after a daemon restart. */
export interface ProcessRecord {
  service: string;
  version: string;
  index: number;
  pid: number;
  pgid: number;
  port: number;
  /** ISO 8601 time the process was started. */
  startedAt: string;
  /** Start time in clock ticks after boot (/proc/PID/stat field 22): tells a reused pid from ours. */
  startTicks: string;
  /** The program it was started as (argv[0] only: the arguments may hold secrets from the environment). */
  command: string[];
  /** Named pipes its stdout and stderr write to. */
  pipes: { out: string; err: string };
}
