/**
 * Follows the plan file for the daemon's operating half: when the file changes, the edit is read and validated
 * as a release's plan is (same project, no setting fixed at start changed), and a valid one is applied to the
 * jobs, monitors and alert rules without a restart. An invalid edit is reported once and changes nothing.
 */
import { stat } from 'node:fs/promises';
import type { ScheduleHandle, Scheduler } from '../scheduler/scheduler.js';
import { describeError } from '../shared/errors.js';
import type { PlanInForce, PlanSource } from './plan-in-force.js';

/** How often the plan file is looked at (a stat; it is read only when it changed). */
export const PLAN_WATCH_INTERVAL_MS = 2_000;

/** What following the plan file needs. */
export interface PlanWatchDeps {
  plans: PlanSource;
  scheduler: Scheduler;
  everyMs?: number;
  /** Applies a valid edit to the operating half (after `plans.operate`). */
  apply(plan: PlanInForce): void;
  /** Told once per edit that cannot be applied, and why. */
  problem(message: string): void;
}

/** Starts looking at the plan file on the scheduler; stop the returned handle to end it. */
export function watchPlanFile(deps: PlanWatchDeps): ScheduleHandle {
  const file = deps.plans.started.loaded.file;
  const every = deps.everyMs ?? PLAN_WATCH_INTERVAL_MS;
  let seen = '';
  let refused = '';
  return deps.scheduler.repeat('plan-file', every, async () => {
    const info = await stat(file).catch(() => undefined);
    // A file mid-save (gone, or being replaced) is looked at again next time.
    if (!info) return every;
    const version = `${info.mtimeMs}:${info.size}:${info.ino}`;
    if (version === seen) return every;
    let next: PlanInForce;
    try {
      next = deps.plans.forRelease();
    } catch (error) {
      const message = describeError(error);
      if (message !== refused) deps.problem(`the edited plan ${file} is not applied to jobs, monitors and alerts: ${message}`);
      refused = message;
      seen = version;
      return every;
    }
    seen = version;
    refused = '';
    if (next.sha256 === deps.plans.operating.sha256) return every;
    deps.plans.operate(next);
    deps.apply(next);
    return every;
  });
}
