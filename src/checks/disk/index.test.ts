import { statfs } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCheckContract } from '../check.contract.js';
import { createDiskCheck, diskCheckSchema, formatBytes } from './index.js';

// The repository's own directory: a real filesystem with files on it, so its used share is above 0 %.
const deps = { cwd: process.cwd(), variables: {} };
const check = (config: Record<string, unknown>) => createDiskCheck(diskCheckSchema.parse(config), deps);
const run = (config: Record<string, unknown>) => check(config).run({ signal: new AbortController().signal });

describe('disk check', () => {
  it('passes under the limit and reports what df would', async () => {
    const result = await run({ path: 'src', maxUsedPercent: '100%' });
    expect(result.status).toBe('pass');
    expect(result.detail).toMatch(/^disk \/.*\/src: \d+(\.\d)?% used, \d+(\.\d)? [KMGTP]?i?B free$/);
    const stats = await statfs('src');
    expect(result.data?.totalBytes).toBe(stats.blocks * stats.bsize);
  });

  it('fails over the limit', async () => {
    const result = await run({ path: 'src', maxUsedPercent: 0 });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/% used, .* free, max 0% used$/);
  });

  it('fails when less than minFree is left', async () => {
    const result = await run({ path: 'src', maxUsedPercent: 100, minFree: '1000TiB' });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/, min 1000\.0 TiB free$/);
  });

  it('fails for a path that does not exist', async () => {
    expect(await run({ path: 'no/such/dir' })).toMatchObject({ status: 'fail', detail: `disk ${process.cwd()}/no/such/dir: path does not exist` });
  });

  it('reads 90, "90%" and "90" alike and rejects nonsense', () => {
    for (const value of [90, '90%', '90']) expect(diskCheckSchema.parse({ maxUsedPercent: value }).maxUsedPercent).toBe(90);
    expect(diskCheckSchema.parse({}).maxUsedPercent).toBe(90);
    expect(diskCheckSchema.safeParse({ maxUsedPercent: '120%' }).success).toBe(false);
    expect(diskCheckSchema.safeParse({ maxUsedPercent: 'full' }).success).toBe(false);
  });

  it('formats byte counts', () => {
    expect([formatBytes(900), formatBytes(1536), formatBytes(5 * 1024 ** 3)]).toEqual(['900 B', '1.5 KiB', '5.0 GiB']);
  });
});

runCheckContract({ name: 'disk pass', create: async () => ({ check: check({ path: 'src', maxUsedPercent: 100 }), expect: 'pass' }) });
runCheckContract({ name: 'disk fail', create: async () => ({ check: check({ path: 'src', maxUsedPercent: 0 }), expect: 'fail' }) });
