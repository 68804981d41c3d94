import { describe, expect, it } from 'vitest';
import { sampleRpo } from './rpo-condition.js';

const HOUR = 3_600_000;

describe('sampleRpo', () => {
  const points = [
    { source: 'db', rpoMs: 2 * HOUR, rpoTargetMs: 6 * HOUR },
    { source: 'uploads', rpoMs: 8 * HOUR, rpoTargetMs: 6 * HOUR },
    { source: 'cache', rpoMs: null, rpoTargetMs: 6 * HOUR },
  ];

  it('fires when the newest verified backup of the source is older than backup.rpo', () => {
    expect(sampleRpo('uploads', points)).toEqual({ active: true, value: 8 * HOUR, detail: 'uploads: newest verified backup 8h old (rpo 6h)' });
    expect(sampleRpo('db', points)).toEqual({ active: false, value: 2 * HOUR, detail: 'db: newest verified backup 2h old (rpo 6h)' });
  });

  it('fires when the source has no verified backup at all', () => {
    expect(sampleRpo('cache', points)).toMatchObject({ active: true, detail: 'cache: no verified backup (rpo 6h)' });
  });

  it('`*` fires when any source is over the target, naming those that are', () => {
    expect(sampleRpo('*', points)).toMatchObject({ active: true, detail: 'uploads: newest verified backup 8h old; cache: no verified backup (rpo 6h)' });
    expect(sampleRpo('*', points.slice(0, 1))).toMatchObject({ active: false, value: 2 * HOUR });
  });

  it('is an error without the source or without a target', () => {
    expect(sampleRpo('nope', points)).toEqual({ error: 'no backup source nope' });
    expect(sampleRpo('db', [{ source: 'db', rpoMs: 1, rpoTargetMs: null }])).toEqual({ error: 'the plan sets no backup.rpo' });
  });
});
