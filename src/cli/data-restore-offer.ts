/**
 * After a rollback: when the release rolled back had migrated the database, the backup taken before its
 * migrations is what brings the data back too. glidepath names it, and restores it only when asked and confirmed.
 */
import type { ReleaseDocument } from '../api/contract.js';
import { planRestore, restoreBackup } from '../backups/index.js';
import { LockLease } from '../engine/lock-lease.js';
import { readReleaseResult } from '../engine/release-result.js';
import type { LoadedPlan } from '../plan/load.js';
import { systemClock } from '../shared/clock.js';
import { EXIT, UsageError, type ExitCode } from '../shared/errors.js';
import type { Store } from '../store/index.js';
import { confirmerFor } from './confirm.js';
import type { CliContext } from './context.js';

interface PreMigrationBackup {
  releaseId: string;
  version: string;
  backups: { id: string; source: string }[];
}

/** The type of the event that marks a release's pre-migration data as restored (it is not offered again). */
export const DATA_RESTORED_EVENT = 'release.data_restored';

/** The release's pre-migration backups when its record shows a migration applied and a backup taken before it. */
async function migratedWithBackup(store: Store, release: { id: string; version: string }): Promise<PreMigrationBackup | undefined> {
  const { steps } = await readReleaseResult(store, release.id);
  // A migrate step counts when it applied something, even if a later migration of the same step failed.
  const migrated = steps.some(
    (s) => s.kind === 'migrate' && Array.isArray(s.detail.applied) && (s.detail.applied as { status?: unknown }[]).some((a) => a.status === 'applied'),
  );
  const artifacts = (steps.find((s) => s.kind === 'backup' && s.status === 'succeeded')?.detail.artifacts as { id: string; source: string; status: string }[] | undefined) ?? [];
  const backups = artifacts.filter((a) => a.status === 'succeeded').map(({ id, source }) => ({ id, source }));
  return migrated && backups.length > 0 ? { releaseId: release.id, version: release.version, backups } : undefined;
}

/** The backups taken before the migrations of the release that put `version` in place, if it migrated. */
export async function preMigrationBackups(store: Store, service: string, version: string): Promise<PreMigrationBackup | undefined> {
  const releases = await store.releases.listByService(service, { limit: 50 });
  const release = releases.find((r) => r.version === version && r.status === 'succeeded' && r.strategy !== 'rollback');
  return release ? migratedWithBackup(store, release) : undefined;
}

/**
 * The newest release when it migrated the database and then did not succeed (rolled back by analysis, failed,
 * aborted) and its data was not restored since: traffic is back on the earlier version, but the migration stays.
 */
export async function migratedAndRolledBack(store: Store, service: string): Promise<PreMigrationBackup | undefined> {
  const [newest] = await store.releases.listByService(service, { limit: 1 });
  if (!newest || !['rolled_back', 'failed', 'aborted'].includes(newest.status)) return undefined;
  const found = await migratedWithBackup(store, newest);
  if (!found) return undefined;
  const restored = await store.events.list({ releaseId: newest.id, limit: 10_000 });
  return restored.some((e) => e.type === DATA_RESTORED_EVENT) ? undefined : found;
}

/** Restores each backup (a safety backup of the target first), records that on the release, and says how to undo it. */
async function restoreAll(ctx: CliContext, loaded: LoadedPlan, store: Store, found: PreMigrationBackup): Promise<Record<string, unknown>[]> {
  const restored: Record<string, unknown>[] = [];
  for (const backup of found.backups) {
    const plan = await planRestore({ store, plan: loaded.plan, planDir: loaded.dir, id: backup.id });
    const outcome = await restoreBackup({ store, plan: loaded.plan, planDir: loaded.dir, restore: plan, safetyBackup: true, onProgress: (line) => ctx.out.progress(line) });
    restored.push({ backup: backup.id, target: plan.record.source, restoreMs: outcome.restoreMs, safetyBackup: outcome.safetyBackup?.id ?? null, undo: outcome.undo ?? null });
    ctx.out.progress(
      `restored ${backup.source} from ${backup.id} in ${outcome.restoreMs} ms${outcome.safetyBackup ? ` (safety backup ${outcome.safetyBackup.id}; to put that back: ${outcome.undo ?? ''})` : ''}`,
    );
  }
  await store.events.append({ service: loaded.plan.service, type: DATA_RESTORED_EVENT, releaseId: found.releaseId, data: { restores: restored } });
  return restored;
}

/**
 * `rollback --restore-data` right after a release that migrated was rolled back on its own: the traffic is already
 * back, so nothing is rolled back again; the backup that release took before migrating is restored instead (with
 * --yes or an interactive yes; a no restores nothing). Returns the document to print, or undefined when the newest
 * release is not such a release (then the rollback goes on as usual).
 */
export async function restoreRolledBackMigration(
  ctx: CliContext,
  loaded: LoadedPlan,
  options: { yes: boolean; release: (id: string) => Promise<ReleaseDocument> },
): Promise<{ document: Record<string, unknown>; exit: ExitCode } | undefined> {
  const store = await ctx.openStore(loaded);
  const found = await migratedAndRolledBack(store, loaded.plan.service);
  if (!found) return undefined;
  const release = await options.release(found.releaseId);
  ctx.out.progress(
    `${found.version} (release ${found.releaseId}) migrated the database and was ${release.status.replace('_', ' ')}; traffic is already back, so only its data is restored, from ${found.backups.map((b) => `${b.source}: ${b.id}`).join(', ')}`,
  );
  const confirmer = confirmerFor(ctx, options.yes);
  const statement = `restore ${found.backups.map((b) => `${b.source} from ${b.id}`).join(', ')}, replacing what is there now (a safety backup is taken first)`;
  if (confirmer.mode === 'none') throw new UsageError(`${statement}: needs confirmation; pass --yes or run at a terminal`);
  if (confirmer.mode === 'ask' && !(await confirmer.ask(statement))) {
    ctx.out.progress('not restored: not confirmed');
    return { document: { ...release, data: { release: found.releaseId, backups: found.backups, restored: false } }, exit: EXIT.bad };
  }
  // The release lock keeps a deploy from starting while the data is replaced.
  const lease = await LockLease.acquire(store, loaded.plan.service, `cli:restore-data:${process.pid}`, systemClock);
  try {
    const restores = await restoreAll(ctx, loaded, store, found);
    return { document: { ...release, data: { release: found.releaseId, backups: found.backups, restored: true, restores } }, exit: EXIT.ok };
  } finally {
    await lease.release();
  }
}

/** Names the pre-migration backup after a rollback, and restores it when asked (`--restore-data`) and confirmed. */
export async function offerDataRestore(ctx: CliContext, loaded: LoadedPlan, rollback: ReleaseDocument, options: { restoreData: boolean; yes: boolean }): Promise<Record<string, unknown> | undefined> {
  if (rollback.status !== 'succeeded' || rollback.previousVersion === null) return undefined;
  const store = await ctx.openStore(loaded);
  const found = await preMigrationBackups(store, loaded.plan.service, rollback.previousVersion);
  if (!found) return undefined;
  const commands = found.backups.map((b) => `glidepath backup restore ${b.id}`).join('; ');
  ctx.out.progress(`${found.version} had migrated the database (release ${found.releaseId}); the data from before is in ${found.backups.map((b) => `${b.source}: ${b.id}`).join(', ')}`);
  const confirmer = confirmerFor(ctx, options.yes);
  const wanted = options.restoreData || confirmer.mode === 'ask';
  if (!wanted) {
    ctx.out.progress(`the data was left as it is; to restore it: ${commands} (or rollback --restore-data)`);
    return { release: found.releaseId, backups: found.backups, restored: false };
  }
  const statement = `restore ${found.backups.map((b) => `${b.source} from ${b.id}`).join(', ')}, replacing what is there now (a safety backup is taken first)`;
  const yes = confirmer.mode === 'yes' || (confirmer.mode === 'ask' && (await confirmer.ask(statement)));
  if (!yes) {
    ctx.out.progress(confirmer.mode === 'none' ? `not restored: confirm with --yes to restore in a script (${commands})` : 'not restored');
    return { release: found.releaseId, backups: found.backups, restored: false };
  }
  const restored = await restoreAll(ctx, loaded, store, found);
  return { release: found.releaseId, backups: found.backups, restored: true, restores: restored };
}
