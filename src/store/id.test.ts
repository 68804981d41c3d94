import { describe, expect, it } from 'vitest';
import { newId } from './id.js';

describe('newId', () => {
  it('sorts by time, and in creation order within one millisecond', () => {
    const same = Array.from({ length: 50 }, () => newId('evt', 1_700_000_000_000));
    const later = newId('evt', 1_700_000_000_001);
    expect([...same, later]).toEqual([...same, later].sort());
    expect(new Set(same).size).toBe(50);
    expect(later).toMatch(/^evt_[0-9a-hjkmnp-tv-z]{26}$/);
  });

  it('keeps order when the clock steps back', () => {
    const before = newId('rel', 1_800_000_000_000);
    expect(newId('rel', 1_799_999_999_000) > before).toBe(true);
  });
});
