/** Time as glidepath code sees it, so tests can drive pauses and intervals with a fake clock. */
import { sleepLong } from './long-timer.js';

/** Time as glidepath reads it; tests use a fake clock. */
export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock; its sleeps may be longer than setTimeout's 24.8-day limit. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) => sleepLong(ms, signal),
};
