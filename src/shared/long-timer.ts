/**
 * Timers for delays a plan controls (pauses, keepOld, intervals, timeouts, drains). Node's setTimeout fires after
 * 1 ms for any delay above 2³¹−1 ms (24.8 days), so longer delays are chained from shorter ones here.
 */

/** The longest delay one setTimeout honours. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A pending long timeout; `clear()` cancels it. */
export interface LongTimeout {
  clear(): void;
}

/**
 * Calls `callback` once `ms` have passed, however long that is. An infinite delay never fires; a negative or NaN
 * delay fires at once (as setTimeout does).
 */
export function setLongTimeout(callback: () => void, ms: number): LongTimeout {
  let timer: NodeJS.Timeout | undefined;
  let cleared = false;
  if (ms === Number.POSITIVE_INFINITY) return { clear: () => undefined };
  const deadline = Date.now() + (Number.isNaN(ms) || ms < 0 ? 0 : ms);
  const arm = (left: number) => {
    timer = setTimeout(() => {
      if (cleared) return;
      // Measured again against the clock, so the chain neither drifts nor ends early.
      const rest = deadline - Date.now();
      if (rest > 0) arm(rest);
      else callback();
    }, Math.min(Math.max(0, left), MAX_TIMEOUT_MS));
  };
  arm(deadline - Date.now());
  return {
    clear: () => {
      cleared = true;
      clearTimeout(timer);
    },
  };
}

/** Resolves after `ms` (any length), or rejects with the signal's reason once it aborts. */
export function sleepLong(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      timer.clear();
      reject(signal?.reason as Error);
    };
    const timer = setLongTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves after `ms` (any length), or early (without error) when `signal` aborts. */
export function waitLong(ms: number, signal: AbortSignal): Promise<void> {
  return sleepLong(ms, signal).catch(() => undefined);
}
