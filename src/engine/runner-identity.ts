/**
 * Who runs a release: a daemon or a CLI in the foreground (a CI job), on a host, as a process, with a random id
 * that tells apart two runners reusing a pid. The release lease is held under this name, and each release records
 * the runners that held it.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** The two hosts of the release engine. */
export type RunnerKind = 'daemon' | 'foreground';

/** A runner of releases, as its lease holder name carries it. */
export interface RunnerIdentity {
  kind: RunnerKind;
  host: string;
  pid: number;
  /** 8 random hex digits, new for each runner. */
  id: string;
}

/** A runner identity for this process. */
export function newRunnerIdentity(kind: RunnerKind, options: { host?: string; pid?: number } = {}): RunnerIdentity {
  return { kind, host: options.host ?? hostname(), pid: options.pid ?? process.pid, id: randomBytes(4).toString('hex') };
}

/** The lease holder name of a runner: `kind:host:pid:id` (host names hold no colon). */
export function holderName(runner: RunnerIdentity): string {
  return `${runner.kind}:${runner.host}:${runner.pid}:${runner.id}`;
}

/** The runner a lease holder name stands for; undefined for names of other forms (older engines, other locks). */
export function parseHolder(holder: string): RunnerIdentity | undefined {
  const match = /^(daemon|foreground):([^:\s]+):(\d+):([0-9a-f]{8})$/.exec(holder);
  if (!match) return undefined;
  return { kind: match[1] as RunnerKind, host: match[2] ?? '', pid: Number(match[3]), id: match[4] ?? '' };
}

/** A holder name in words: `the foreground runner on ci-7 (pid 4242, id 9f3a2b1c)`, or the name itself. */
export function describeHolder(holder: string): string {
  const runner = parseHolder(holder);
  if (!runner) return holder;
  const who = runner.kind === 'daemon' ? 'the daemon' : 'the foreground runner';
  return `${who} on ${runner.host} (pid ${runner.pid}, id ${runner.id})`;
}
