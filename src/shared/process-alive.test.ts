import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { processAlive } from './process-alive.js';

describe('processAlive', () => {
  it('is true for this process and for process 1', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(1)).toBe(true);
  });

  it('is true for a child while it runs and false once it has exited and been reaped', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    const pid = child.pid ?? 0;
    try {
      expect(processAlive(pid)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
    await once(child, 'exit');
    expect(processAlive(pid)).toBe(false);
  });
});
