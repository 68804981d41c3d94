/**
 * When an alert is worth telling someone (pure): a firing alert is sent once and then again each `repeatInterval`
 * while it fires (Alertmanager's repeat_interval); its resolution is sent once, if its firing was; a new firing
 * within `groupInterval` of the last notification waits until that interval is over (Alertmanager's
 * group_interval), so a flapping check sends at most a firing and a resolution per interval. A silenced alert
 * sends nothing; it is told once the silence is over, if it still fires.
 */
import type { AlertState } from './alert-state.js';

/** The notification state of a rule, kept with its memory. */
export interface NotifyMemory {
  /** What was last sent: a firing, or its resolution. */
  notified: 'firing' | 'resolved' | null;
  notifiedAt: string | null;
}

/** A rule that never sent anything. */
export const INITIAL_NOTIFY_MEMORY: NotifyMemory = { notified: null, notifiedAt: null };

/** How often a rule may notify. */
export interface NotifyTiming {
  repeatIntervalMs: number;
  groupIntervalMs: number;
}

/** What to send now, if anything, and the notification memory after it. */
export function decideNotification(
  memory: NotifyMemory,
  state: AlertState,
  silenced: boolean,
  timing: NotifyTiming,
  now: Date,
): { send: 'firing' | 'resolved' | null; repeat: boolean; memory: NotifyMemory } {
  const none = { send: null, repeat: false, memory };
  if (silenced) return none;
  const since = memory.notifiedAt === null ? Number.POSITIVE_INFINITY : now.getTime() - Date.parse(memory.notifiedAt);
  const at = now.toISOString();
  if (state === 'firing') {
    if (memory.notified === 'firing') {
      return since >= timing.repeatIntervalMs ? { send: 'firing', repeat: true, memory: { notified: 'firing', notifiedAt: at } } : none;
    }
    return since >= timing.groupIntervalMs ? { send: 'firing', repeat: false, memory: { notified: 'firing', notifiedAt: at } } : none;
  }
  if (memory.notified === 'firing') return { send: 'resolved', repeat: false, memory: { notified: 'resolved', notifiedAt: at } };
  return none;
}
