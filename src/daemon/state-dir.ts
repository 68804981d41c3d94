/** Where a project's daemon keeps its files: `.glidepath/` next to the plan. */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonInfo } from '../api/contract.js';
import { writeFileAtomic } from '../shared/atomic-file.js';

/** The files of a project's `.glidepath/` directory. */
export interface StateDir {
  root: string;
  daemonInfo: string;
  token: string;
  daemonLog: string;
  runtime: string;
}

/** Paths of the state directory of the project whose plan lives in `planDir`. */
export function stateDirOf(planDir: string): StateDir {
  const root = join(planDir, '.glidepath');
  return {
    root,
    daemonInfo: join(root, 'daemon.json'),
    token: join(root, 'token'),
    daemonLog: join(root, 'daemon.log'),
    runtime: join(root, 'runtime'),
  };
}

/** Records where the daemon listens, so commands of this project find it. */
export function writeDaemonInfo(dir: StateDir, info: DaemonInfo): void {
  mkdirSync(dir.root, { recursive: true });
  writeFileAtomic(dir.daemonInfo, `${JSON.stringify(info, null, 2)}\n`);
}

/** The recorded daemon, or undefined when none is recorded or the file is unreadable. */
export function readDaemonInfo(dir: StateDir): DaemonInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(dir.daemonInfo, 'utf8')) as Partial<DaemonInfo>;
    if (typeof info.pid !== 'number' || typeof info.url !== 'string') return undefined;
    return info as DaemonInfo;
  } catch {
    return undefined;
  }
}

/** Removes the record, but only if it still names `pid` (a newer daemon may have replaced it). */
export function clearDaemonInfo(dir: StateDir, pid: number): void {
  if (readDaemonInfo(dir)?.pid === pid) rmSync(dir.daemonInfo, { force: true });
}

/** Whether a process with this id exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
