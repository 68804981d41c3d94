/** Per source: how much data a loss now would cost (RPO) and how long the last restore took (RTO). */
import type { Plan } from '../plan/plan-schema.js';
import type { BackupRecord } from '../store/backup-repository.js';
import type { Store } from '../store/store.js';

/** One source's backup health. */
export interface SourceBackupStatus {
  source: string;
  /** Newest successful backup, verified or not. */
  latest: BackupRecord | null;
  /** Newest backup whose last verification passed. */
  latestVerified: BackupRecord | null;
  /** Age of the newest verified backup: the data a loss now would cost; null when none is verified. */
  rpoMs: number | null;
  /** Restore time last measured (by a drill or a restore) for any backup of the source. */
  rtoMs: number | null;
  /** The plan's `backup.rpo` and whether the RPO now meets it (null without a target or a verified backup). */
  rpoTargetMs: number | null;
  rpoMet: boolean | null;
  /** The plan's `backup.rto` and whether the last measured restore met it (null without a target or a measure). */
  rtoTargetMs: number | null;
  rtoMet: boolean | null;
  backups: number;
}

/** RPO and RTO of each of the plan's sources (and any other source the catalog has), for list and metrics. */
export async function backupStatus(options: { store: Store; plan: Plan; now?: Date }): Promise<SourceBackupStatus[]> {
  const now = options.now ?? new Date();
  // Pruned rows too: a restore measured on an artifact that retention removed since is still the last measure.
  const all = await options.store.backups.list({ service: options.plan.service, includePruned: true });
  const records = all.filter((r) => r.prunedAt === null);
  const names = [...(options.plan.backup?.sources.map((s) => s.name) ?? [])];
  for (const record of records) if (!names.includes(record.source)) names.push(record.source);
  return names.map((source) => {
    const own = records.filter((r) => r.source === source && r.status === 'succeeded');
    const latestVerified = own.find((r) => r.verifyStatus === 'pass') ?? null;
    const rpoMs = latestVerified ? now.getTime() - Date.parse(latestVerified.startedAt) : null;
    const rtoMs = all.find((r) => r.source === source && r.restoreMs !== null)?.restoreMs ?? null;
    const rpoTargetMs = options.plan.backup?.rpo ?? null;
    const rtoTargetMs = options.plan.backup?.rto ?? null;
    return {
      source,
      latest: own[0] ?? null,
      latestVerified,
      rpoMs,
      rtoMs,
      rpoTargetMs,
      rpoMet: rpoTargetMs === null || rpoMs === null ? null : rpoMs <= rpoTargetMs,
      rtoTargetMs,
      rtoMet: rtoTargetMs === null || rtoMs === null ? null : rtoMs <= rtoTargetMs,
      backups: own.length,
    };
  });
}
