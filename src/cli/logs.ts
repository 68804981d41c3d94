/** `glidepath logs [VERSION] [--follow]`: a version's output, read from the files the supervisor writes. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { stateDirOf } from '../daemon/state-dir.js';
import { UsageError } from '../shared/errors.js';
import { readLogs, type LogLine } from '../targets/process/log-reader.js';
import type { CliContext } from './context.js';

/** The version whose logs were written last, when none is named. */
function latestVersion(logsDir: string): string | undefined {
  let versions: string[];
  try {
    versions = readdirSync(logsDir);
  } catch {
    return undefined;
  }
  return versions
    .map((version) => ({ version, at: statSync(join(logsDir, version)).mtimeMs }))
    .sort((a, b) => b.at - a.at)[0]?.version;
}

const formatLine = (line: LogLine) => `${line.at ? `${line.at} ` : ''}[${line.index}${line.stream === 'err' ? ' err' : line.stream === 'sys' ? ' glidepath' : ''}] ${line.text}`;

/** Registers `glidepath logs`. */
export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description('show a version\'s output (default: the version that logged last)')
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
      const chosen = version ?? latestVersion(logsDir);
      if (chosen === undefined) throw new UsageError(`no logs yet for ${loaded.plan.service} (nothing has run under this project)`);
      if (version !== undefined && !existsSync(join(logsDir, version))) throw new UsageError(`no logs for version ${version}`);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      try {
        const collected: LogLine[] = [];
        for await (const line of readLogs(join(logsDir, chosen), { lines, follow: opts.follow, signal: controller.signal, index })) {
          if (ctx.out.json) collected.push(line);
          else ctx.write(`${formatLine(line)}\n`);
        }
        if (ctx.out.json) ctx.out.result({ service: loaded.plan.service, version: chosen, lines: collected }, () => '');
      } finally {
        process.off('SIGINT', stop);
      }
    });
}
