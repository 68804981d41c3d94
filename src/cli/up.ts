/** `glidepath up [--detach]`: start the project's daemon, in the foreground or detached. */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { daemonLockHolder, readDaemonInfo, stateDirOf } from '../daemon/state-dir.js';
import type { LoadedPlan } from '../plan/load.js';
import { EXIT, UnavailableError } from '../shared/errors.js';
import { processAlive } from '../shared/process-alive.js';
import { storeUrlFor, type CliContext } from './context.js';
import { findDaemon, refuseOtherProjectDaemon } from './daemon-connection.js';
import { letYoungGenerationGrow } from './young-generation.js';

const DETACH_WAIT_MS = 20_000;
const ENTRY = fileURLToPath(new URL('../../bin/glidepath.js', import.meta.url));

function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Starts the daemon as a detached process and waits until it answers; returns its URL. When another command started
 * the project's daemon at the same moment, ours stops at the daemon lock and the other one is used.
 */
export async function startDetachedDaemon(ctx: CliContext, loaded: LoadedPlan): Promise<string> {
  const dir = stateDirOf(loaded.dir);
  mkdirSync(dir.root, { recursive: true });
  // The daemon writes its JSON log itself (rotated); its own stdout and stderr keep only what it says before
  // that log is open or after it failed (a bad plan, a crash), and start empty each time.
  const out = join(dir.root, 'daemon.out');
  const log = openSync(out, 'w', 0o600);
  const child = spawn(process.execPath, [ENTRY, 'up', '-f', loaded.file, '--log-file', dir.daemonLog], {
    cwd: loaded.dir,
    env: ctx.env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  const pid = child.pid;
  const deadline = Date.now() + DETACH_WAIT_MS;
  while (Date.now() < deadline) {
    const running = await findDaemon(loaded);
    if (running) return running.info.url;
    const ours = pid !== undefined && processAlive(pid);
    if (!ours && daemonLockHolder(dir) === undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (pid !== undefined && processAlive(pid)) process.kill(pid, 'SIGTERM');
  const tail = logTail(out) || logTail(dir.daemonLog);
  throw new UnavailableError(`the daemon did not start${tail ? `; its output (${out}, ${dir.daemonLog}) ends with:\n${tail}` : ''}`);
}

/** Registers `glidepath up`. */
export function registerUp(program: Command, ctx: CliContext): void {
  program
    .command('up')
    .description('start the project\'s daemon (API, dashboard, runtime, scheduler)')
    .option('--detach', 'run in the background and return once it answers', false)
    .addOption(new Option('--log-file <path>', 'write the JSON log to this file, rotated by size (default: stdout)').hideHelp())
    .action(async (opts: { detach: boolean; logFile?: string }) => {
      const loaded = ctx.loadPlan();
      const running = await findDaemon(loaded);
      if (running) {
        ctx.out.result({ service: loaded.plan.service, url: running.info.url, pid: running.info.pid, started: false }, () => `daemon for ${loaded.plan.service} already running at ${running.info.url} (pid ${running.info.pid})`);
        return;
      }
      await refuseOtherProjectDaemon(loaded);
      if (opts.detach) {
        const url = await startDetachedDaemon(ctx, loaded);
        const pid = readDaemonInfo(stateDirOf(loaded.dir))?.pid;
        ctx.out.result({ service: loaded.plan.service, url, pid, started: true }, () => `daemon for ${loaded.plan.service} started at ${url} (pid ${pid ?? '?'})`);
        return;
      }
      // The daemon is a long-running server: V8's default young generation suits it (bin/glidepath.js keeps it
      // small for one-shot commands). Loaded here, not at the top: every other command (backup, deploy …)
      // imports this file, and the API server, proxy and engine would add ~17 MB to each one's memory.
      letYoungGenerationGrow();
      const { Daemon } = await import('../daemon/daemon.js');
      // In the foreground the JSON log goes to stdout (journald, docker logs); a fatal error exits non-zero.
      // The signal handlers come before the start: a SIGTERM while the daemon starts (it already listens and logs
      // then) stops it cleanly once it has started, instead of killing the process half way.
      let daemon: Awaited<ReturnType<typeof Daemon.start>> | undefined;
      let signalled: string | undefined;
      const stop = (signal: string) => {
        if (daemon) void daemon.stop(`received ${signal}`);
        else signalled = signal;
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        daemon = await Daemon.start({ loaded, env: ctx.env, storeUrl: storeUrlFor(loaded, ctx.env), logTo: opts.logFile ? { file: opts.logFile } : { stdout: true } });
        if (signalled !== undefined) void daemon.stop(`received ${signalled}`);
        await daemon.stopped;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      ctx.setExit(EXIT.ok);
    });
}
