import { describe, expect, it } from 'vitest';
import { compareValue } from './compare-value.js';

describe('compareValue', () => {
  it.each([
    ['100', { equals: 100 }],
    [100, { equals: '100' }],
    [7n, { equals: 7 }],
    ['ok', { equals: 'ok' }],
    [true, { equals: true }],
    ['f', { equals: false }],
    [null, { equals: null }],
    ['5', { min: 1, max: 5 }],
    [new Date('2025-01-02T03:04:05.000Z'), { equals: '2025-01-02T03:04:05.000Z' }],
  ])('%s meets %j', (actual, expected) => {
    expect(compareValue(actual, expected)).toBeUndefined();
  });

  it.each([
    ['99', { equals: 100 }, '99, expected 100'],
    ['degraded', { equals: 'ok' }, '"degraded", expected "ok"'],
    ['hello', { equals: false }, '"hello", expected false'],
    [null, { equals: 0 }, 'null, expected 0'],
    ['0', { min: 1 }, '0, expected at least 1'],
    [12, { max: 10 }, '12, expected at most 10'],
    ['abc', { min: 1 }, '"abc", expected a number'],
  ])('%s against %j: %s', (actual, expected, problem) => {
    expect(compareValue(actual, expected)).toBe(problem);
  });
});
