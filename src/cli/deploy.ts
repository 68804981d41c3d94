/** `glidepath deploy VERSION`: run a release through the daemon and show it until it ends. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ReleaseDocument, StartedDocument, TrafficDocument } from '../api/contract.js';
import { readEventStream } from '../api/event-stream-client.js';
import { loadOrCreateTokens } from '../api/tokens.js';
import { EXIT, UsageError } from '../shared/errors.js';
import type { CliContext } from './context.js';
import { confirmBeforeRelease } from './deploy-confirm.js';
import { checkForegroundTarget, deployInForeground } from './deploy-foreground.js';
import { releaseExit, summary } from './release-outcome.js';

export { releaseExit, summary } from './release-outcome.js';
import { assertSameProject, findDaemon, refuseOtherProjectDaemon, type DaemonConnection } from './daemon-connection.js';
import { releaseOwner } from './owner.js';
import { checkVersionArgument } from './version-argument.js';
import { LiveReleaseView } from './release-view.js';
import { startDetachedDaemon } from './up.js';

const TERMINAL = new Set(['succeeded', 'rolled_back', 'failed', 'aborted']);

/** The project's daemon, started detached (and said so) when none runs. */
export async function daemonFor(ctx: CliContext): Promise<DaemonConnection> {
  const loaded = ctx.loadPlan();
  const running = await findDaemon(loaded);
  if (running) {
    assertSameProject(running, loaded);
    return running;
  }
  // Another project's daemon on this plan's daemon.listen would make the new one fail with EADDRINUSE.
  await refuseOtherProjectDaemon(loaded);
  const url = await startDetachedDaemon(ctx, loaded);
  ctx.out.progress(`started the glidepath daemon for ${loaded.plan.service} at ${url}`);
  const started = await findDaemon(loaded);
  if (!started) throw new UsageError('the daemon started but cannot be found');
  return started;
}

/** Follows a release's events until it ends, drawing them; resolves with the final release document. */
export async function followRelease(ctx: CliContext, daemon: DaemonConnection, id: string): Promise<ReleaseDocument> {
  const live = Boolean(ctx.streams.stderr.isTTY) && !ctx.env.NO_COLOR && ctx.env.TERM !== 'dumb';
  const view = new LiveReleaseView({ canarySteps: ctx.loadPlan().plan.strategy?.canary?.steps.length });
  const controller = new AbortController();
  const readToken = loadOrCreateTokens(daemon.dir.token).read;
  let drawn = 0;
  const draw = () => {
    const lines = view.render();
    ctx.streams.stderr.write(`${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const poll = live
    ? setInterval(() => {
        void daemon.client
          .get<TrafficDocument>('/v1/traffic')
          .then((traffic) => {
            view.setTraffic(traffic);
            draw();
          })
          .catch(() => undefined);
      }, 1000)
    : undefined;
  const detach = () => controller.abort();
  process.once('SIGINT', detach);
  try {
    for await (const event of readEventStream(`${daemon.info.url}/v1/events?release=${encodeURIComponent(id)}`, readToken, controller.signal)) {
      view.apply(event);
      if (live) draw();
      else {
        const line = view.line(event);
        if (line) ctx.out.progress(line);
      }
      if (event.type === 'release.finished' && TERMINAL.has(String(event.data.status))) break;
    }
  } finally {
    clearInterval(poll);
    process.off('SIGINT', detach);
    controller.abort();
  }
  if (controller.signal.aborted && !(await isFinished(daemon, id))) {
    ctx.out.progress(`detached: release ${id} goes on in the daemon (glidepath status, glidepath abort)`);
  }
  return daemon.client.get<ReleaseDocument>(`/v1/releases/${encodeURIComponent(id)}`);
}

async function isFinished(daemon: DaemonConnection, id: string): Promise<boolean> {
  const release = await daemon.client.get<ReleaseDocument>(`/v1/releases/${encodeURIComponent(id)}`).catch(() => undefined);
  return release !== undefined && TERMINAL.has(release.status);
}

/** Registers `glidepath deploy`. */
export function registerDeploy(program: Command, ctx: CliContext): void {
  program
    .command('deploy')
    .description('release a version: preflight, backup, migrate, rollout with analysis, verify; exit 1 unless it succeeded')
    .argument('<version>', 'version to release')
    .option('--yes', 'confirm the plan\'s confirmation items (for scripts; at a terminal deploy asks)', false)
    .option('--notes <file>', 'what changed, for the launch record')
    .option('--by <names...>', 'people taking part, for the launch record')
    .option('--detach', 'start the release and return without following it', false)
    .option('--foreground', 'run the release in this process, without a daemon (CI pipelines; command and kubernetes targets)', false)
    .action(async (version: string, opts: { yes: boolean; notes?: string; by?: string[]; detach: boolean; foreground: boolean }) => {
      checkVersionArgument(version);
      if (opts.foreground && opts.detach) throw new UsageError('--foreground runs the release in this process until it ends; it cannot --detach');
      const loaded = ctx.loadPlan();
      if (!loaded.plan.target) throw new UsageError(`the plan has no target: add target: to ${ctx.displayPath(loaded.file)} to release ${loaded.plan.service}`);
      if (opts.foreground) checkForegroundTarget(ctx, loaded);
      let notes: string | undefined;
      if (opts.notes !== undefined) {
        try {
          notes = readFileSync(opts.notes, 'utf8');
        } catch (error) {
          throw new UsageError(`cannot read --notes ${opts.notes}: ${(error as Error).message}`);
        }
      }
      const confirmed = await confirmBeforeRelease(ctx, loaded.plan, opts.yes);
      const declined = confirmed.declined;
      if (declined !== undefined) {
        ctx.out.result({ service: loaded.plan.service, version, status: 'not_started', reason: `not confirmed: ${declined}` }, () => `not confirmed: ${declined}; no release started`);
        ctx.setExit(EXIT.bad);
        return;
      }
      // The daemon runs the plan as it is on disk now: the text validated here, which it validates again.
      const text = readFileSync(loaded.file, 'utf8');
      if (opts.foreground) {
        await deployInForeground(ctx, loaded, { version, yes: confirmed.yes, owner: releaseOwner(loaded.dir, ctx.env), text, notes, participants: opts.by });
        return;
      }
      const daemon = await daemonFor(ctx);
      const { id } = await daemon.client.post<StartedDocument>('/v1/releases', {
        version,
        yes: confirmed.yes,
        owner: releaseOwner(loaded.dir, ctx.env),
        notes,
        participants: opts.by,
        plan: { file: loaded.file, text },
      });
      if (opts.detach) {
        ctx.out.result({ id, version, status: 'started' }, () => `release ${id} of ${version} started; wait for its end with glidepath wait ${id}`);
        return;
      }
      const release = await followRelease(ctx, daemon, id);
      ctx.out.result(release, () => summary(release));
      ctx.setExit(TERMINAL.has(release.status) ? releaseExit(release) : EXIT.ok);
    });
}
