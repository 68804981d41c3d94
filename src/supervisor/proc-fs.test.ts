import { describe, expect, it } from 'vitest';
import { groupsUsage, isSameProcess, parseProcStat, readProcStat } from './proc-fs.js';

describe('/proc', () => {
  it('parses stat lines whose command name holds spaces and parentheses', () => {
    const line = '4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 50 7 3 20 0 1 0 987654 1000 200 18446744073709551615';
    expect(parseProcStat(4242, line)).toEqual({ pid: 4242, state: 'S', pgrp: 4242, cpuTicks: 210, startTicks: '987654' });
    expect(parseProcStat(1, 'garbage')).toBeUndefined();
  });

  it('identifies this process by pid and start time', async () => {
    const self = await readProcStat(process.pid);
    expect(self?.startTicks).toMatch(/^\d+$/);
    expect(await isSameProcess(process.pid, self!.startTicks)).toBe(true);
    expect(await isSameProcess(process.pid, '1')).toBe(false);
    expect(await isSameProcess(2 ** 22 + 1, '1')).toBe(false);
  });

  it('measures memory of a process group', async () => {
    const self = await readProcStat(process.pid);
    const usage = await groupsUsage([self!.pgrp]);
    expect(usage.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(await groupsUsage([])).toEqual({ cpuSeconds: 0, rssBytes: 0 });
  });
});
