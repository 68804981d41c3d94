/**
 * An alert rule's state machine, with Prometheus' semantics: a true condition makes the alert `pending`; held
 * for `for` it is `firing`; once false it is `resolved`, unless `keepFiringFor` keeps it firing a while longer.
 * A pending alert whose condition turns false goes back to `inactive` without ever firing.
 */

/** Where an alert stands. */
export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';

/** What a rule's evaluation found: the condition held or not (with its value), or it could not be evaluated. */
export type AlertSample = { active: boolean; value: number | null; detail: string } | { error: string };

/** How long a condition must hold before firing, and how long a firing alert outlives its condition. */
export interface AlertTiming {
  forMs: number;
  keepFiringForMs: number;
}

/** What the evaluator remembers of a rule between evaluations (persisted, so a restart resumes it). */
export interface AlertMemory {
  state: AlertState;
  /** When the condition started to hold (the start of `pending`). */
  activeAt: string | null;
  firedAt: string | null;
  resolvedAt: string | null;
  /** The last evaluation at which the condition held, for `keepFiringFor`. */
  lastActiveAt: string | null;
  value: number | null;
  detail: string;
  evaluatedAt: string | null;
  /** Last evaluation error, cleared by the next success. */
  error: string | null;
}

/** A rule never evaluated. */
export const INITIAL_ALERT_MEMORY: AlertMemory = {
  state: 'inactive',
  activeAt: null,
  firedAt: null,
  resolvedAt: null,
  lastActiveAt: null,
  value: null,
  detail: '',
  evaluatedAt: null,
  error: null,
};

/** The memory after one evaluation at `now`, and whether the state changed. */
export function stepAlert(memory: AlertMemory, sample: AlertSample, timing: AlertTiming, now: Date): { memory: AlertMemory; changed: boolean } {
  const at = now.toISOString();
  // A rule that cannot be evaluated keeps its state (as Prometheus keeps its alerts on a failed query).
  if ('error' in sample) return { memory: { ...memory, evaluatedAt: at, error: sample.error }, changed: false };
  const base: AlertMemory = { ...memory, value: sample.value, detail: sample.detail, evaluatedAt: at, error: null };
  const next = sample.active ? whileActive(base, timing, now) : whileInactive(base, timing, now);
  return { memory: next, changed: next.state !== memory.state };
}

function whileActive(memory: AlertMemory, timing: AlertTiming, now: Date): AlertMemory {
  const at = now.toISOString();
  const activeAt = memory.state === 'pending' || memory.state === 'firing' ? (memory.activeAt ?? at) : at;
  const started = { ...memory, activeAt, lastActiveAt: at };
  if (memory.state === 'firing') return started;
  if (now.getTime() - Date.parse(activeAt) >= timing.forMs) return { ...started, state: 'firing', firedAt: at, resolvedAt: null };
  return { ...started, state: 'pending', firedAt: null, resolvedAt: null };
}

function whileInactive(memory: AlertMemory, timing: AlertTiming, now: Date): AlertMemory {
  const at = now.toISOString();
  if (memory.state === 'firing') {
    const last = memory.lastActiveAt === null ? 0 : Date.parse(memory.lastActiveAt);
    if (timing.keepFiringForMs > 0 && now.getTime() - last < timing.keepFiringForMs) return memory;
    return { ...memory, state: 'resolved', resolvedAt: at, activeAt: null };
  }
  if (memory.state === 'pending') return { ...memory, state: 'inactive', activeAt: null };
  return memory;
}
