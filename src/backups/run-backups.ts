/** The library entry the engine and the CLI call: back up the plan's sources now. */
import type { Plan } from '../plan/plan-schema.js';
import type { BackupConfig } from '../plan/schema/backup.js';
import { UsageError } from '../shared/errors.js';
import type { BackupReason, BackupRecord } from '../store/backup-repository.js';
import type { Store } from '../store/store.js';
import { backupSource } from './backup-source.js';
import { driverForSource, storeForPlan, type BackupSourceEntry } from './registry.js';

/** What {@link runBackups} needs. */
export interface RunBackupsOptions {
  plan: Plan;
  /** Directory of the plan file; relative paths in the plan are resolved against it. */
  planDir: string;
  store: Store;
  /** Names of the sources to back up; all when absent or empty. */
  sources?: readonly string[];
  /** The release this backup belongs to (`backup.before: [migrate]`); its record names the backup. */
  releaseId?: string;
  reason?: BackupReason;
  signal?: AbortSignal;
  /** Called with a line of progress per source. */
  onProgress?: (line: string) => void;
}

/** The plan's `backup:` section; a plan without one is a usage error. */
export function backupConfigOf(plan: Plan): BackupConfig {
  if (!plan.backup) throw new UsageError('the plan has no backup: section');
  return plan.backup;
}

/** The plan's sources named by `names` (all when empty), in plan order; an unknown name is a usage error. */
export function selectSources(config: BackupConfig, names: readonly string[] = []): BackupSourceEntry[] {
  const unknown = names.filter((name) => !config.sources.some((s) => s.name === name));
  if (unknown.length > 0) {
    const known = config.sources.map((s) => s.name).join(', ');
    throw new UsageError(`unknown backup source${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; the plan has: ${known}`);
  }
  return names.length === 0 ? config.sources : config.sources.filter((s) => names.includes(s.name));
}

/**
 * Backs up the selected sources one after another into the plan's store and returns their catalog records
 * (failed ones included, with `status: 'failed'` and the error); the caller decides whether a failure stops it.
 */
export async function runBackups(options: RunBackupsOptions): Promise<BackupRecord[]> {
  const config = backupConfigOf(options.plan);
  const sources = selectSources(config, options.sources);
  const artifacts = storeForPlan(config.store, options.planDir);
  const records: BackupRecord[] = [];
  try {
    for (const source of sources) {
      options.signal?.throwIfAborted();
      const driver = driverForSource(source, options.planDir);
      options.onProgress?.(`backing up ${source.name} (${driver.kind})…`);
      const record = await backupSource({
        service: options.plan.service,
        source: source.name,
        driver,
        artifacts,
        catalog: options.store.backups,
        reason: options.reason ?? (options.releaseId ? 'release' : 'manual'),
        releaseId: options.releaseId,
        signal: options.signal,
      });
      options.onProgress?.(
        record.status === 'succeeded' ? `backed up ${source.name}: ${String(record.size)} bytes in ${String(record.durationMs)}ms` : `backup of ${source.name} failed: ${String(record.error)}`,
      );
      records.push(record);
    }
  } finally {
    artifacts.close();
  }
  return records;
}
