/** What Linux's /proc says about supervised processes: identity (start time), group members, CPU and memory. */
import { readdir, readFile } from 'node:fs/promises';

/** USER_HZ: the unit of /proc/PID/stat times; 100 on every Linux ABI glidepath runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The fields of /proc/PID/stat the supervisor uses. */
export interface ProcStat {
  pid: number;
  state: string;
  pgrp: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  cpuTicks: number;
  /** Field 22, kept as text: it identifies the process together with its pid. */
  startTicks: string;
}

/** Parses one /proc/PID/stat line; undefined when it is not one. */
export function parseProcStat(pid: number, text: string): ProcStat | undefined {
  // The command name (field 2) may contain spaces and parentheses; fields after the last `)` are plain.
  const close = text.lastIndexOf(')');
  if (close === -1) return undefined;
  const fields = text.slice(close + 2).trim().split(' ');
  // fields[0] is field 3 (state), so field N sits at fields[N - 3].
  const at = (n: number) => fields[n - 3] ?? '';
  const startTicks = at(22);
  if (!startTicks) return undefined;
  const cpuTicks = [14, 15, 16, 17].reduce((sum, n) => sum + Number(at(n)), 0);
  return { pid, state: at(3), pgrp: Number(at(5)), cpuTicks: Number.isFinite(cpuTicks) ? cpuTicks : 0, startTicks };
}

/** /proc/PID/stat of a process, or undefined when it does not exist (or /proc is missing). */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(pid, await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether the process with this pid is alive (not a zombie) and was started at `startTicks`, i.e. is still ours. */
export async function isSameProcess(pid: number, startTicks: string): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat !== undefined && stat.startTicks === startTicks && stat.state !== 'Z' && stat.state !== 'X';
}

async function rssBytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time and resident memory of the process groups together. */
export interface ResourceUsage {
  /** User + system CPU seconds of the living members and of the children they reaped. */
  cpuSeconds: number;
  rssBytes: number;
}

/** Sums CPU time and resident memory over every living member of the given process groups. */
export async function groupsUsage(pgids: readonly number[]): Promise<ResourceUsage> {
  const wanted = new Set(pgids);
  if (wanted.size === 0) return { cpuSeconds: 0, rssBytes: 0 };
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return { cpuSeconds: 0, rssBytes: 0 };
  }
  let ticks = 0;
  let rss = 0;
  // one file at a time: reading every /proc entry at once can run the process out of file descriptors on a busy
  // machine, and a failed read would drop a member from the sum
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readProcStat(Number(entry));
    if (!stat || !wanted.has(stat.pgrp) || stat.state === 'Z') continue;
    ticks += stat.cpuTicks;
    rss += await rssBytes(stat.pid);
  }
  return { cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND, rssBytes: rss };
}
