/** `glidepath status`: where traffic goes now. */
import type { Command } from 'commander';
import type { StatusDocument } from '../api/contract.js';
import type { CliContext } from './context.js';
import { requireDaemon } from './daemon-connection.js';

/** Where traffic goes now, as text. */
export function renderStatus(status: StatusDocument): string {
  const lines = [`service  ${status.service}`];
  lines.push(`stable   ${status.stable ? `${status.stable.version} (${status.stable.weight}%)` : 'none'}`);
  if (status.canary) lines.push(`canary   ${status.canary.version} (${status.canary.weight}%)`);
  lines.push(`release  ${status.release ? `${status.release.id} ${status.release.status}${status.release.step === null ? '' : ` at step ${status.release.step}`}` : 'none running'}`);
  return lines.join('\n');
}

/** Registers `glidepath status`. */
export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('where traffic goes now, and the release in progress')
    .action(async () => {
      const daemon = await requireDaemon(ctx.loadPlan());
      const status = await daemon.client.get<StatusDocument>('/v1/status');
      ctx.out.result(status, () => renderStatus(status));
    });
}
