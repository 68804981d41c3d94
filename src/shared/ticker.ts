/**
 * The timing monitors and alert rules need: run a function after a delay, again and again. A small interface so
 * the daemon can hand in its scheduler; the default runs on a Clock (real timers, or a fake clock in tests).
 */
import type { Clock } from './clock.js';

/** Cancels what a Ticker started; what is running finishes, nothing new starts. */
export type StopTicking = () => void;

/** Runs functions after delays. */
export interface Ticker {
  /**
   * Calls `run` after `firstMs`, then again each time after the delay the previous call returned, one call at a
   * time (a slow call delays the next, it never overlaps it). A call that throws is reported to `onError`.
   */
  loop(firstMs: number, run: () => Promise<number>, onError: (error: unknown) => void): StopTicking;
}

/** A Ticker on a Clock's sleeps. */
export function clockTicker(clock: Clock): Ticker {
  return {
    loop(firstMs, run, onError) {
      const stop = new AbortController();
      void (async () => {
        let delay = firstMs;
        for (;;) {
          try {
            await clock.sleep(delay, stop.signal);
          } catch {
            return;
          }
          try {
            delay = await run();
          } catch (error) {
            onError(error);
          }
          if (stop.signal.aborted) return;
        }
      })();
      return () => stop.abort();
    },
  };
}
