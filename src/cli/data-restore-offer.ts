/**
 * After a rollback: when the release rolled back had migrated the database, the backup taken before its
 * migrations is what brings the data back too. glidepath names it, and restores it only when asked and confirmed.
 */
import type { ReleaseDocument } from '../api/contract.js';
import { planRestore, restoreBackup } from '../backups/index.js';
import { readReleaseResult } from '../engine/release-result.js';
import type { LoadedPlan } from '../plan/load.js';
import type { Store } from '../store/index.js';
import { confirmerFor } from './confirm.js';
import type { CliContext } from './context.js';

interface PreMigrationBackup {
  releaseId: string;
  version: string;
  backups: { id: string; source: string }[];
}

/** The backups taken before the migrations of the release that put `version` in place, if it migrated. */
export async function preMigrationBackups(store: Store, service: string, version: string): Promise<PreMigrationBackup | undefined> {
  const releases = await store.releases.listByService(service, { limit: 50 });
  const release = releases.find((r) => r.version === version && r.status === 'succeeded' && r.strategy !== 'rollback');
  if (!release) return undefined;
  const { steps } = await readReleaseResult(store, release.id);
  const migrated = steps.some((s) => s.kind === 'migrate' && s.status === 'succeeded' && Array.isArray(s.detail.applied) && s.detail.applied.length > 0);
  const artifacts = (steps.find((s) => s.kind === 'backup' && s.status === 'succeeded')?.detail.artifacts as { id: string; source: string; status: string }[] | undefined) ?? [];
  const backups = artifacts.filter((a) => a.status === 'succeeded').map(({ id, source }) => ({ id, source }));
  return migrated && backups.length > 0 ? { releaseId: release.id, version, backups } : undefined;
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
  const restored: Record<string, unknown>[] = [];
  for (const backup of found.backups) {
    const plan = await planRestore({ store, plan: loaded.plan, planDir: loaded.dir, id: backup.id });
    const outcome = await restoreBackup({ store, plan: loaded.plan, planDir: loaded.dir, restore: plan, safetyBackup: true, onProgress: (line) => ctx.out.progress(line) });
    restored.push({ backup: backup.id, target: plan.record.source, restoreMs: outcome.restoreMs, safetyBackup: outcome.safetyBackup?.id ?? null, undo: outcome.undo ?? null });
    ctx.out.progress(
      `restored ${backup.source} from ${backup.id} in ${outcome.restoreMs} ms${outcome.safetyBackup ? ` (safety backup ${outcome.safetyBackup.id}; to put that back: ${outcome.undo ?? ''})` : ''}`,
    );
  }
  return { release: found.releaseId, backups: found.backups, restored: true, restores: restored };
}
