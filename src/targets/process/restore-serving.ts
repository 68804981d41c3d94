/**
 * A daemon's start: brings back what served before the previous one stopped (`down`, a crash, a reboot). The
 * recorded versions whose processes still run are adopted; those whose processes are gone are started again from
 * the spec they were started with, so the service serves as before without a deploy.
 */
import type { ProcessSupervisor } from '../../supervisor/process-supervisor.js';
import { readServingState, type ServingState } from './serving-file.js';
import type { InstanceAddress, VersionSpec } from '../../supervisor/types.js';

/** How one recorded version came back, or why it did not. */
export type RestoredVersion =
  | { version: string; how: 'adopted' | 'started'; spec: VersionSpec; instances: InstanceAddress[] }
  | { version: string; how: 'failed'; reason: string };

/** What a start restored: the recorded serving state and each version's outcome. */
export interface RestoredServing {
  serving: ServingState;
  versions: RestoredVersion[];
}

/**
 * Adopts the recorded versions still running, stops every other recorded process, then starts the recorded
 * versions that are gone (from their recorded spec, or `specOf` for a file written before specs were kept).
 */
export async function restoreServing(
  supervisor: ProcessSupervisor,
  options: { service: string; stateDir: string; specOf: (version: string) => VersionSpec },
): Promise<RestoredServing> {
  const serving = readServingState(options.stateDir);
  const wanted = new Set([...Object.keys(serving.versions), ...Object.keys(serving.weights)]);
  const specOf = (version: string) => serving.versions[version] ?? options.specOf(version);
  const adopted = await supervisor.adopt({ want: (record) => record.service === options.service && wanted.has(record.version) });
  await supervisor.stopOrphans();
  const versions: RestoredVersion[] = [];
  for (const outcome of adopted.versions) {
    if (outcome.status === 'ready') versions.push({ version: outcome.version, how: 'adopted', spec: specOf(outcome.version), instances: outcome.instances });
  }
  const gone = [...wanted].filter((version) => !versions.some((v) => v.version === version));
  const started = await Promise.all(
    gone.map(async (version): Promise<RestoredVersion> => {
      try {
        const spec = specOf(version);
        const outcome = await supervisor.startVersion(spec);
        if (outcome.status === 'failed') return { version, how: 'failed', reason: outcome.reason };
        return { version, how: 'started', spec, instances: outcome.instances };
      } catch (error) {
        return { version, how: 'failed', reason: (error as Error).message };
      }
    }),
  );
  return { serving, versions: [...versions, ...started] };
}
