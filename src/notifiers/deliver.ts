/** Delivering one notification to one notifier: attempts with exponential backoff, bounded in count and in time. */
import type { Notification, Notifier, SendResult } from './notifier.js';

/** The longest wait between two attempts, however many came before. */
export const MAX_BACKOFF_MS = 60_000;

/** How hard to try: the plan's `retry:` and `timeout`, in milliseconds. */
export interface DeliveryPolicy {
  attempts: number;
  backoffMs: number;
  withinMs: number;
  timeoutMs: number;
}

/** How a delivery ended after all its attempts. */
export interface DeliveryOutcome {
  status: 'delivered' | 'failed';
  attempts: number;
  /** The last failed attempt's detail (also set when a later attempt succeeded), or null. */
  lastError: string | null;
  detail: string;
  durationMs: number;
}

/** What `deliver` may use besides the notifier: the delivery id, a stop signal, attempt reports, time. */
export interface DeliverOptions {
  deliveryId: string;
  /** Stops the delivery (the daemon stopping): no further attempt, the current one aborted. */
  signal?: AbortSignal;
  onAttempt?: (attempt: number, result: SendResult) => Promise<void> | void;
  /** Milliseconds since some fixed point; tests may pass their own. */
  now?: () => number;
}

/** The wait before attempt `next` (2, 3, …): backoff doubling each time, capped. */
export function backoffBefore(next: number, backoffMs: number): number {
  return Math.min(backoffMs * 2 ** (next - 2), MAX_BACKOFF_MS);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Sends until an attempt is delivered, one is not worth retrying, the attempts run out, or the next attempt
 * would start after `withinMs`; each attempt is cut at `timeoutMs` or at what is left of `withinMs`. Never throws.
 */
export async function deliver(notifier: Notifier, notification: Notification, policy: DeliveryPolicy, options: DeliverOptions): Promise<DeliveryOutcome> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const elapsed = () => Math.round(now() - started);
  let lastError: string | null = null;
  let attempts = 0;
  for (;;) {
    attempts++;
    const left = policy.withinMs - elapsed();
    const timeout = AbortSignal.timeout(Math.max(1, Math.min(policy.timeoutMs, left)));
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let result: SendResult;
    try {
      result = await notifier.send(notification, { signal, deliveryId: options.deliveryId });
    } catch (error) {
      result = { status: 'failed', detail: `the ${notifier.kind} notifier threw: ${error instanceof Error ? error.message : String(error)}`, durationMs: 0, retryable: false };
    }
    await options.onAttempt?.(attempts, result);
    if (result.status === 'delivered') return { status: 'delivered', attempts, lastError, detail: result.detail, durationMs: elapsed() };
    lastError = result.detail;
    const wait = backoffBefore(attempts + 1, policy.backoffMs);
    const stop =
      !result.retryable ? 'not worth retrying'
      : attempts >= policy.attempts ? `${attempts} attempt(s), the most allowed`
      : elapsed() + wait >= policy.withinMs ? `no time left for another attempt within ${policy.withinMs}ms`
      : options.signal?.aborted ? 'stopped'
      : undefined;
    if (stop !== undefined) return { status: 'failed', attempts, lastError, detail: `${result.detail} (${stop})`, durationMs: elapsed() };
    await sleep(wait, options.signal);
    if (options.signal?.aborted) return { status: 'failed', attempts, lastError, detail: `${result.detail} (stopped before attempt ${attempts + 1})`, durationMs: elapsed() };
  }
}
