import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';
import { MAX_TIMEOUT_MS, setLongTimeout, sleepLong } from './long-timer.js';

const DAY = 24 * 60 * 60_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('long timers', () => {
  it('a real 25-day sleep of the system clock has not ended after 200 ms (setTimeout alone fires after 1 ms)', async () => {
    const controller = new AbortController();
    let ended = false;
    const sleeping = systemClock.sleep(25 * DAY, controller.signal).then(
      () => (ended = true),
      () => 'aborted',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ended).toBe(false);
    controller.abort(new Error('test over'));
    expect(await sleeping).toBe('aborted');
  });

  it('fires a 25-day timeout at 25 days, not before, by chaining shorter timeouts', () => {
    vi.useFakeTimers({ now: 0 });
    const fired: number[] = [];
    setLongTimeout(() => fired.push(Date.now()), 25 * DAY);
    vi.advanceTimersByTime(MAX_TIMEOUT_MS);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(25 * DAY - MAX_TIMEOUT_MS - 1);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([25 * DAY]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fires 100 days later for 100 days, never for Infinity, at once for a negative delay', () => {
    vi.useFakeTimers({ now: 0 });
    const fired: string[] = [];
    setLongTimeout(() => fired.push('100d'), 100 * DAY);
    setLongTimeout(() => fired.push('infinity'), Number.POSITIVE_INFINITY);
    setLongTimeout(() => fired.push('negative'), -5);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['negative']);
    vi.advanceTimersByTime(100 * DAY);
    expect(fired).toEqual(['negative', '100d']);
    vi.advanceTimersByTime(1_000 * DAY);
    expect(fired).toEqual(['negative', '100d']);
  });

  it('clear() cancels between links of the chain; an abort rejects the sleep with its reason', async () => {
    vi.useFakeTimers({ now: 0 });
    const fired: string[] = [];
    const timer = setLongTimeout(() => fired.push('fired'), 30 * DAY);
    vi.advanceTimersByTime(MAX_TIMEOUT_MS + 10);
    timer.clear();
    vi.advanceTimersByTime(30 * DAY);
    expect(fired).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);

    const controller = new AbortController();
    const sleeping = sleepLong(30 * DAY, controller.signal);
    vi.advanceTimersByTime(MAX_TIMEOUT_MS + 10);
    controller.abort(new Error('stopped'));
    await expect(sleeping).rejects.toThrow('stopped');
    expect(vi.getTimerCount()).toBe(0);
  });
});
