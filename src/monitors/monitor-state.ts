/**
 * A monitor's state machine, as Uptime Kuma's: a failed beat while retries remain is `pending` and rechecked after
 * `retryInterval`; once they are used up it is `down`; a passing beat is `up` and resets the count.
 */

/** What a monitor says about its check. */
export type MonitorStatus = 'up' | 'pending' | 'down' | 'unknown';

/** How a monitor beats. */
export interface MonitorTiming {
  intervalMs: number;
  retryIntervalMs: number;
  /** Failed beats shown as `pending` before the monitor is `down`. */
  retries: number;
}

/** What a monitor remembers between beats. */
export interface MonitorMemory {
  status: MonitorStatus;
  /** Failed beats in a row. */
  failures: number;
}

/** The outcome of one beat: the new memory, whether the status changed, and when to beat next. */
export interface MonitorStep {
  memory: MonitorMemory;
  changed: boolean;
  nextInMs: number;
}

/** The state after one beat that passed or failed. */
export function nextMonitorState(previous: MonitorMemory, passed: boolean, timing: MonitorTiming): MonitorStep {
  if (passed) {
    const memory: MonitorMemory = { status: 'up', failures: 0 };
    return { memory, changed: previous.status !== 'up', nextInMs: timing.intervalMs };
  }
  const failures = previous.failures + 1;
  // Once down, a monitor stays down and beats at its normal interval; it does not go back to pending.
  const status: MonitorStatus = previous.status !== 'down' && failures <= timing.retries ? 'pending' : 'down';
  return {
    memory: { status, failures },
    changed: previous.status !== status,
    nextInMs: status === 'pending' ? timing.retryIntervalMs : timing.intervalMs,
  };
}
