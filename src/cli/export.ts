/**
 * `glidepath export systemd | grafana-dashboard | prometheus-rules`: hand the plan's daemon, metrics and alerts to
 * systemd, Grafana and Prometheus.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { grafanaDashboard } from '../exports/grafana-dashboard.js';
import { prometheusRules } from '../exports/prometheus-rules.js';
import { systemdUnit } from '../exports/systemd-unit.js';
import { UsageError } from '../shared/errors.js';
import type { CliContext } from './context.js';

interface WriteOptions {
  output?: string;
  force: boolean;
}

/** Prints `text`, or writes it to `--output` (an existing file only with --force), and says where. */
function emit(ctx: CliContext, what: string, text: string, options: WriteOptions, extra: Record<string, unknown> = {}): void {
  if (!options.output) {
    if (ctx.out.json) ctx.out.result({ what, text, ...extra }, () => '');
    else ctx.write(text);
    return;
  }
  const path = resolve(ctx.cwd, options.output);
  if (existsSync(path) && !options.force) throw new UsageError(`--output ${options.output}: the file exists; add --force to replace it`);
  writeFileSync(path, text);
  ctx.out.result({ what, path, ...extra }, () => `wrote the ${what} to ${ctx.displayPath(path)}`);
}

/** Registers `glidepath export` and its formats. */
export function registerExport(program: Command, ctx: CliContext): void {
  const exporter = program.command('export').description('hand the plan\'s daemon, metrics and alerts to systemd, Grafana and Prometheus');
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

  withOutput(
    exporter
      .command('prometheus-rules')
      .description('the plan\'s alert rules as a Prometheus rule file over the daemon\'s /metrics (rules it cannot express are listed as skipped)'),
  ).action((options: WriteOptions) => {
    const { plan } = ctx.loadPlan();
    const { groups, skipped, notes } = prometheusRules(plan);
    // What was left out, and what the rules need, is said on stderr whatever the output (and in --json).
    for (const s of skipped) ctx.out.progress(`skipped ${s.alert}: ${s.reason}`);
    for (const n of notes) ctx.out.progress(`note ${n.alert}: ${n.note}`);
    const text = `# Prometheus alerting rules for ${plan.service}, written by glidepath export prometheus-rules\n${stringify({ groups }, { lineWidth: 0 })}`;
    emit(ctx, 'Prometheus rules', text, options, { groups, skipped, notes });
  });
}
