/** What the daemon's scheduler runs at `backup.schedule`: back up, verify what was made, apply retention. */
import type { Plan } from '../plan/plan-schema.js';
import type { BackupRecord } from '../store/backup-repository.js';
import type { Store } from '../store/store.js';
import { executePrune, planPrune } from './prune.js';
import { runBackups } from './run-backups.js';
import { verifyBackup, type VerifyReport } from './verify-backup.js';

/** What one scheduled run did. */
export interface ScheduledBackupResult {
  backups: BackupRecord[];
  verified: { id: string; status: VerifyReport['status'] }[];
  pruned: string[];
  errors: string[];
  /** True when every backup and verification succeeded. */
  ok: boolean;
}

/**
 * Backs up every source (or those named), verifies each new artifact (integrity, plus a drill when the plan has
 * `verify.restoreTo`), then deletes what retention lets go; prune runs only when all backups succeeded, so a
 * failing source never loses its older backups to a schedule.
 */
export async function scheduledBackup(options: { plan: Plan; planDir: string; store: Store; sources?: readonly string[]; signal?: AbortSignal; now?: () => Date }): Promise<ScheduledBackupResult> {
  const backups = await runBackups({ plan: options.plan, planDir: options.planDir, store: options.store, sources: options.sources, reason: 'schedule', signal: options.signal });
  const verified: ScheduledBackupResult['verified'] = [];
  for (const record of backups.filter((b) => b.status === 'succeeded')) {
    const { report } = await verifyBackup({ record, plan: options.plan, planDir: options.planDir, catalog: options.store.backups, signal: options.signal });
    verified.push({ id: record.id, status: report.status });
  }
  const errors = backups.filter((b) => b.status === 'failed').map((b) => b.error ?? `backup ${b.id} failed`);
  let pruned: string[] = [];
  if (errors.length === 0 && options.plan.backup?.retention) {
    const { decisions } = await planPrune({ store: options.store, plan: options.plan, now: options.now?.() });
    const done = await executePrune(options.store, decisions);
    pruned = done.pruned.map((r) => r.id);
    errors.push(...done.errors);
  }
  const ok = errors.length === 0 && verified.every((v) => v.status === 'pass');
  return { backups, verified, pruned, errors, ok };
}
