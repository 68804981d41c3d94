/**
 * The workers of the nginx that answers glidepath, found through /proc from one worker's pid: after a reload the old
 * workers keep accepting connections for a moment (until they act on the master's shutdown signal), so a new split
 * is fully in force only once they have gone. nginx closes their idle keep-alive connections at once; a worker with
 * a long request in flight lingers, so the wait is bounded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../../shared/process-alive.js';

function parentOf(pid: number): number | undefined {
  try {
    // The command name in parentheses may contain spaces: the fields after it start past the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** The pids of every child of `worker`'s master (its workers and cache processes); empty where /proc cannot tell. */
export function siblingWorkers(worker: number): number[] {
  const master = parentOf(worker);
  if (master === undefined) return [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => parentOf(pid) === master);
}

/** Waits until none of `pids` runs any more, at most `timeoutMs`; whether they all went. */
export async function workersGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!pids.some((pid) => processAlive(pid))) return true;
    if (performance.now() >= deadline) return false;
    await sleep(10);
  }
}
