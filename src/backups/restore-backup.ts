/** Restoring a backup into its source (or another target), with a safety backup of what is there first. */
import { performance } from 'node:perf_hooks';
import type { Plan } from '../plan/plan-schema.js';
import { UsageError } from '../shared/errors.js';
import type { BackupRecord } from '../store/backup-repository.js';
import type { Store } from '../store/store.js';
import { backupSource } from './backup-source.js';
import type { BackupDriver } from './driver.js';
import { driverForArtifact, storeForLocation, storeForPlan } from './registry.js';

/** Where a restore would go and what is there now; decided before anyone confirms anything. */
export interface RestorePlan {
  record: BackupRecord;
  driver: BackupDriver;
  /** The target: `--to`, or the source's own location. */
  target: string;
  /** Whether the target is the source the backup was taken of. */
  ontoSource: boolean;
  /** Whether the target holds data the restore would replace. */
  targetHasData: boolean;
}

/** Finds the backup and its target and looks at the target; usage errors for an unknown or unusable backup. */
export async function planRestore(options: { store: Store; plan: Plan; planDir: string; id: string; to?: string; signal?: AbortSignal }): Promise<RestorePlan> {
  const record = await options.store.backups.get(options.id);
  if (!record || record.service !== options.plan.service) throw new UsageError(`no backup ${options.id} of ${options.plan.service}; see glidepath backup list`);
  if (record.status !== 'succeeded') throw new UsageError(`backup ${record.id} ${record.status === 'failed' ? 'failed' : 'is still running'}: nothing to restore`);
  if (record.prunedAt) throw new UsageError(`backup ${record.id} was pruned on ${record.prunedAt}: its artifact is gone`);
  const driver = driverForArtifact(record.driver, record.source, options.plan.backup, options.planDir);
  if (!options.to && !driver.inPlace) throw new UsageError(`a ${record.driver} backup restores into a file or place you name: pass --to`);
  const target = options.to ?? driver.location;
  if (!target) throw new UsageError(`the plan has no ${record.driver} source "${record.source}" any more: name the target with --to`);
  const targetHasData = await driver.targetHasData(target, { signal: options.signal });
  return { record, driver, target, ontoSource: target === driver.location, targetHasData };
}

/** How a restore went. */
export interface RestoreOutcome {
  restoreMs: number;
  /** The backup of the target taken first, when one was. */
  safetyBackup?: BackupRecord;
  /** Why no safety backup was taken, when none was. */
  safetySkipped?: string;
}

/**
 * Restores after the caller has confirmed: when the target holds data and `safetyBackup` is on, backs the target
 * up first (a failed safety backup stops the restore), then restores and records the measured restore time.
 */
export async function restoreBackup(options: {
  store: Store;
  plan: Plan;
  planDir: string;
  restore: RestorePlan;
  safetyBackup: boolean;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}): Promise<RestoreOutcome> {
  const { restore, store } = options;
  const outcome: Partial<RestoreOutcome> = {};
  if (!options.safetyBackup) outcome.safetySkipped = 'turned off (--no-safety-backup)';
  else if (!restore.targetHasData) outcome.safetySkipped = 'the target is empty';
  else {
    const driver = restore.driver.forTarget(restore.target);
    if (!driver) outcome.safetySkipped = `a ${restore.driver.kind} target cannot be backed up`;
    else {
      options.onProgress?.('taking a safety backup of the target first…');
      const artifacts = options.plan.backup ? storeForPlan(options.plan.backup.store, options.planDir) : storeForLocation(restore.record.store);
      try {
        outcome.safetyBackup = await backupSource({
          service: options.plan.service,
          // A backup of another target is not a backup of the source: keep it apart in list, RPO and retention.
          source: restore.ontoSource ? restore.record.source : `${restore.record.source}-restore-target`,
          driver,
          artifacts,
          catalog: store.backups,
          reason: 'safety',
          signal: options.signal,
        });
      } finally {
        artifacts.close();
      }
      if (outcome.safetyBackup.status !== 'succeeded') {
        throw new Error(`safety backup failed, nothing was restored: ${outcome.safetyBackup.error ?? 'unknown error'}`);
      }
    }
  }
  options.onProgress?.(`restoring ${restore.record.id}…`);
  const artifacts = storeForLocation(restore.record.store);
  const started = performance.now();
  try {
    await restore.driver.restore(() => artifacts.get(restore.record.key, { signal: options.signal }), restore.target, { signal: options.signal });
  } finally {
    artifacts.close();
  }
  const restoreMs = Math.round(performance.now() - started);
  await store.backups.recordRestore(restore.record.id, restoreMs);
  return { ...outcome, restoreMs };
}
