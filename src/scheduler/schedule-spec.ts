/** When something runs: a cron pattern (5 or 6 fields) in a time zone, or a plain interval. */
import { Cron } from 'croner';

/** A schedule: `cron` with an optional IANA `timezone` (UTC when absent), or `everyMs` between runs. */
export type ScheduleSpec = { cron: string; timezone?: string } | { everyMs: number };

/** A readable form of a spec, for lists and logs ("0 2 * * * Europe/Berlin", "every 30000ms"). */
export function describeSpec(spec: ScheduleSpec): string {
  if ('everyMs' in spec) return `every ${spec.everyMs}ms`;
  return spec.timezone ? `${spec.cron} (${spec.timezone})` : spec.cron;
}

/**
 * The first time strictly after `after` that `spec` fires. An interval counts from `anchor` (the time the
 * schedule started), so its runs do not drift when one starts late. In a time zone with a daylight-saving change
 * a cron time that does not exist that day runs once at the first instant after the gap, and one that happens
 * twice runs once (croner's reading, the same as Vixie cron's).
 */
export function nextFire(spec: ScheduleSpec, after: Date, anchor: Date = after): Date | undefined {
  if ('everyMs' in spec) {
    const every = Math.max(1, spec.everyMs);
    const elapsed = after.getTime() - anchor.getTime();
    const steps = elapsed < 0 ? 1 : Math.floor(elapsed / every) + 1;
    return new Date(anchor.getTime() + steps * every);
  }
  const cron = new Cron(spec.cron, { timezone: spec.timezone ?? 'Etc/UTC', paused: true });
  try {
    return cron.nextRun(after) ?? undefined;
  } finally {
    cron.stop();
  }
}

/** The latest time in (`since`, `now`] that `spec` fired, or undefined: a run missed while nothing was running. */
export function lastMissed(spec: ScheduleSpec, since: Date, now: Date, anchor: Date = since): Date | undefined {
  if ('everyMs' in spec) {
    const first = nextFire(spec, since, anchor);
    if (!first || first.getTime() > now.getTime()) return undefined;
    const every = Math.max(1, spec.everyMs);
    return new Date(anchor.getTime() + Math.floor((now.getTime() - anchor.getTime()) / every) * every);
  }
  const cron = new Cron(spec.cron, { timezone: spec.timezone ?? 'Etc/UTC', paused: true });
  try {
    // previousRuns counts back from `now`, excluding it; a fire exactly at `now` is found as the next after now-1ms.
    const atNow = cron.nextRun(new Date(now.getTime() - 1));
    const latest = atNow && atNow.getTime() === now.getTime() ? atNow : cron.previousRuns(1, now)[0];
    return latest && latest.getTime() > since.getTime() ? latest : undefined;
  } finally {
    cron.stop();
  }
}
