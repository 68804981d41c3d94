/** Retries with exponential backoff, timed by an injectable clock. */
import type { Clock } from '../shared/clock.js';

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  /** Wait before the first retry; each next wait doubles, up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs?: number;
}

/** The wait before retry number `retry` (1-based). */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  const delay = policy.backoffMs * 2 ** Math.max(0, retry - 1);
  return Math.min(delay, policy.maxBackoffMs ?? Number.POSITIVE_INFINITY);
}

/**
 * Runs `attempt` until `succeeded` says yes or the retries are spent, waiting the backoff between attempts;
 * resolves with the last outcome and how many attempts were made. An abort ends the waiting (the last outcome
 * stands).
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  succeeded: (outcome: T) => boolean,
  options: { policy: RetryPolicy; clock: Clock; signal?: AbortSignal },
): Promise<{ outcome: T; attempts: number }> {
  let n = 1;
  let outcome = await attempt(n);
  while (!succeeded(outcome) && n <= options.policy.retries && !options.signal?.aborted) {
    try {
      await options.clock.sleep(backoffDelay(options.policy, n), options.signal);
    } catch {
      break;
    }
    n++;
    outcome = await attempt(n);
  }
  return { outcome, attempts: n };
}
