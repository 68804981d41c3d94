/** What the job runner schedules: a named action on a schedule, with its timeout, retries and catch-up. */
import type { RetryPolicy } from '../scheduler/retry.js';
import type { ScheduleSpec } from '../scheduler/schedule-spec.js';

/** How one attempt of a job ended. */
export interface AttemptOutcome {
  status: 'succeeded' | 'failed' | 'timed_out';
  exitCode: number | null;
  /** One line saying what happened ("exit 0", "HTTP 503", "2 backup(s) verified"). */
  detail: string;
  /** The tail of what it printed (secrets are masked by the runner). */
  output: string;
}

/** A job the runner schedules: a plan job, a scheduled backup, or a restore drill. */
export interface JobDefinition {
  name: string;
  /** `command`, `http`, `backup` or `drill`. */
  kind: string;
  spec: ScheduleSpec;
  timeoutMs: number;
  overlap: boolean;
  retry: RetryPolicy;
  catchUp: 'none' | 'once';
  /** Changes whenever the job's configuration does; a plan change restarts only the schedules it changed. */
  fingerprint: string;
  /** One attempt; `signal` aborts at the timeout or when the daemon stops. */
  attempt(signal: AbortSignal): Promise<AttemptOutcome>;
}
