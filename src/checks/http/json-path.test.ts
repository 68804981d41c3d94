import { describe, expect, it } from 'vitest';
import { parseJsonPath, readJsonPath } from './json-path.js';

const doc = { status: 'ok', data: { items: [{ id: 7 }, { id: 8, 'odd key': true }] }, n: null };

describe('json path', () => {
  it.each([
    ['$.status', 'ok'],
    ['status', 'ok'],
    ['data.items[0].id', 7],
    ['$.data.items[1]["odd key"]', true],
    ["$.data.items[1]['odd key']", true],
    ['$.n', null],
  ])('%s', (path, value) => {
    expect(readJsonPath(doc, path)).toEqual({ found: true, value });
  });

  it('returns the whole document for $', () => {
    expect(readJsonPath(doc, '$')).toEqual({ found: true, value: doc });
  });

  it.each(['$.missing', 'data.items[5].id', 'status.length', 'data[0]'])('%s is not found', (path) => {
    expect(readJsonPath(doc, path).found).toBe(false);
  });

  it.each(['$..x', 'a[0]b', 'a[x]', '$.'])('rejects %s', (path) => {
    expect(parseJsonPath(path)).toBeUndefined();
  });
});
