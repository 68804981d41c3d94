/** Compares a database value with what a plan expects, the way people read numbers in SQL results. */

/** What a plan may expect of a single value. */
export interface ExpectedValue {
  equals?: string | number | boolean | null | undefined;
  min?: number | undefined;
  max?: number | undefined;
}

/** Why the value does not meet the expectation (`99, expected 100`), or undefined when it does. */
export function compareValue(actual: unknown, expected: ExpectedValue): string | undefined {
  const shown = display(actual);
  const { equals, min, max } = expected;
  if (equals !== undefined && !matches(actual, equals)) return `${shown}, expected ${display(equals)}`;
  if (min === undefined && max === undefined) return undefined;
  // count(*) and numeric columns arrive as strings from pg; compare them as the numbers they are.
  const number = toNumber(actual);
  if (number === undefined) return `${shown}, expected a number`;
  if (min !== undefined && number < min) return `${shown}, expected at least ${min}`;
  if (max !== undefined && number > max) return `${shown}, expected at most ${max}`;
  return undefined;
}

function matches(actual: unknown, expected: string | number | boolean | null): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (typeof expected === 'number') return toNumber(actual) === expected;
  if (typeof expected === 'boolean') return toBoolean(actual) === expected;
  if (actual instanceof Date) return actual.toISOString() === expected;
  if (typeof actual === 'string') return actual === expected;
  if (typeof actual === 'number' || typeof actual === 'bigint' || typeof actual === 'boolean') return String(actual) === expected;
  return actual !== null && actual !== undefined && JSON.stringify(actual) === expected;
}

function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 't' || value === 'true') return true;
  if (value === 'f' || value === 'false') return false;
  return undefined;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}

function display(value: unknown): string {
  if (typeof value === 'string') {
    if (toNumber(value) !== undefined) return value.trim();
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 59)}…` : value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return String(JSON.stringify(value) ?? value);
}
