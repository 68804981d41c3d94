/** `backup prune`: apply the plan's retention to the catalog, per source, and delete what goes. */
import type { Plan } from '../plan/plan-schema.js';
import type { BackupRecord } from '../store/backup-repository.js';
import type { Store } from '../store/store.js';
import { storeForLocation } from './registry.js';
import { applyRetention, describePolicy, type RetentionPolicy } from './retention.js';

/** One backup's fate under retention. */
export interface PruneDecision {
  record: BackupRecord;
  keep: boolean;
  reasons: string[];
}

/** How long a failed backup's catalog row stays before prune clears it. */
export const FAILED_BACKUP_GRACE_MS = 24 * 3_600_000;

/** Decides per source which backups the plan's retention keeps; running backups are never touched. */
export async function planPrune(options: { store: Store; plan: Plan; now?: Date }): Promise<{ policy: string; decisions: PruneDecision[] }> {
  const now = options.now ?? new Date();
  const policy: RetentionPolicy = options.plan.backup?.retention ?? {};
  const all = await options.store.backups.list({ service: options.plan.service });
  const decisions: PruneDecision[] = [];
  const bySource = new Map<string, BackupRecord[]>();
  for (const record of all) {
    if (record.status === 'succeeded') bySource.set(record.source, [...(bySource.get(record.source) ?? []), record]);
    else if (record.status === 'failed') {
      const old = now.getTime() - Date.parse(record.startedAt) > FAILED_BACKUP_GRACE_MS;
      decisions.push({ record, keep: !old, reasons: [old ? 'failed backup (no usable artifact)' : 'failed backup, kept a day for inspection'] });
    }
  }
  for (const records of bySource.values()) {
    const byId = new Map(records.map((r) => [r.id, r]));
    const candidates = records.map((r) => ({ id: r.id, at: new Date(r.startedAt), verified: r.verifyStatus === 'pass' }));
    for (const d of applyRetention(candidates, policy, now)) decisions.push({ record: byId.get(d.id) as BackupRecord, keep: d.keep, reasons: d.reasons });
  }
  decisions.sort((a, b) => a.record.source.localeCompare(b.record.source) || b.record.startedAt.localeCompare(a.record.startedAt));
  return { policy: describePolicy(policy), decisions };
}

/** Deletes the artifacts of the backups that go and marks them pruned; returns those done and the errors. */
export async function executePrune(store: Store, decisions: readonly PruneDecision[]): Promise<{ pruned: BackupRecord[]; errors: string[] }> {
  const pruned: BackupRecord[] = [];
  const errors: string[] = [];
  for (const { record } of decisions.filter((d) => !d.keep)) {
    const artifacts = storeForLocation(record.store);
    try {
      // A failed backup left no artifact; deleting a missing key is fine either way.
      await artifacts.delete(record.key);
      await store.backups.markPruned(record.id);
      pruned.push(record);
    } catch (error) {
      errors.push(`delete ${record.id} (${record.key}): ${(error as Error).message}`);
    } finally {
      artifacts.close();
    }
  }
  return { pruned, errors };
}
