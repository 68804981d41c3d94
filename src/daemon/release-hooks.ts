/** The database-safety call points of a release: the backup taken before it, and the migrations. */
import { runBackups } from '../backups/index.js';
import type { HookOutcome, ReleaseHooks } from '../engine/run-context.js';
import { runMigrationsForRelease } from '../migrations/index.js';
import type { Plan } from '../plan/plan-schema.js';
import type { Store } from '../store/index.js';

/** Backs up every source; the record names each artifact, which is what restores the state before migrations. */
async function backupBeforeRelease(plan: Plan, planDir: string, store: Store, releaseId: string, signal: AbortSignal, log: (line: string) => void): Promise<HookOutcome> {
  const records = await runBackups({ plan, planDir, store, releaseId, reason: 'release', signal, onProgress: log });
  const failed = records.filter((record) => record.status !== 'succeeded');
  const artifacts = records.map((record) => ({ id: record.id, source: record.source, status: record.status, size: record.size, sha256: record.sha256, error: record.error }));
  const restoreHint = records
    .filter((record) => record.status === 'succeeded')
    .map((record) => `glidepath backup restore ${record.id}`)
    .join('; ');
  return failed.length > 0
    ? { ok: false, detail: failed.map((record) => `${record.source}: ${record.error ?? 'failed'}`).join('; '), evidence: { artifacts } }
    : { ok: true, detail: `${records.length} backup(s) taken; to restore the state before this release: ${restoreHint}`, evidence: { artifacts } };
}

/** Hooks for the plan's `backup:` and `migrations:` sections; the engine skips a phase its plan does not ask for. */
export function releaseHooks(plan: Plan, planDir: string, store: Store, log: (line: string) => void): ReleaseHooks {
  const hooks: ReleaseHooks = {};
  if (plan.backup) hooks.backup = ({ releaseId, signal }) => backupBeforeRelease(plan, planDir, store, releaseId, signal, log);
  if (!plan.migrations) return hooks;
  return {
    ...hooks,
    migrate: async ({ signal }): Promise<HookOutcome> => {
      const result = await runMigrationsForRelease({ plan, planDir, signal, onProgress: log });
      const applied = result.applied.map((item) => item as unknown as Record<string, unknown>);
      const detail = result.ok
        ? `${result.applied.length} migration(s) applied, ${result.verify.length} assertion(s) hold`
        : (result.reason ?? 'migrations failed');
      return { ok: result.ok, detail, evidence: { database: result.database, applied, verify: result.verify as unknown as Record<string, unknown>[], durationMs: result.durationMs } };
    },
  };
}
