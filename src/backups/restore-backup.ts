/** Restoring a backup into its source (or another target), with a safety backup of what is there first. */
import { performance } from 'node:perf_hooks';
import type { Plan } from '../plan/plan-schema.js';
import { UsageError } from '../shared/errors.js';
import type { BackupRecord } from '../store/backup-repository.js';
import type { Store } from '../store/store.js';
import { redactUrl } from '../store/store-url.js';
import { backupSource } from './backup-source.js';
import { checkArtifact, openCheckedArtifact } from './checked-artifact.js';
import type { BackupDriver } from './backup.js';
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
  /** The command that puts the target back as it was before the restore (restores the safety backup). */
  undo?: string;
  /** Why no safety backup was taken, when none was. */
  safetySkipped?: string;
}

/** `glidepath backup restore ID --force`, with `--to` when the target is not the source (passwords redacted). */
function undoCommand(restore: RestorePlan, safety: BackupRecord): string {
  const to = restore.ontoSource && restore.driver.inPlace ? '' : ` --to ${quoteWord(redactUrl(restore.target))}`;
  return `glidepath backup restore ${safety.id}${to} --force`;
}

const quoteWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`);

/** Backs up what the target holds now, as a `safety` backup; throws when that fails (then nothing is restored). */
async function safetyBackup(options: RestoreOptions, driver: BackupDriver): Promise<BackupRecord> {
  const { restore } = options;
  options.onProgress?.('taking a safety backup of the target first…');
  const artifacts = options.plan.backup ? storeForPlan(options.plan.backup.store, options.planDir) : storeForLocation(restore.record.store);
  let record: BackupRecord;
  try {
    record = await backupSource({
      service: options.plan.service,
      // A backup of another target is not a backup of the source: keep it apart in list, RPO and retention.
      source: restore.ontoSource ? restore.record.source : `${restore.record.source}-restore-target`,
      driver,
      artifacts,
      catalog: options.store.backups,
      reason: 'safety',
      signal: options.signal,
    });
  } finally {
    artifacts.close();
  }
  if (record.status !== 'succeeded') throw new Error(`safety backup failed, nothing was restored: ${record.error ?? 'unknown error'}`);
  return record;
}

/** What {@link restoreBackup} needs. */
export interface RestoreOptions {
  store: Store;
  plan: Plan;
  planDir: string;
  restore: RestorePlan;
  safetyBackup: boolean;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

/**
 * Restores after the caller has confirmed. First the artifact is read whole and checked against its catalog entry
 * (a damaged one is refused with DamagedArtifactError before anything changes); then, when the target holds data
 * and `safetyBackup` is on, the target is backed up (a failed safety backup stops the restore); then the artifact
 * is restored, read through the same check again so that bytes changed meanwhile still fail before the driver
 * commits; the measured restore time is recorded.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreOutcome> {
  const { restore, store } = options;
  const artifacts = storeForLocation(restore.record.store);
  try {
    options.onProgress?.(`checking the sha256 of ${restore.record.id}…`);
    await checkArtifact(artifacts, restore.record, options.signal);
    const outcome: Partial<RestoreOutcome> = {};
    if (!options.safetyBackup) outcome.safetySkipped = 'turned off (--no-safety-backup)';
    else if (!restore.targetHasData) outcome.safetySkipped = 'the target is empty';
    else {
      const driver = restore.driver.forTarget(restore.target);
      if (!driver) outcome.safetySkipped = `a ${restore.driver.kind} target cannot be backed up`;
      else {
        outcome.safetyBackup = await safetyBackup(options, driver);
        outcome.undo = undoCommand(restore, outcome.safetyBackup);
      }
    }
    options.onProgress?.(`restoring ${restore.record.id}…`);
    const started = performance.now();
    await restore.driver.restore(openCheckedArtifact(artifacts, restore.record, options.signal), restore.target, { signal: options.signal });
    const restoreMs = Math.round(performance.now() - started);
    await store.backups.recordRestore(restore.record.id, restoreMs);
    return { ...outcome, restoreMs };
  } finally {
    artifacts.close();
  }
}
