/** What a release calls for its `migrate` phase: apply pending migrations, then the plan's verify assertions. */
import type { Plan } from '../plan/plan-schema.js';
import { describeError, GlidepathError } from '../shared/errors.js';
import type { MigrationRunItem } from './migrator.js';
import { withMigrator } from './migration-session.js';
import { runVerifyAssertions, type VerifyResult } from './verify-assertions.js';

/** The outcome of a release's migrate phase; `ok: false` stops the release before any traffic moves. */
export interface ReleaseMigrationsResult {
  ok: boolean;
  /** Why it is not ok (a failed migration, changed files, a failed assertion, an unreachable database). */
  reason: string | null;
  /** False when the plan has no `migrations:` section. */
  configured: boolean;
  /** Redacted database URL. */
  database: string | null;
  /** The migrations this release applied (and the one that failed, if any). */
  applied: MigrationRunItem[];
  verify: VerifyResult[];
  /** Error code when the phase could not run at all (`unavailable`, `migration_lock`, `migration_files` …). */
  errorCode: string | null;
  durationMs: number;
}

/** Applies the plan's pending migrations and runs its verify assertions; failures are results, never throws. */
export async function runMigrationsForRelease(args: {
  plan: Plan;
  planDir: string;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  lockTimeoutMs?: number;
  env?: Readonly<Record<string, string | undefined>>;
}): Promise<ReleaseMigrationsResult> {
  const started = performance.now();
  const config = args.plan.migrations;
  const result: ReleaseMigrationsResult = { ok: true, reason: null, configured: config !== undefined, database: null, applied: [], verify: [], errorCode: null, durationMs: 0 };
  if (!config) return result;
  try {
    await withMigrator(config, { planDir: args.planDir, signal: args.signal, onProgress: args.onProgress, lockTimeoutMs: args.lockTimeoutMs, env: args.env }, async (migrator, db) => {
      result.database = db.label;
      const run = await migrator.up();
      result.applied = run.migrations.filter((m) => m.status === 'applied' || m.status === 'failed');
      if (!run.ok) {
        result.ok = false;
        result.reason = run.reason;
        return;
      }
      result.verify = await runVerifyAssertions(db, config.verify);
      const failed = result.verify.filter((v) => v.status === 'fail');
      if (failed.length > 0) {
        result.ok = false;
        result.reason = `migration verify failed: ${failed.map((f) => `${f.name}: ${f.detail}`).join('; ')}`;
      }
    });
  } catch (error) {
    result.ok = false;
    result.reason = describeError(error);
    result.errorCode = error instanceof GlidepathError ? error.code : 'internal';
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}
