/** `glidepath status`: where traffic goes now; `--watch` follows it as it changes. */
import type { Command } from 'commander';
import type { StatusDocument } from '../api/contract.js';
import { readEventStream } from '../api/event-stream-client.js';
import { loadOrCreateTokens } from '../api/tokens.js';
import { UnavailableError } from '../shared/errors.js';
import type { CliContext } from './context.js';
import { requireDaemon, type DaemonConnection } from './daemon-connection.js';

/** How often `--watch` asks for the status between events (traffic can also change without a release event). */
const WATCH_POLL_MS = 2_000;

/** Where traffic goes now, as text. */
export function renderStatus(status: StatusDocument): string {
  const lines = [`service  ${status.service}`];
  lines.push(`stable   ${status.stable ? `${status.stable.version} (${status.stable.weight}%)` : 'none'}`);
  if (status.canary) lines.push(`canary   ${status.canary.version} (${status.canary.weight}%)`);
  lines.push(`release  ${status.release ? `${status.release.id} ${status.release.status}${status.release.step === null ? '' : ` at step ${status.release.step}`}` : 'none running'}`);
  return lines.join('\n');
}

/**
 * Prints the status each time it changes, until Ctrl-C, SIGTERM, or the reader of stdout goes away (exit 0), or the
 * daemon stops (exit 3). With --json each change is one status document on its own line (JSON Lines).
 */
async function watchStatus(ctx: CliContext, daemon: DaemonConnection): Promise<void> {
  const stop = new AbortController();
  const end = () => stop.abort();
  process.once('SIGINT', end);
  process.once('SIGTERM', end);
  ctx.outputClosed.addEventListener('abort', end, { once: true });
  const redraw = Boolean(ctx.streams.stdout.isTTY) && !ctx.out.json && ctx.env.TERM !== 'dumb';
  let last = '';
  let drawn = 0;
  const show = async () => {
    const status = await daemon.client.get<StatusDocument>('/v1/status');
    const key = JSON.stringify(status);
    if (key === last || stop.signal.aborted) return;
    last = key;
    if (ctx.out.json) {
      ctx.write(`${key}\n`);
      return;
    }
    const lines = [...renderStatus(status).split('\n'), `(${new Date().toISOString().slice(11, 19)}; Ctrl-C stops watching)`];
    ctx.write(redraw ? `${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ''}${lines.join('\n')}\n` : `${lines.slice(0, -1).join('\n')}\n\n`);
    drawn = lines.length;
  };
  // One request at a time, in order: the last one drawn is the newest.
  let queue: Promise<void> = Promise.resolve();
  const refresh = () => {
    queue = queue.then(show).catch(() => undefined);
  };
  const poll = setInterval(refresh, WATCH_POLL_MS);
  try {
    await show();
    const token = loadOrCreateTokens(daemon.dir.token).read;
    for await (const _event of readEventStream(`${daemon.info.url}/v1/events`, token, stop.signal)) refresh();
    if (!stop.signal.aborted) throw new UnavailableError(`the glidepath daemon at ${daemon.info.url} stopped`);
  } finally {
    clearInterval(poll);
    process.off('SIGINT', end);
    process.off('SIGTERM', end);
    ctx.outputClosed.removeEventListener('abort', end);
    stop.abort();
    await queue;
  }
}

/** Registers `glidepath status`. */
export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('where traffic goes now, and the release in progress')
    .option('-w, --watch', 'print it again on every change until Ctrl-C (with --json: one document per line, JSON Lines)', false)
    .action(async (opts: { watch: boolean }) => {
      const daemon = await requireDaemon(ctx.loadPlan());
      if (opts.watch) return watchStatus(ctx, daemon);
      const status = await daemon.client.get<StatusDocument>('/v1/status');
      ctx.out.result(status, () => renderStatus(status));
    });
}
