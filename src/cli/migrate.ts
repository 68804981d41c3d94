/** `glidepath migrate status|up|down|verify|repair`: the plan's SQL migrations and its verify assertions. */
import type { Command } from 'commander';
import { runVerifyAssertions, withMigrationDatabase, withMigrator, type MigrationRepair, type MigrationRun, type MigrationStatusReport, type VerifyResult } from '../migrations/index.js';
import type { MigrationStatusEntry } from '../migrations/migration-state.js';
import type { MigrationSessionOptions } from '../migrations/migration-session.js';
import type { MigrationsConfig } from '../plan/schema/migrations.js';
import { formatDuration, parseDuration } from '../shared/duration.js';
import { EXIT, UsageError } from '../shared/errors.js';
import { confirmerFor } from './confirm.js';
import type { CliContext } from './context.js';
import { renderTable } from './output.js';

interface RunOptions {
  to?: string;
  dryRun: boolean;
  lockTimeout?: string;
}

/** Text table of `migrate status`, then one line per problem. */
export function renderMigrationStatus(report: MigrationStatusReport): string {
  if (report.migrations.length === 0) return `no migrations (${report.database})`;
  const table = renderTable(
    ['VERSION', 'NAME', 'STATE', 'APPLIED AT', 'BY', 'DURATION'],
    report.migrations.map((m) => [
      m.version,
      m.name,
      m.state + (m.repairedAt ? ' (repaired)' : '') + (m.transactional === false ? ' [no-tx]' : ''),
      m.appliedAt ?? '–',
      m.appliedBy ?? '–',
      m.durationMs === null ? '–' : formatDuration(m.durationMs),
    ]),
  );
  const { applied, pending, changed, missing } = report.summary;
  const lines = [table, '', `${report.database} (${report.table}): ${applied} applied, ${pending} pending, ${changed} changed, ${missing} missing`];
  for (const problem of report.problems) lines.push(`✘ ${problem}`);
  if (changed > 0) lines.push('restore the changed file(s), or accept their new content with `glidepath migrate repair`');
  return lines.join('\n');
}

/** What `up` or `down` did (or, with --dry-run, the SQL it would run). */
export function renderMigrationRun(run: MigrationRun): string {
  const verb = run.direction === 'up' ? 'apply' : 'revert';
  const lines: string[] = [];
  if (run.dryRun && run.ok) {
    if (run.migrations.length === 0) return `nothing to ${verb} (${run.database})`;
    lines.push(`-- dry run: would ${verb} ${run.migrations.length} migration(s) on ${run.database}; nothing was changed`);
    for (const item of run.migrations) lines.push('', item.sql ?? '');
    return lines.join('\n');
  }
  const mark = { planned: '·', applied: '✔', reverted: '✔', failed: '✘', skipped: '–' } as const;
  for (const item of run.migrations) {
    const took = item.durationMs === null ? '' : ` (${formatDuration(item.durationMs)})`;
    lines.push(`${mark[item.status]} ${item.status} ${item.file ?? item.name}${took}${item.error ? ` — ${item.error}` : ''}`);
  }
  for (const warning of run.warnings) lines.push(`! ${warning}`);
  if (run.ok) {
    const done = run.migrations.filter((m) => m.status === 'applied' || m.status === 'reverted').length;
    lines.push(done === 0 ? `nothing to ${verb}; ${run.database} is up to date` : `${run.direction === 'up' ? 'applied' : 'reverted'} ${done} migration(s) on ${run.database}`);
  } else lines.push(`✘ ${run.reason ?? 'failed'}`);
  return lines.join('\n');
}

/** One line per assertion with the value seen, then the verdict. */
export function renderVerify(database: string, results: readonly VerifyResult[]): string {
  if (results.length === 0) return 'the plan has no migrations.verify assertions';
  const lines = results.map((r) => `${r.status === 'pass' ? '✔ pass' : '✘ fail'} ${r.name} — ${r.detail} (${formatDuration(r.durationMs)})`);
  const failed = results.filter((r) => r.status === 'fail').length;
  lines.push(failed === 0 ? `all ${results.length} assertion(s) hold on ${database}` : `✘ ${failed} of ${results.length} assertion(s) failed on ${database}`);
  return lines.join('\n');
}

function renderRepair(repair: MigrationRepair): string {
  const lines = repair.repaired.map((r) => `✔ accepted ${r.file ?? r.name}: ${r.oldChecksum ?? '?'} → ${r.newChecksum ?? '?'} (by ${r.repairedBy} at ${r.repairedAt})`);
  if (lines.length === 0) lines.push(`nothing to repair; no applied file changed (${repair.database})`);
  for (const warning of repair.warnings) lines.push(`! ${warning}`);
  return lines.join('\n');
}

function migrationsOf(ctx: CliContext): { config: MigrationsConfig; session: MigrationSessionOptions; service: string } {
  const loaded = ctx.loadPlan();
  const config = loaded.plan.migrations;
  if (!config) throw new UsageError(`${ctx.displayPath(loaded.file)} has no migrations: section; add one with url and dir`);
  return { config, service: loaded.plan.service, session: { planDir: loaded.dir, env: ctx.env, onProgress: (line) => ctx.out.progress(line) } };
}

function lockTimeoutOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--lock-timeout "${text}" is not a duration; use e.g. 30s or 2m`);
  return ms;
}

/** Opens the store before touching the database, so a store that cannot open stops the command early. */
async function openRecorder(ctx: CliContext, service: string): Promise<(type: string, data: object) => Promise<void>> {
  const store = await ctx.openStore(ctx.loadPlan());
  return async (type, data) => {
    await store.events.append({ service, type, data: JSON.parse(JSON.stringify(data)) as Record<string, unknown> });
  };
}

function describeTargets(targets: readonly MigrationStatusEntry[]): string {
  return targets.map((t) => t.file ?? `${t.version}_${t.name}`).join(', ');
}

/** Adds `migrate status|up|down|verify|repair` to the program. */
export function registerMigrate(program: Command, ctx: CliContext): void {
  const migrate = program
    .command('migrate')
    .description('database migrations: ordered NNN_name.sql files applied once, with optional NNN_name.down.sql');

  migrate
    .command('status')
    .description('list migrations: version, name, state (applied, pending, changed, missing), when, by whom, how long; exit 1 on changed or missing')
    .action(async () => {
      const { config, session } = migrationsOf(ctx);
      const report = await withMigrator(config, session, (migrator) => migrator.status());
      ctx.out.result(report, () => renderMigrationStatus(report));
      ctx.setExit(report.problems.length === 0 ? EXIT.ok : EXIT.bad);
    });

  migrate
    .command('up')
    .description('apply pending migrations in order, each in its own transaction (a file whose first line is "-- glidepath: no-transaction" runs outside one); exit 1 if one failed')
    .option('--to <version>', 'stop after this version')
    .option('--dry-run', 'print the SQL that would run; change nothing', false)
    .option('--lock-timeout <duration>', 'how long to wait for another runner\'s migration lock', '60s')
    .action(async (opts: RunOptions) => {
      const { config, session, service } = migrationsOf(ctx);
      const lockTimeoutMs = lockTimeoutOf(opts.lockTimeout);
      const record = opts.dryRun ? undefined : await openRecorder(ctx, service);
      const run = await withMigrator(config, { ...session, lockTimeoutMs }, (migrator) => migrator.up({ to: opts.to, dryRun: opts.dryRun }));
      await record?.('migrate.up', run);
      ctx.out.result(run, () => renderMigrationRun(run));
      ctx.setExit(run.ok ? EXIT.ok : EXIT.bad);
    });

  migrate
    .command('down')
    .description('revert the newest applied migration (or all above --to) with its down file; asks first, since reverting can drop data')
    .option('--to <version>', 'revert every migration above this version (0: all)')
    .option('--dry-run', 'print the SQL that would run; change nothing', false)
    .option('--yes', 'confirm reverting without asking (for scripts)', false)
    .option('--lock-timeout <duration>', 'how long to wait for another runner\'s migration lock', '60s')
    .action(async (opts: RunOptions & { yes: boolean }) => {
      const { config, session, service } = migrationsOf(ctx);
      const lockTimeoutMs = lockTimeoutOf(opts.lockTimeout);
      const record = opts.dryRun ? undefined : await openRecorder(ctx, service);
      const confirmer = confirmerFor(ctx, opts.yes);
      const run = await withMigrator(config, { ...session, lockTimeoutMs }, (migrator, db) =>
        migrator.down({
          to: opts.to,
          dryRun: opts.dryRun,
          confirm: async (targets) => {
            const what = `revert ${describeTargets(targets)} on ${db.label}`;
            if (confirmer.mode === 'yes') return true;
            if (confirmer.mode === 'none') throw new UsageError(`migrate down would ${what}, which can drop data; pass --yes to confirm (there is no terminal to ask)`);
            return confirmer.ask(`${what}? Reverting can drop data`);
          },
        }),
      );
      await record?.('migrate.down', run);
      ctx.out.result(run, () => renderMigrationRun(run));
      ctx.setExit(run.ok ? EXIT.ok : EXIT.bad);
    });

  migrate
    .command('verify')
    .description('run the plan\'s migrations.verify assertions (sql with equals/min/max, tableExists); exit 1 if any fails')
    .action(async () => {
      const { config, session, service } = migrationsOf(ctx);
      const record = await openRecorder(ctx, service);
      const { database, results } = await withMigrationDatabase(config, session.planDir, async (db) => ({
        database: db.label,
        results: await runVerifyAssertions(db, config.verify),
      }));
      const ok = results.every((r) => r.status === 'pass');
      await record('migrate.verify', { database, ok, results });
      ctx.out.result({ database, ok, results }, () => renderVerify(database, results));
      ctx.setExit(ok ? EXIT.ok : EXIT.bad);
    });

  migrate
    .command('repair')
    .description('accept the current content of applied files that changed, recording who and when')
    .option('--lock-timeout <duration>', 'how long to wait for another runner\'s migration lock', '60s')
    .action(async (opts: { lockTimeout?: string }) => {
      const { config, session, service } = migrationsOf(ctx);
      const lockTimeoutMs = lockTimeoutOf(opts.lockTimeout);
      const record = await openRecorder(ctx, service);
      const repair = await withMigrator(config, { ...session, lockTimeoutMs }, (migrator) => migrator.repair());
      await record('migrate.repair', repair);
      ctx.out.result(repair, () => renderRepair(repair));
      ctx.setExit(EXIT.ok);
    });
}
