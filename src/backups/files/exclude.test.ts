import { describe, expect, it } from 'vitest';
import { excludeMatcher } from './exclude.js';

describe('excludeMatcher', () => {
  it('matches a name without a slash at any depth', () => {
    const excluded = excludeMatcher(['*.log', 'node_modules']);
    expect(['a.log', 'x/y/a.log', 'node_modules', 'pkg/node_modules'].map(excluded)).toEqual([true, true, true, true]);
    expect(['a.log.txt', 'logs', 'node_modules_x'].map(excluded)).toEqual([false, false, false]);
  });

  it('anchors a pattern with a slash at the top and lets ** span directories', () => {
    const excluded = excludeMatcher(['/tmp', 'cache/**', 'docs/**/*.pdf', 'img/?.png']);
    expect(['tmp', 'cache/a', 'cache/a/b', 'docs/x.pdf', 'docs/a/b/x.pdf', 'img/1.png'].map(excluded)).toEqual([true, true, true, true, true, true]);
    expect(['a/tmp', 'cache', 'other/cache/a', 'docs/x.txt', 'img/10.png'].map(excluded)).toEqual([false, false, false, false, false]);
  });

  it('supports character classes and ignores blank patterns', () => {
    const excluded = excludeMatcher(['', 'v[0-9].bin', 'x[!a].txt']);
    expect(excluded('v3.bin')).toBe(true);
    expect(excluded('vx.bin')).toBe(false);
    expect(excluded('xb.txt')).toBe(true);
    expect(excluded('xa.txt')).toBe(false);
  });
});
