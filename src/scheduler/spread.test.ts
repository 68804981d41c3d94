import { describe, expect, it } from 'vitest';
import { MAX_FIRST_RUN_SPREAD_MS, firstRunOffsetMs } from './spread.js';

describe('firstRunOffsetMs', () => {
  it('spreads 200 schedules at 10 s evenly over the interval, 50 ms apart, the first right away', () => {
    const offsets = Array.from({ length: 200 }, (_, i) => firstRunOffsetMs(i, 200, 10_000));
    expect(offsets[0]).toBe(0);
    expect(offsets[1]).toBe(50);
    expect(offsets[199]).toBe(9_950);
    expect(new Set(offsets).size).toBe(200);
    for (let i = 1; i < offsets.length; i++) expect((offsets[i] ?? 0) - (offsets[i - 1] ?? 0)).toBe(50);
  });

  it('puts no first run off by more than the cap, whatever the interval', () => {
    const offsets = Array.from({ length: 50 }, (_, i) => firstRunOffsetMs(i, 50, 3_600_000));
    expect(Math.max(...offsets)).toBeLessThan(MAX_FIRST_RUN_SPREAD_MS);
    expect(offsets[25]).toBe(MAX_FIRST_RUN_SPREAD_MS / 2);
  });

  it('runs a lone schedule, or one with no interval, right away', () => {
    expect(firstRunOffsetMs(0, 1, 10_000)).toBe(0);
    expect(firstRunOffsetMs(3, 10, 0)).toBe(0);
  });
});
