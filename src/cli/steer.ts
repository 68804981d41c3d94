/** `promote`, `pause`, `resume`, `abort` and `rollback`: steering a release by hand. */
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { followRelease, releaseExit, summary } from './deploy.js';
import { requireDaemon } from './daemon-connection.js';
import { releaseOwner } from './owner.js';

const VERBS = {
  promote: 'skip the remaining steps and pauses: all traffic to the new version (verify still runs)',
  pause: 'hold traffic where it is until resume',
  resume: 'go on with a paused release',
  abort: 'roll the running release back (status aborted)',
} as const;

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
    .action(async (opts: { to?: string }) => {
      const loaded = ctx.loadPlan();
      const daemon = await requireDaemon(loaded);
      const { id } = await daemon.client.request<{ id: string }>('POST', '/v1/rollback', { to: opts.to, by: releaseOwner(loaded.dir, ctx.env) }, { timeoutMs: 10 * 60_000 });
      const release = await followRelease(ctx, daemon, id);
      ctx.out.result(release, () => summary(release));
      ctx.setExit(releaseExit(release));
    });
}
