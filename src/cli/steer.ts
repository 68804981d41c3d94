/** `promote`, `pause`, `resume`, `abort` and `rollback`: steering a release by hand. */
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import type { ReleaseDocument } from '../api/contract.js';
import { offerDataRestore, restoreRolledBackMigration } from './data-restore-offer.js';
import { followRelease, releaseExit, summary } from './deploy.js';
import { requireDaemon } from './daemon-connection.js';
import { releaseOwner } from './owner.js';
import { checkVersionArgument } from './version-argument.js';

const VERBS = {
  promote: 'skip the remaining steps and pauses: all traffic to the new version (verify still runs)',
  pause: 'hold traffic where it is until resume',
  resume: 'go on with a paused release',
  abort: 'roll the running release back (status aborted)',
} as const;

/** Registers `promote`, `pause`, `resume`, `abort` and `rollback`. */
export function registerSteering(program: Command, ctx: CliContext): void {
  for (const [verb, description] of Object.entries(VERBS)) {
    program
      .command(verb)
      .description(description)
      .action(async () => {
        const loaded = ctx.loadPlan();
        const daemon = await requireDaemon(loaded);
        await daemon.client.post(`/v1/release/${verb}`, { by: releaseOwner(loaded.dir, ctx.env) });
        ctx.out.result({ service: loaded.plan.service, action: verb, ok: true }, () => `${verb}: done`);
      });
  }

  program
    .command('rollback')
    .description('roll back the last release: instant while the previous version is still warm')
    .option('--to <version>', 'roll back to this version instead of the previous one')
    .option('--restore-data', 'also restore the backup taken before the rolled-back release migrated the database', false)
    .option('--yes', 'confirm the data restore (for scripts)', false)
    .action(async (opts: { to?: string; restoreData: boolean; yes: boolean }) => {
      if (opts.to !== undefined) checkVersionArgument(opts.to);
      const loaded = ctx.loadPlan();
      const daemon = await requireDaemon(loaded);
      if (opts.restoreData && opts.to === undefined) {
        // Right after a release that migrated was rolled back on its own, its data is what is left to roll back.
        const release = (releaseId: string) => daemon.client.get<ReleaseDocument>(`/v1/releases/${encodeURIComponent(releaseId)}`);
        const dataOnly = await restoreRolledBackMigration(ctx, loaded, { yes: opts.yes, release });
        if (dataOnly) {
          ctx.out.result(dataOnly.document, () => (dataOnly.exit === 0 ? 'data restored; traffic was already back' : 'nothing restored'));
          ctx.setExit(dataOnly.exit);
          return;
        }
      }
      const { id } = await daemon.client.request<{ id: string }>('POST', '/v1/rollback', { to: opts.to, by: releaseOwner(loaded.dir, ctx.env) }, { timeoutMs: 10 * 60_000 });
      const release = await followRelease(ctx, daemon, id);
      const data = await offerDataRestore(ctx, loaded, release, { restoreData: opts.restoreData, yes: opts.yes });
      ctx.out.result(data ? { ...release, data } : release, () => summary(release));
      ctx.setExit(releaseExit(release));
    });
}
