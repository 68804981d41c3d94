/** `glidepath backup run|list|verify|restore|prune`: backups, their verification, restores and retention. */
import type { Command } from 'commander';
import {
  backupConfigOf,
  backupStatus,
  executePrune,
  planPrune,
  planRestore,
  restoreBackup,
  runBackups,
  selectSources,
  verifyBackup,
  type PruneDecision,
  type SourceBackupStatus,
  type VerifyReport,
} from '../backups/index.js';
import { formatDuration } from '../shared/duration.js';
import { EXIT, UsageError } from '../shared/errors.js';
import type { BackupRecord } from '../store/backup-repository.js';
import { redactUrl } from '../store/store-url.js';
import { confirmerFor } from './confirm.js';
import type { CliContext } from './context.js';
import { renderTable } from './output.js';

/** `12.3 MB` style sizes. */
function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit] ?? ''}`;
}

const ms = (value: number | null) => (value === null ? '-' : formatDuration(value));

function renderBackups(records: readonly BackupRecord[]): string {
  return renderTable(
    ['ID', 'SOURCE', 'STARTED', 'STATUS', 'SIZE', 'TOOK', 'VERIFIED', 'REASON'],
    records.map((r) => [
      r.id,
      r.source,
      r.startedAt.replace(/\.\d+Z$/, 'Z'),
      r.status === 'failed' ? `failed: ${r.error ?? ''}` : r.status,
      formatBytes(r.size),
      ms(r.durationMs),
      r.verifyStatus === 'pass' ? `✔ ${r.verifiedAt?.slice(0, 16) ?? ''}` : r.verifyStatus === 'fail' ? '✘ failed' : '-',
      r.reason,
    ]),
  );
}

/** How a measure compares with the plan's target: ", within the RPO of 1d" or ", OVER the RTO of 4h". */
function against(met: boolean | null, targetMs: number | null, name: string): string {
  if (targetMs === null) return '';
  if (met === null) return `, ${name} target ${formatDuration(targetMs)}`;
  return met ? `, within the ${name} of ${formatDuration(targetMs)}` : `, OVER the ${name} of ${formatDuration(targetMs)}`;
}

function renderStatus(sources: readonly SourceBackupStatus[]): string {
  return renderTable(
    ['SOURCE', 'BACKUPS', 'LATEST', 'RPO NOW (newest verified)', 'RTO (last restore)'],
    sources.map((s) => [
      s.source,
      String(s.backups),
      s.latest ? `${s.latest.id} (${formatBytes(s.latest.size)})` : 'none',
      (s.rpoMs === null ? 'no verified backup' : `${formatDuration(s.rpoMs)} (${s.latestVerified?.id ?? ''})`) + against(s.rpoMet, s.rpoTargetMs, 'RPO'),
      ms(s.rtoMs) + against(s.rtoMet, s.rtoTargetMs, 'RTO'),
    ]),
  );
}

function renderVerify(results: readonly { record: BackupRecord; report: VerifyReport }[]): string {
  const lines: string[] = [];
  for (const { record, report } of results) {
    lines.push(`${report.status === 'pass' ? '✔' : '✘'} ${record.id} (${record.source}): ${report.status}`);
    lines.push(`  integrity: ${report.integrity.status} — ${report.integrity.detail}`);
    if (report.drill) lines.push(`  restore drill: ${report.drill.status} — ${report.drill.detail}`);
    for (const check of report.checks ?? []) lines.push(`  check ${check.name}: ${check.status} — ${check.detail}`);
  }
  return lines.join('\n') || 'nothing to verify';
}

function renderPrune(policy: string, decisions: readonly PruneDecision[], dryRun: boolean): string {
  const going = decisions.filter((d) => !d.keep);
  const head = `retention: ${policy}; ${going.length} of ${decisions.length} backup(s) ${dryRun ? 'would go' : 'go'}`;
  const rows = decisions.map((d) => [d.keep ? 'keep' : dryRun ? 'would delete' : 'delete', d.record.id, d.record.source, d.record.startedAt.slice(0, 16), d.reasons.join('; ')]);
  return `${head}\n${renderTable(['ACTION', 'ID', 'SOURCE', 'STARTED', 'WHY'], rows)}`;
}

/** Asks for a yes; throws a usage error when nobody can answer, resolves false on a no. */
async function confirm(ctx: CliContext, yes: boolean, statement: string): Promise<boolean> {
  const confirmer = confirmerFor(ctx, yes);
  if (confirmer.mode === 'yes') return true;
  if (confirmer.mode === 'none') throw new UsageError(`${statement}: needs confirmation; pass --yes or run at a terminal`);
  return confirmer.ask(statement);
}

/** Adds `backup run|list|verify|restore|prune` to the program. */
export function registerBackup(program: Command, ctx: CliContext): void {
  const backup = program.command('backup').description('back up, list, verify, restore and prune backups');

  backup
    .command('run')
    .description('back up the plan\'s sources now (all, or the ones named); exit 1 if any failed')
    .argument('[sources...]', 'sources to back up')
    .action(async (names: string[]) => {
      const loaded = ctx.loadPlan();
      selectSources(backupConfigOf(loaded.plan), names);
      const store = await ctx.openStore(loaded);
      const records = await runBackups({ plan: loaded.plan, planDir: loaded.dir, store, sources: names, onProgress: (line) => ctx.out.progress(line) });
      const failed = records.filter((r) => r.status !== 'succeeded').length;
      ctx.out.result({ service: loaded.plan.service, ok: failed === 0, backups: records }, () => renderBackups(records));
      ctx.setExit(failed === 0 ? EXIT.ok : EXIT.bad);
    });

  backup
    .command('list')
    .description('backups per source, with the RPO now (age of the newest verified backup) and the last RTO')
    .option('--source <name>', 'only this source')
    .option('--all', 'include pruned backups', false)
    .action(async (opts: { source?: string; all: boolean }) => {
      const loaded = ctx.loadPlan();
      const store = await ctx.openStore(loaded);
      const sources = (await backupStatus({ store, plan: loaded.plan })).filter((s) => !opts.source || s.source === opts.source);
      const backups = await store.backups.list({ service: loaded.plan.service, source: opts.source, includePruned: opts.all });
      ctx.out.result({ service: loaded.plan.service, sources, backups }, () =>
        backups.length === 0 ? `no backups of ${loaded.plan.service} yet` : `${renderStatus(sources)}\n\n${renderBackups(backups)}`,
      );
    });

  backup
    .command('verify')
    .description('verify backups (default: the newest of each source): sha256 and structure, and a restore drill when the plan has verify.restoreTo')
    .argument('[ids...]', 'backups to verify')
    .option('--restore-to <url>', 'scratch database for a postgres drill (overrides verify.restoreTo)')
    .option('--drill', 'run the restore drill even without verify.restoreTo (files, sqlite, http)')
    .option('--no-drill', 'integrity only, no restore drill')
    .action(async (ids: string[], opts: { restoreTo?: string; drill?: boolean }) => {
      const loaded = ctx.loadPlan();
      const store = await ctx.openStore(loaded);
      const records: BackupRecord[] = [];
      for (const id of ids) {
        const record = await store.backups.get(id);
        if (!record || record.service !== loaded.plan.service) throw new UsageError(`no backup ${id} of ${loaded.plan.service}; see glidepath backup list`);
        if (record.status !== 'succeeded' || record.prunedAt) throw new UsageError(`backup ${id} has no artifact to verify (${record.prunedAt ? 'pruned' : record.status})`);
        records.push(record);
      }
      if (ids.length === 0) for (const s of await backupStatus({ store, plan: loaded.plan })) if (s.latest) records.push(s.latest);
      const results: { record: BackupRecord; report: VerifyReport }[] = [];
      for (const record of records) {
        ctx.out.progress(`verifying ${record.id} (${record.source})…`);
        results.push(await verifyBackup({ record, plan: loaded.plan, planDir: loaded.dir, catalog: store.backups, restoreTo: opts.restoreTo, drill: opts.drill }));
      }
      const ok = results.every((r) => r.report.status === 'pass');
      ctx.out.result({ service: loaded.plan.service, ok, results: results.map((r) => ({ ...r.report, backup: r.record })) }, () => renderVerify(results));
      ctx.setExit(ok ? EXIT.ok : EXIT.bad);
    });

  backup
    .command('restore')
    .description('restore a backup into its source or --to; asks first, and refuses a non-empty target without --force')
    .argument('<id>', 'backup to restore')
    .option('--to <target>', 'restore here instead (database URL, directory or file)')
    .option('--yes', 'do not ask for confirmation', false)
    .option('--force', 'overwrite a target that holds data', false)
    .option('--no-safety-backup', 'do not back the target up first')
    .action(async (id: string, opts: { to?: string; yes: boolean; force: boolean; safetyBackup: boolean }) => {
      const loaded = ctx.loadPlan();
      const store = await ctx.openStore(loaded);
      const plan = await planRestore({ store, plan: loaded.plan, planDir: loaded.dir, id, to: opts.to });
      const where = redactUrl(plan.target);
      if (plan.targetHasData && !opts.force) {
        throw new UsageError(`${where} holds data; pass --force to overwrite it (a safety backup is taken first unless --no-safety-backup)`);
      }
      const statement = `restore ${plan.record.id} (${plan.record.source}, ${plan.record.startedAt}) into ${where}${plan.targetHasData ? ', replacing its data' : ''}`;
      if (!(await confirm(ctx, opts.yes, statement))) {
        ctx.out.result({ restored: false, reason: 'not confirmed' }, () => 'not restored: not confirmed');
        ctx.setExit(EXIT.bad);
        return;
      }
      const outcome = await restoreBackup({ store, plan: loaded.plan, planDir: loaded.dir, restore: plan, safetyBackup: opts.safetyBackup, onProgress: (line) => ctx.out.progress(line) });
      ctx.out.result({ restored: true, backup: plan.record.id, target: where, ...outcome }, () =>
        [
          `restored ${plan.record.id} into ${where} in ${formatDuration(outcome.restoreMs)}`,
          outcome.safetyBackup ? `safety backup of what the target held: ${outcome.safetyBackup.id}; to put that back: ${outcome.undo ?? ''}` : `no safety backup: ${outcome.safetySkipped ?? ''}`,
        ].join('\n'),
      );
    });

  backup
    .command('prune')
    .description('delete the backups the plan\'s retention lets go (never the newest verified one); --dry-run lists them and why')
    .option('--dry-run', 'only list what would be deleted, and why', false)
    .option('--yes', 'do not ask for confirmation', false)
    .action(async (opts: { dryRun: boolean; yes: boolean }) => {
      const loaded = ctx.loadPlan();
      const store = await ctx.openStore(loaded);
      const { policy, decisions } = await planPrune({ store, plan: loaded.plan });
      const going = decisions.filter((d) => !d.keep);
      const doc = (pruned: string[], errors: string[]) => ({
        service: loaded.plan.service,
        policy,
        dryRun: opts.dryRun,
        decisions: decisions.map((d) => ({ id: d.record.id, source: d.record.source, startedAt: d.record.startedAt, keep: d.keep, reasons: d.reasons })),
        pruned,
        errors,
      });
      if (opts.dryRun || going.length === 0) {
        ctx.out.result(doc([], []), () => renderPrune(policy, decisions, true));
        return;
      }
      if (!(await confirm(ctx, opts.yes, `delete ${going.length} backup(s) of ${loaded.plan.service}`))) {
        ctx.out.result(doc([], []), () => 'nothing deleted: not confirmed');
        ctx.setExit(EXIT.bad);
        return;
      }
      const { pruned, errors } = await executePrune(store, decisions);
      ctx.out.result(doc(pruned.map((r) => r.id), errors), () => [renderPrune(policy, decisions, false), ...errors.map((e) => `error: ${e}`)].join('\n'));
      ctx.setExit(errors.length === 0 ? EXIT.ok : EXIT.bad);
    });
}
