import { describe, expect, it } from 'vitest';
import { progressBar, progressLine } from './bench-view.js';

const progress = { elapsedMs: 5_000, requests: 12_345, errors: 3, done: 0.5 };

describe('the bench progress bar', () => {
  it('draws a bar, redrawn in place, on a terminal', () => {
    const written: string[] = [];
    const bar = progressBar({ isTTY: true, write: (chunk: string) => written.push(chunk) }, {});
    bar.onProgress?.(progress);
    bar.clear();
    expect(written).toEqual([`\r\x1b[K${'█'.repeat(15)}${'░'.repeat(15)}  50%  5.0s  12,345 requests  3 errors`, '\r\x1b[K']);
    expect(progressLine({ ...progress, done: 1 })).toMatch(/^█{30} 100%/);
  });

  it('draws nothing when stderr is not a terminal, or a dumb one', () => {
    for (const [isTTY, env] of [[false, {}], [true, { TERM: 'dumb' }]] as const) {
      const written: string[] = [];
      const bar = progressBar({ isTTY, write: (chunk: string) => written.push(chunk) }, env);
      expect(bar.onProgress).toBeUndefined();
      bar.clear();
      expect(written).toEqual([]);
    }
  });
});
