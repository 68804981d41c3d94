import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { processAlive } from '../../shared/process-alive.js';
import { siblingWorkers, workersGone } from './old-workers.js';

// A "master" shell with two "workers" (sleep): the shape of nginx's process tree, with real processes.
function startMaster(): number {
  return spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { stdio: 'ignore', detached: true }).pid ?? 0;
}

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

async function childrenOf(master: number): Promise<number[]> {
  for (let i = 0; i < 100; i++) {
    let children: number[];
    try {
      children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      children = [];
    }
    if (children.length === 2) return children;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the test tree did not start');
}

describe('the workers of the previous nginx configuration', () => {
  it('finds every child of a worker\'s master from one worker, and waits until they are gone', async () => {
    const master = startMaster();
    started.push(master);
    const [first = 0, second = 0] = await childrenOf(master);
    expect(siblingWorkers(first).sort()).toEqual([first, second].sort());
    expect(await workersGone([first, second], 100)).toBe(false);
    setTimeout(() => {
      process.kill(first, 'SIGKILL');
      process.kill(second, 'SIGKILL');
    }, 150);
    expect(await workersGone([first, second], 5_000)).toBe(true);
    expect(processAlive(first)).toBe(false);
  });

  it('finds nothing for a pid that does not run', () => {
    expect(siblingWorkers(2 ** 22 + 1)).toEqual([]);
  });
});
