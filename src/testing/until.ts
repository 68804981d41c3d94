/** Test help: waiting, bounded, for something to happen. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `probe` every 25 ms until it gives a value (neither undefined nor false); throws naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Asks every 250 ms until `ready` holds of the answer, for at most `timeoutMs`; returns the last answer either way. */
export async function askUntil<T>(ask: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await ask();
  while (!ready(value) && Date.now() < deadline) {
    await sleep(250);
    value = await ask();
  }
  return value;
}
