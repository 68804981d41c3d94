/**
 * An nginx target's start after a daemon restart, a crash or `down --keep-serving`: what nginx serves is read back
 * from the file glidepath owns, the supervisor's records of the service whose processes still run are adopted (the
 * rest stopped), and a version that has a share in the file but no live process is started again, so nginx is
 * reloaded only when what it serves moved, and never onto an empty split.
 */
import { join } from 'node:path';
import type { ProcessSupervisor } from '../../supervisor/process-supervisor.js';
import { readProcessesFile } from '../../supervisor/processes-file.js';
import type { InstanceAddress, VersionSpec } from '../../supervisor/types.js';
import { renderedServers, renderedWeights } from './nginx-config.js';

/** How one version came back: adopted (its processes ran on), started again, or why it could not start. */
export type RestoredNginxVersion =
  | { version: string; how: 'adopted' | 'started' | 'listed'; servers: Map<number, string> }
  | { version: string; how: 'failed'; reason: string };

/** What the file says nginx serves, each version as it came back, and whether the file must be rendered again. */
export interface NginxRestore {
  /** The split of the file glidepath owns (empty when there is none, or another's). */
  weights: Record<string, number>;
  versions: RestoredNginxVersion[];
  /** True when a version with a share serves elsewhere than the file says (started again, an instance moved). */
  renderNeeded: boolean;
}

function serversOf(instances: readonly InstanceAddress[]): Map<number, string> {
  return new Map(instances.map((i) => [i.index, `${i.host}:${i.port}`]));
}

function sameServers(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const [left, right] = [[...a].sort(), [...b].sort()];
  return left.every((server, i) => server === right[i]);
}

/** The split and the servers of the file's text (nothing for a missing file or one glidepath did not write). */
export function readBack(text: string | undefined): { weights: Record<string, number>; servers: Record<string, string[]> } {
  const weights = text === undefined ? undefined : renderedWeights(text);
  const servers = text === undefined ? undefined : renderedServers(text);
  return { weights: weights ?? {}, servers: servers ?? {} };
}

/** Versions on servers elsewhere: each version the file routes to, as the file names its servers. */
export function listRemoteVersions(text: string | undefined): NginxRestore {
  const { weights, servers } = readBack(text);
  const versions = Object.entries(servers).map(([version, list]): RestoredNginxVersion => ({ version, how: 'listed', servers: new Map(list.map((s, i) => [i, s])) }));
  return { weights, versions, renderNeeded: false };
}

/**
 * Adopts the service's recorded processes still alive, stops the other recorded ones, and starts again each
 * version the file gives a share whose processes are gone (from its recorded spec, else `specOf`, the plan's).
 */
export async function adoptLocalVersions(
  supervisor: ProcessSupervisor,
  options: { service: string; stateDir: string; configText: string | undefined; specOf: (version: string) => VersionSpec },
): Promise<NginxRestore> {
  const { weights, servers } = readBack(options.configText);
  const recorded = await readProcessesFile(join(options.stateDir, 'processes.json'));
  const specs = new Map(recorded.versions.filter((v) => v.spec.service === options.service).map((v) => [v.spec.version, v.spec]));
  const adopted = await supervisor.adopt({ want: (record) => record.service === options.service });
  await supervisor.stopOrphans();
  const versions: RestoredNginxVersion[] = adopted.versions.flatMap((outcome) => (outcome.status === 'ready' ? [{ version: outcome.version, how: 'adopted' as const, servers: serversOf(outcome.instances) }] : []));
  const gone = Object.keys(weights).filter((version) => (weights[version] ?? 0) > 0 && !versions.some((v) => v.version === version));
  const started = await Promise.all(
    gone.map(async (version): Promise<RestoredNginxVersion> => {
      try {
        const outcome = await supervisor.startVersion(specs.get(version) ?? options.specOf(version));
        if (outcome.status === 'failed') return { version, how: 'failed', reason: outcome.reason };
        return { version, how: 'started', servers: serversOf(outcome.instances) };
      } catch (error) {
        return { version, how: 'failed', reason: (error as Error).message };
      }
    }),
  );
  const all = [...versions, ...started];
  const moved = Object.keys(weights).some((version) => {
    const now = all.find((v) => v.version === version);
    return now?.how !== 'adopted' || !sameServers([...now.servers.values()], servers[version] ?? []);
  });
  // Never render a split left empty: nginx keeps the file it has, which names what it served.
  const anyShare = all.some((v) => v.how !== 'failed' && (weights[v.version] ?? 0) > 0);
  return { weights, versions: all, renderNeeded: moved && anyShare };
}
