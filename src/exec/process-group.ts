/** Ends a process group for good: SIGTERM, a grace period, then SIGKILL; so checks never leave processes behind. */

import { readdirSync, readFileSync } from 'node:fs';

const POLL_MS = 25;

/** Whether any process of the group still runs (zombies waiting to be reaped by init do not count). */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // kill(0) also succeeds for zombies; orphans reparented to a slow-reaping init would look alive for seconds.
  return livingMembersFromProc(pgid) ?? true;
}

/** On Linux, whether /proc lists a non-zombie member of the group; undefined where /proc cannot tell. */
function livingMembersFromProc(pgid: number): boolean | undefined {
  const members = processGroupMembers(pgid, 1);
  return members === undefined ? undefined : members.length > 0;
}

/**
 * The pids of the group's living (non-zombie) members as /proc lists them, up to `limit`; undefined where /proc
 * cannot be read.
 */
export function processGroupMembers(pgid: number, limit = Infinity): number[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name, which may itself contain spaces and parentheses: state ppid pgrp …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') {
      found.push(Number(entry));
      if (found.length >= limit) break;
    }
  }
  return found;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function waitGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (processGroupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

/** Sends SIGTERM to the group, SIGKILL to what is left after `graceMs`, and resolves once it is gone (bounded). */
export async function stopProcessGroup(pgid: number, graceMs: number): Promise<void> {
  if (!processGroupAlive(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  if (await waitGone(pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  await waitGone(pgid, 2_000);
}
