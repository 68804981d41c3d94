import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { withRetries, backoffDelay } from './retry.js';
import { lastMissed, nextFire } from './schedule-spec.js';
import { Scheduler } from './scheduler.js';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('Scheduler on a fake clock', () => {
  it('fires a daily cron in Europe/Berlin once a day across both DST changes of 2026', async () => {
    const clock = new FakeClock('2026-03-27T12:00:00Z');
    const scheduler = new Scheduler(clock);
    const fired: Date[] = [];
    const handle = scheduler.schedule('nightly', { cron: '30 2 * * *', timezone: 'Europe/Berlin' }, async ({ scheduledAt }) => {
      fired.push(clock.now());
      expect(scheduledAt.getTime()).toBe(clock.now().getTime());
    });
    await clock.advance(4 * 86_400_000);
    // 02:30 CET, then 03:00 CEST (02:30 does not exist on 29 March), then 02:30 CEST.
    expect(iso(fired)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
    await handle.stop();
    expect(handle.nextRun()).toBeUndefined();
    expect(clock.pendingSleeps).toBe(0);
  });

  it('runs an hour that happens twice (25 October 2026 in Berlin) once', async () => {
    const clock = new FakeClock('2026-10-24T12:00:00Z');
    const scheduler = new Scheduler(clock);
    const fired: string[] = [];
    scheduler.schedule('nightly', { cron: '30 2 * * *', timezone: 'Europe/Berlin' }, async () => void fired.push(clock.now().toISOString()));
    await clock.advance(2 * 86_400_000);
    expect(fired).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    await scheduler.stopAll();
  });

  it('fires six-field (seconds) cron and plain intervals on time, with no lateness', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00.500Z');
    const scheduler = new Scheduler(clock);
    const seconds: string[] = [];
    const every: string[] = [];
    scheduler.schedule('s', { cron: '*/2 * * * * *' }, async () => void seconds.push(clock.now().toISOString()));
    const interval = scheduler.schedule('i', { everyMs: 30_000 }, async () => void every.push(clock.now().toISOString()));
    expect(interval.nextRun()?.toISOString()).toBe('2026-01-01T00:00:30.500Z');
    await clock.advance(61_000);
    expect(seconds.slice(0, 2)).toEqual(['2026-01-01T00:00:02.000Z', '2026-01-01T00:00:04.000Z']);
    expect(seconds).toHaveLength(30);
    expect(every).toEqual(['2026-01-01T00:00:30.500Z', '2026-01-01T00:01:00.500Z']);
    expect(Math.max(...interval.lateness())).toBe(0);
    await scheduler.stopAll();
  });

  it('skips a due run while the previous one still runs, and reports the skip', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const scheduler = new Scheduler(clock);
    const started: string[] = [];
    const skipped: string[] = [];
    scheduler.schedule(
      'slow',
      { everyMs: 10_000 },
      async ({ signal }) => {
        started.push(clock.now().toISOString());
        await clock.sleep(25_000, signal); // longer than two intervals
      },
      { onSkip: (at) => skipped.push(at.toISOString()) },
    );
    await clock.advance(45_000);
    expect(started).toEqual(['2026-01-01T00:00:10.000Z', '2026-01-01T00:00:40.000Z']);
    expect(skipped).toEqual(['2026-01-01T00:00:20.000Z', '2026-01-01T00:00:30.000Z']);
    await scheduler.stopAll(); // aborts the run in progress
    expect(clock.pendingSleeps).toBe(0);
  });

  it('lets runs overlap when asked', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const scheduler = new Scheduler(clock);
    let started = 0;
    scheduler.schedule('slow', { everyMs: 10_000 }, async ({ signal }) => {
      started++;
      await clock.sleep(25_000, signal).catch(() => undefined);
    }, { overlap: true });
    await clock.advance(30_000);
    expect(started).toBe(3);
    await scheduler.stopAll();
  });
});

describe('self-timed schedules (repeat)', () => {
  it('runs one at a time, each next run after the delay the last one returned, counted from its end', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const late: Array<[number, string]> = [];
    const scheduler = new Scheduler(clock, { onLateness: (ms, name) => late.push([ms, name]) });
    const starts: string[] = [];
    const delays = [10_000, 3_000, 10_000];
    const handle = scheduler.repeat('monitor:api', 0, async ({ signal }) => {
      starts.push(clock.now().toISOString());
      await clock.sleep(1_000, signal); // each run takes a second
      return delays[starts.length - 1] ?? 60_000;
    });
    await clock.advance(30_000);
    expect(starts).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:11.000Z', '2026-01-01T00:00:15.000Z', '2026-01-01T00:00:26.000Z']);
    expect(late).toEqual(starts.map(() => [0, 'monitor:api']));
    expect(handle.lateness()).toEqual([0, 0, 0, 0]);
    expect(scheduler.handles.get('monitor:api')).toBe(handle);
    await handle.stop(); // aborts the run in progress and waits for it
    expect(scheduler.handles.has('monitor:api')).toBe(false);
    expect(clock.pendingSleeps).toBe(0);
  });

  it('with coalesceMs, moves each run to the nearest grid point, so runs due within the same half second start together', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00.010Z');
    const scheduler = new Scheduler(clock, { coalesceMs: 500 });
    const starts: Record<string, string[]> = { a: [], b: [] };
    for (const [name, firstMs, takesMs] of [['a', 300, 30], ['b', 700, 170]] as const) {
      scheduler.repeat(name, firstMs, async ({ scheduledAt, latenessMs, signal }) => {
        expect(latenessMs).toBe(0);
        starts[name]?.push(scheduledAt.toISOString());
        await clock.sleep(takesMs, signal);
        return 1_000;
      });
    }
    await clock.advance(2_600);
    // a: due 0.310 → 0.500, then 0.530 + 1 s → 1.500, 2.530 → 2.500; b: due 0.710 → 0.500, 1.670 → 1.500, 2.670 → 2.500.
    expect(starts.a).toEqual(['2026-01-01T00:00:00.500Z', '2026-01-01T00:00:01.500Z', '2026-01-01T00:00:02.500Z']);
    expect(starts.b).toEqual(['2026-01-01T00:00:00.500Z', '2026-01-01T00:00:01.500Z', '2026-01-01T00:00:02.500Z']);
    await scheduler.stopAll();
  });

  it('with coalesceMs, never schedules a run before now: due at once, it runs at once, off the grid', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00.010Z');
    const scheduler = new Scheduler(clock, { coalesceMs: 500 });
    const starts: string[] = [];
    scheduler.repeat('x', 0, async ({ scheduledAt, latenessMs }) => {
      expect(latenessMs).toBe(0);
      starts.push(scheduledAt.toISOString());
      return 60_000;
    });
    await clock.advance(10);
    expect(starts).toEqual(['2026-01-01T00:00:00.010Z']);
    await scheduler.stopAll();
  });

  it('reports a run that throws and tries again after at least a second, not in a spin', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const scheduler = new Scheduler(clock);
    const errors: string[] = [];
    let runs = 0;
    scheduler.repeat('alert:x', 0, async () => {
      runs++;
      throw new Error('store unavailable');
    }, { onError: (error) => errors.push((error as Error).message) });
    await clock.advance(3_500);
    expect(runs).toBe(4); // at 0, 1 s, 2 s, 3 s
    expect(errors).toHaveLength(4);
    await scheduler.stopAll();
  });
});

describe('catch-up and retries', () => {
  it('finds the latest run missed while the daemon was down, or none', () => {
    const spec = { cron: '0 2 * * *', timezone: 'Europe/Berlin' };
    const since = new Date('2026-03-27T02:00:00Z');
    expect(lastMissed(spec, since, new Date('2026-03-27T23:00:00Z'))).toBeUndefined();
    expect(lastMissed(spec, since, new Date('2026-03-30T12:00:00Z'))?.toISOString()).toBe('2026-03-30T00:00:00.000Z');
    expect(lastMissed({ cron: '* * * * * *' }, new Date('2025-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'))?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    const anchor = new Date('2026-01-01T00:00:00Z');
    expect(lastMissed({ everyMs: 60_000 }, anchor, new Date('2026-01-01T00:10:30Z'), anchor)?.toISOString()).toBe('2026-01-01T00:10:00.000Z');
    expect(nextFire({ everyMs: 60_000 }, new Date('2026-01-01T00:10:30Z'), anchor)?.toISOString()).toBe('2026-01-01T00:11:00.000Z');
  });

  it('retries with doubling backoff on the clock, and stops at the first success', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const times: string[] = [];
    const done = withRetries(
      async (n) => {
        times.push(clock.now().toISOString());
        return n >= 3;
      },
      (ok) => ok,
      { policy: { retries: 5, backoffMs: 1_000 }, clock },
    );
    await clock.advance(10_000);
    expect(await done).toEqual({ outcome: true, attempts: 3 });
    expect(times).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:03.000Z']);
    expect(backoffDelay({ retries: 9, backoffMs: 1_000, maxBackoffMs: 5_000 }, 5)).toBe(5_000);
  });

  it('gives up after the retries, with the last outcome', async () => {
    const clock = new FakeClock();
    const done = withRetries(async () => 'failed', (o) => o === 'ok', { policy: { retries: 2, backoffMs: 500 }, clock });
    await clock.advance(5_000);
    expect(await done).toEqual({ outcome: 'failed', attempts: 3 });
  });
});
