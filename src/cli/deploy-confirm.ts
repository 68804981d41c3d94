/** A release's confirmations asked at the terminal before it starts, as `preflight` asks them. */
import type { Plan } from '../plan/plan-schema.js';
import { confirmerFor } from './confirm.js';
import type { CliContext } from './context.js';

/**
 * Whether the release may confirm the plan's `confirm:` items: `--yes`, or a person answered yes to each at the
 * terminal (asked here, since the release itself runs in the daemon, which has no terminal). Resolves with the first
 * statement declined, or with `yes` false when nobody can be asked (the release's preflight then fails on it).
 */
export async function confirmBeforeRelease(ctx: CliContext, plan: Plan, yes: boolean): Promise<{ yes: boolean; declined?: string }> {
  const statements = plan.preflight.flatMap((item) => (item.confirm === undefined ? [] : [item.confirm]));
  const confirmer = confirmerFor(ctx, yes);
  if (confirmer.mode === 'yes') return { yes: true };
  if (confirmer.mode === 'none' || statements.length === 0) return { yes: false };
  for (const statement of statements) {
    if (!(await confirmer.ask(statement))) return { yes: false, declined: statement };
  }
  return { yes: true };
}
