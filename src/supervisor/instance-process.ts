/** One running instance process, either spawned here (our child) or adopted from a previous daemon (polled). */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { processGroupAlive, stopProcessGroup } from '../exec/process-group.js';
import type { PipePaths } from './log-pipe.js';
import { isSameProcess, readProcStat } from './proc-fs.js';

/** How the process ended; code and signal are unknown (null) for adopted processes. */
export interface ProcessExit {
  code: number | null;
  signal: string | null;
}

/** A supervised process: the leader of its own process group (pgid = pid). */
export interface InstanceProcess {
  readonly pid: number;
  readonly startTicks: string;
  readonly startedAt: string;
  readonly argv: string[];
  readonly pipes: PipePaths;
  /** Resolves when the leader exits; never after `release()`. */
  readonly exited: Promise<ProcessExit>;
  /** Stops the whole group (SIGTERM, SIGKILL after `graceMs`) and resolves when it is gone (bounded). */
  stop(graceMs: number): Promise<void>;
  /** Stops watching without stopping the process (it stays recorded for the next daemon to adopt). */
  release(): void;
}

/** A process that could not be started at all (missing program or directory); restarting will not help. */
export class LaunchError extends Error {}

/** Whether signalling the group can only reach our processes: the leader is ours, or gone with members left. */
async function groupStillOurs(pgid: number, startTicks: string): Promise<boolean> {
  if (await isSameProcess(pgid, startTicks)) return true;
  const leader = await readProcStat(pgid);
  // A live process with this pid but another start time took the pid over: its group is not ours.
  return (leader === undefined || leader.state === 'Z') && processGroupAlive(pgid);
}

async function stopIfOurs(pgid: number, startTicks: string, graceMs: number): Promise<void> {
  if (await groupStillOurs(pgid, startTicks)) await stopProcessGroup(pgid, graceMs);
}

/**
 * Spawns argv detached (its own process group) with stdout and stderr on the given pipe fds; the caller opens
 * them (and a reader) before and closes them after, so the pipes always have a writer while it sets up.
 */
export async function launchProcess(options: { argv: string[]; cwd: string; env: NodeJS.ProcessEnv; pipes: PipePaths; stdio: { out: number; err: number } }): Promise<InstanceProcess> {
  const { argv, cwd, env, pipes, stdio } = options;
  const [program, ...args] = argv;
  if (program === undefined) throw new LaunchError('command is empty');
  const isDirectory = await stat(cwd).then((s) => s.isDirectory(), () => false);
  if (!isDirectory) throw new LaunchError(`working directory not found: ${cwd}`);
  const child = spawn(program, args, { cwd, env, detached: true, stdio: ['ignore', stdio.out, stdio.err] });
  const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new LaunchError(`command not found: ${program}`));
      else if (error.code === 'EACCES') reject(new LaunchError(`not executable: ${program}`));
      else reject(new LaunchError(`cannot start ${program}: ${error.message}`));
    });
  });
  const pid = child.pid as number;
  // The start time is set at fork and survives exec, so reading it now identifies this process for good.
  const startTicks = (await readProcStat(pid))?.startTicks ?? '';
  return {
    pid,
    startTicks,
    startedAt: new Date().toISOString(),
    argv,
    pipes,
    exited,
    stop: (graceMs) => (startTicks ? stopIfOurs(pid, startTicks, graceMs) : stopProcessGroup(pid, graceMs)),
    release: () => child.unref(),
  };
}

/** Watches a process another daemon started, by polling that its pid still names the same process. */
export function adoptProcess(record: { pid: number; startTicks: string; startedAt: string; argv: string[]; pipes: PipePaths }, pollMs: number): InstanceProcess {
  let timer: NodeJS.Timeout | undefined;
  let released = false;
  const exited = new Promise<ProcessExit>((resolve) => {
    const poll = () => {
      void isSameProcess(record.pid, record.startTicks).then((same) => {
        if (released) return;
        if (same) timer = setTimeout(poll, pollMs);
        else resolve({ code: null, signal: null });
      });
    };
    poll();
  });
  return {
    ...record,
    exited,
    stop: (graceMs) => stopIfOurs(record.pid, record.startTicks, graceMs),
    release: () => {
      released = true;
      clearTimeout(timer);
    },
  };
}

/** Stops a recorded process group if it is still ours (a reused pid is left alone). */
export function stopRecordedGroup(pid: number, startTicks: string, graceMs: number): Promise<void> {
  return stopIfOurs(pid, startTicks, graceMs);
}
