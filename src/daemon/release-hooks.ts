/** The database-safety call points of a release: migrations (and, once wired, the backup taken before them). */
import type { HookOutcome, ReleaseHooks } from '../engine/run-context.js';
import { runMigrationsForRelease } from '../migrations/index.js';
import type { Plan } from '../plan/plan-schema.js';

/** Hooks for the plan's `migrations:` section; absent sections leave the phase skipped. */
export function releaseHooks(plan: Plan, planDir: string, log: (line: string) => void): ReleaseHooks {
  if (!plan.migrations) return {};
  return {
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
