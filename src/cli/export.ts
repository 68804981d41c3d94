/** `glidepath export systemd | grafana-dashboard`: hand the plan's daemon and metrics to systemd and Grafana. */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { grafanaDashboard } from '../exports/grafana-dashboard.js';
import { systemdUnit } from '../exports/systemd-unit.js';
import { UsageError } from '../shared/errors.js';
import type { CliContext } from './context.js';

interface WriteOptions {
  output?: string;
  force: boolean;
}

/** Prints `text`, or writes it to `--output` (an existing file only with --force), and says where. */
function emit(ctx: CliContext, what: string, text: string, options: WriteOptions): void {
  if (!options.output) {
    if (ctx.out.json) ctx.out.result({ what, text }, () => '');
    else ctx.write(text);
    return;
  }
  const path = resolve(ctx.cwd, options.output);
  if (existsSync(path) && !options.force) throw new UsageError(`--output ${options.output}: the file exists; add --force to replace it`);
  writeFileSync(path, text);
  ctx.out.result({ what, path }, () => `wrote the ${what} to ${ctx.displayPath(path)}`);
}

/** Registers `glidepath export` and its formats. */
export function registerExport(program: Command, ctx: CliContext): void {
  const exporter = program.command('export').description('hand the plan\'s daemon and metrics to systemd and Grafana');
  const withOutput = (command: Command) => command.option('-o, --output <file>', 'write to this file instead of stdout').option('--force', 'replace the --output file when it exists', false);

  withOutput(
    exporter
      .command('systemd')
      .description('a systemd unit that runs the daemon (Restart=always) and waits until it answers')
      .option('--user <name>', 'the user the daemon runs as')
      .option('--env-file <path>', 'the file of NAME=value lines holding the plan\'s ${VAR} secrets (default /etc/glidepath/SERVICE.env)'),
  ).action((options: WriteOptions & { user?: string; envFile?: string }) => {
    const { plan, file, dir } = ctx.loadPlan();
    if (options.user !== undefined && !/^[a-z_][a-z0-9_-]*\$?$/i.test(options.user)) throw new UsageError(`--user ${options.user}: not a user name`);
    const unit = systemdUnit({
      service: plan.service,
      planFile: resolve(file),
      workingDirectory: dir,
      nodePath: process.execPath,
      cliPath: fileURLToPath(new URL('../../bin/glidepath.js', import.meta.url)),
      listen: plan.daemon.listen,
      user: options.user,
      environmentFile: options.envFile ? resolve(ctx.cwd, options.envFile) : `/etc/glidepath/${plan.service}.env`,
    });
    emit(ctx, 'systemd unit', unit, options);
  });

  withOutput(exporter.command('grafana-dashboard').description('a Grafana dashboard of per-version traffic, errors, latency, weights and releases')).action(
    (options: WriteOptions) => {
      const { plan } = ctx.loadPlan();
      const dashboard = grafanaDashboard(plan.service);
      if (!options.output && ctx.out.json) ctx.out.result(dashboard, () => '');
      else emit(ctx, 'Grafana dashboard', `${JSON.stringify(dashboard, null, 2)}\n`, options);
    },
  );
}
