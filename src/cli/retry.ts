/** `glidepath retry [ID]`: run the version of an aborted, failed or rolled-back release again, as a new release. */
import type { Command } from 'commander';
import type { StartedDocument } from '../api/contract.js';
import { EXIT, UnavailableError, UsageError } from '../shared/errors.js';
import type { CliContext } from './context.js';
import { daemonFor, followRelease, releaseExit, summary } from './deploy.js';
import { confirmBeforeRelease } from './deploy-confirm.js';
import { releaseOwner } from './owner.js';
import { ended, releaseById } from './wait.js';

const RETRYABLE = new Set(['aborted', 'failed', 'rolled_back']);

/** Registers `glidepath retry`. */
export function registerRetry(program: Command, ctx: CliContext): void {
  program
    .command('retry')
    .description('release the version of an aborted, failed or rolled-back release again (default: the latest release); exit codes as deploy')
    .argument('[id]', 'release id (see glidepath history)')
    .option('--yes', 'confirm the plan\'s confirmation items (for scripts; at a terminal retry asks)', false)
    .option('--detach', 'start the release and return without following it', false)
    .action(async (id: string | undefined, opts: { yes: boolean; detach: boolean }) => {
      const loaded = ctx.loadPlan();
      const service = loaded.plan.service;
      const daemon = await daemonFor(ctx);
      const earlier = await releaseById(daemon, service, id);
      if (!ended(earlier.status)) throw new UnavailableError(`release ${earlier.id} of ${earlier.version} is still ${earlier.status}; wait for it (glidepath wait ${earlier.id}) or abort it`);
      if (earlier.strategy === 'rollback') throw new UsageError(`release ${earlier.id} was a rollback to ${earlier.version}; run glidepath rollback again instead`);
      if (!RETRYABLE.has(earlier.status)) throw new UsageError(`release ${earlier.id} of ${earlier.version} ${earlier.status}; only an aborted, failed or rolled-back release can be retried`);
      const confirmed = await confirmBeforeRelease(ctx, loaded.plan, opts.yes);
      const declined = confirmed.declined;
      if (declined !== undefined) {
        ctx.out.result({ service, version: earlier.version, retryOf: earlier.id, status: 'not_started', reason: `not confirmed: ${declined}` }, () => `not confirmed: ${declined}; no release started`);
        ctx.setExit(EXIT.bad);
        return;
      }
      ctx.out.progress(`retrying ${earlier.version} (release ${earlier.id} ${earlier.status}${earlier.reason ? `: ${earlier.reason}` : ''})`);
      const { id: newId } = await daemon.client.post<StartedDocument>('/v1/releases', { version: earlier.version, yes: confirmed.yes, owner: releaseOwner(loaded.dir, ctx.env), retryOf: earlier.id });
      if (opts.detach) {
        ctx.out.result({ id: newId, version: earlier.version, retryOf: earlier.id, status: 'started' }, () => `release ${newId} of ${earlier.version} started (retry of ${earlier.id}); wait for its end with glidepath wait ${newId}`);
        return;
      }
      const release = await followRelease(ctx, daemon, newId);
      ctx.out.result({ ...release, retryOf: earlier.id }, () => `${summary(release)}, retry of ${earlier.id}`);
      ctx.setExit(ended(release.status) ? releaseExit(release) : EXIT.ok);
    });
}
