/** Finding the project's daemon from the CLI: its record in .glidepath/, its token, and whether it answers. */
import { dirname } from 'node:path';
import type { DaemonInfo, HealthDocument } from '../api/contract.js';
import { ApiClient } from '../api/client.js';
import { loadOrCreateTokens } from '../api/tokens.js';
import { sameProject } from '../daemon/plan-in-force.js';
import { clearDaemonInfo, readDaemonInfo, stateDirOf, type StateDir } from '../daemon/state-dir.js';
import type { LoadedPlan } from '../plan/load.js';
import { UnavailableError } from '../shared/errors.js';
import { processAlive } from '../shared/process-alive.js';

/** The project's running daemon as the CLI reaches it. */
export interface DaemonConnection {
  info: DaemonInfo;
  client: ApiClient;
  dir: StateDir;
}

async function answersHealth(url: string): Promise<HealthDocument | undefined> {
  // A timer that keeps the process alive: fetch may never settle when the peer hangs up right after accepting,
  // and AbortSignal.timeout's own timer would let the process end there with exit 13.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('no answer within 2s')), 2_000);
  try {
    const response = await fetch(`${url}/health`, { signal: controller.signal });
    return response.ok ? ((await response.json()) as HealthDocument) : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The running daemon of this plan's project, or undefined. A record whose process is gone, or whose
 * address answers for another process, is stale: it is removed so the next `up` starts cleanly.
 */
export async function findDaemon(loaded: Pick<LoadedPlan, 'dir'>): Promise<DaemonConnection | undefined> {
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

function otherProject(health: { pid: number; plan?: string }, url: string, loaded: LoadedPlan): UnavailableError {
  return new UnavailableError(
    `the glidepath daemon at ${url} (pid ${health.pid}) serves the plan ${health.plan ?? 'of another project'}, not ${loaded.file}: ` +
      `give this plan its own daemon.listen, or run glidepath from ${health.plan ? dirname(health.plan) : 'that project'}`,
  );
}

/** Throws (exit 3) when the daemon found for this plan serves a plan of another project directory. */
export function assertSameProject(daemon: DaemonConnection, loaded: LoadedPlan): void {
  if (daemon.info.plan && !sameProject(daemon.info.plan, loaded.file)) throw otherProject(daemon.info, daemon.info.url, loaded);
}

/** Throws (exit 3) when another project's daemon already answers on this plan's daemon.listen. */
export async function refuseOtherProjectDaemon(loaded: LoadedPlan): Promise<void> {
  const url = `http://${loaded.plan.daemon.listen}`;
  const health = await answersHealth(url);
  if (health?.plan && !sameProject(health.plan, loaded.file)) throw otherProject(health, url, loaded);
}
