/** `glidepath logs [VERSION] [--follow]`: a version's output, read from the files the supervisor writes. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { StatusDocument } from '../api/contract.js';
import { stateDirOf } from '../daemon/state-dir.js';
import type { LoadedPlan } from '../plan/load.js';
import { UsageError } from '../shared/errors.js';
import { TERMINAL_RELEASE_STATUSES } from '../store/release-repository.js';
import { readLogs, versionLogsDir, type LogLine } from '../supervisor/log-reader.js';
import type { CliContext } from './context.js';
import { findDaemon } from './daemon-connection.js';
import { checkVersionArgument } from './version-argument.js';

/** The version whose logs were written last, when none is named. */
function latestVersion(logsDir: string): string | undefined {
  let versions: string[];
  try {
    versions = readdirSync(logsDir);
  } catch {
    return undefined;
  }
  return versions
    .filter((version) => versionLogsDir(logsDir, version) !== undefined)
    .map((version) => ({ version, at: statSync(join(logsDir, version)).mtimeMs }))
    .sort((a, b) => b.at - a.at)[0]?.version;
}

/** The version that serves and why it is the one, when one can be told. */
interface Serving {
  version: string;
  why: string;
}

/**
 * The version that serves the service: the stable one of the running daemon, or without a daemon the one the
 * last finished release left serving (its version when it succeeded, the version before it otherwise).
 */
async function servingVersion(ctx: CliContext, loaded: LoadedPlan): Promise<Serving | undefined> {
  const daemon = await findDaemon(loaded);
  if (daemon) {
    const status = await daemon.client.get<StatusDocument>('/v1/status');
    return status.stable ? { version: status.stable.version, why: 'the stable version, serving now' } : undefined;
  }
  let store;
  try {
    store = await ctx.openStore(loaded);
  } catch {
    return undefined; // no readable store: the caller falls back to the logs alone
  }
  for (const release of await store.releases.listByService(loaded.plan.service, { limit: 100 })) {
    if (!TERMINAL_RELEASE_STATUSES.includes(release.status)) continue;
    if (release.status === 'succeeded') return { version: release.version, why: `the stable version after release ${release.id} (the daemon is not running)` };
    if (release.previousVersion !== null) return { version: release.previousVersion, why: `the stable version after release ${release.id} ${release.status} (the daemon is not running)` };
  }
  return undefined;
}

const formatLine = (line: LogLine) => `${line.at ? `${line.at} ` : ''}[${line.index}${line.stream === 'err' ? ' err' : line.stream === 'sys' ? ' glidepath' : ''}] ${line.text}`;

/** Registers `glidepath logs`. */
export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description('show a version\'s output (default: the stable version, the one serving)')
    .argument('[version]', 'version whose logs to show')
    .option('-n, --lines <n>', 'lines to show', '100')
    .option('--instance <index>', 'one instance only')
    .option('--follow', 'keep printing new lines until interrupted', false)
    .action(async (version: string | undefined, opts: { lines: string; instance?: string; follow: boolean }) => {
      const loaded = ctx.loadPlan();
      const lines = Number(opts.lines);
      if (!Number.isInteger(lines) || lines < 0) throw new UsageError(`--lines expects a whole number, got "${opts.lines}"`);
      const index = opts.instance === undefined ? undefined : Number(opts.instance);
      if (index !== undefined && (!Number.isInteger(index) || index < 0)) throw new UsageError(`--instance expects an instance number, got "${opts.instance ?? ''}"`);
      if (opts.follow && ctx.out.json) throw new UsageError('--follow streams lines; it cannot be combined with --json');
      const logsDir = join(stateDirOf(loaded.dir).root, 'logs');
      if (version !== undefined) checkVersionArgument(version);
      let chosen = version;
      if (chosen === undefined) {
        const serving = existsSync(logsDir) ? await servingVersion(ctx, loaded) : undefined;
        const servingDir = serving === undefined ? undefined : versionLogsDir(logsDir, serving.version);
        const latest = latestVersion(logsDir);
        if (serving !== undefined && servingDir !== undefined && existsSync(servingDir)) {
          chosen = serving.version;
          ctx.out.progress(`logs of ${chosen}: ${serving.why}`);
        } else if (latest !== undefined) {
          chosen = latest;
          const why = serving === undefined ? 'no version serves now' : `the stable version ${serving.version} has no logs here`;
          ctx.out.progress(`logs of ${chosen}: ${why}; ${chosen} logged last`);
        }
      }
      if (chosen === undefined) throw new UsageError(`no logs yet for ${loaded.plan.service} (nothing has run under this project)`);
      const dir = versionLogsDir(logsDir, chosen);
      if (dir === undefined || !existsSync(dir)) throw new UsageError(`no logs for version ${chosen}`);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      try {
        const collected: LogLine[] = [];
        for await (const line of readLogs(dir, { lines, follow: opts.follow, signal: controller.signal, index })) {
          if (ctx.out.json) collected.push(line);
          else ctx.write(`${formatLine(line)}\n`);
        }
        if (ctx.out.json) ctx.out.result({ service: loaded.plan.service, version: chosen, lines: collected }, () => '');
      } finally {
        process.off('SIGINT', stop);
      }
    });
}
