/** `glidepath wait [ID]`: follow a release (one started with `deploy --detach`) until it ends, with deploy's exit codes. */
import type { Command } from 'commander';
import type { ReleaseDocument, ReleasePage } from '../api/contract.js';
import { ApiError, EXIT, UsageError } from '../shared/errors.js';
import { TERMINAL_RELEASE_STATUSES } from '../store/index.js';
import type { CliContext } from './context.js';
import { requireDaemon, type DaemonConnection } from './daemon-connection.js';
import { followRelease, releaseExit, summary } from './deploy.js';

/** Whether a release status is final. */
export const ended = (status: string): boolean => (TERMINAL_RELEASE_STATUSES as readonly string[]).includes(status);

/** A release by id, or the service's latest one; a usage error (exit 2) naming recent ones when there is none. */
export async function releaseById(daemon: DaemonConnection, service: string, id: string | undefined): Promise<ReleaseDocument> {
  const recent = async () => (await daemon.client.get<ReleasePage>('/v1/releases?limit=3')).releases.map((r) => r.id);
  if (id === undefined) {
    const [latest] = await recent();
    if (latest === undefined) throw new UsageError(`no release of ${service} yet`);
    id = latest;
  }
  try {
    return await daemon.client.get<ReleaseDocument>(`/v1/releases/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    const ids = await recent();
    throw new UsageError(`no release ${id} of ${service}${ids.length > 0 ? ` (recent: ${ids.join(', ')})` : ''}`);
  }
}

/** Registers `glidepath wait`. */
export function registerWait(program: Command, ctx: CliContext): void {
  program
    .command('wait')
    .description('wait for a release to end (default: the latest), showing it as deploy does; exit 0 if it succeeded, 1 if not')
    .argument('[id]', 'release id (see glidepath history; deploy --detach prints it)')
    .action(async (id: string | undefined) => {
      const loaded = ctx.loadPlan();
      const daemon = await requireDaemon(loaded);
      const found = await releaseById(daemon, loaded.plan.service, id);
      const release = ended(found.status) ? found : await followRelease(ctx, daemon, found.id);
      ctx.out.result(release, () => summary(release));
      ctx.setExit(ended(release.status) ? releaseExit(release) : EXIT.ok);
    });
}
