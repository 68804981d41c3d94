/** Finding the project's daemon from the CLI: its record in .glidepath/, its token, and whether it answers. */
import type { DaemonInfo, HealthDocument } from '../api/contract.js';
import { ApiClient } from '../api/client.js';
import { loadOrCreateTokens } from '../api/tokens.js';
import { clearDaemonInfo, processAlive, readDaemonInfo, stateDirOf, type StateDir } from '../daemon/state-dir.js';
import type { LoadedPlan } from '../plan/load.js';
import { UnavailableError } from '../shared/errors.js';

/** The project's running daemon as the CLI reaches it. */
export interface DaemonConnection {
  info: DaemonInfo;
  client: ApiClient;
  dir: StateDir;
}

async function answersHealth(url: string): Promise<HealthDocument | undefined> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? ((await response.json()) as HealthDocument) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The running daemon of this plan's project, or undefined. A record whose process is gone, or whose
 * address answers for another process, is stale: it is removed so the next `up` starts cleanly.
 */
export async function findDaemon(loaded: LoadedPlan): Promise<DaemonConnection | undefined> {
  const dir = stateDirOf(loaded.dir);
  const info = readDaemonInfo(dir);
  if (!info) return undefined;
  const health = processAlive(info.pid) ? await answersHealth(info.url) : undefined;
  if (!health || health.pid !== info.pid) {
    if (!processAlive(info.pid)) clearDaemonInfo(dir, info.pid);
    return undefined;
  }
  return { info, client: new ApiClient(info.url, loadOrCreateTokens(dir.token).admin), dir };
}

/** The running daemon, or an error (exit 3) that says how to start one. */
export async function requireDaemon(loaded: LoadedPlan): Promise<DaemonConnection> {
  const found = await findDaemon(loaded);
  if (!found) throw new UnavailableError(`no glidepath daemon is running for ${loaded.plan.service} (start one with: glidepath up --detach)`);
  return found;
}
