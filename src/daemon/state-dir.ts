/** Where a project's daemon keeps its files: `.glidepath/` next to the plan. */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonInfo } from '../api/contract.js';
import { writeFileAtomic } from '../shared/atomic-file.js';
import { UnavailableError } from '../shared/errors.js';
import { processAlive } from '../shared/process-alive.js';

/** The files of a project's `.glidepath/` directory. */
export interface StateDir {
  root: string;
  daemonInfo: string;
  token: string;
  daemonLog: string;
  /** Held (it names the pid) by the one daemon of the project, from before it opens anything until it stopped. */
  daemonLock: string;
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
    daemonLock: join(root, 'daemon.lock'),
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

/** A lock file that names no pid yet is being written; past this age its writer died before it could. */
const UNNAMED_LOCK_GRACE_MS = 5_000;

/** The live process holding the project's daemon lock, if any ('starting' while its pid is being written). */
export function daemonLockHolder(dir: StateDir): number | 'starting' | undefined {
  let text: string;
  try {
    text = readFileSync(dir.daemonLock, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  if (Number.isInteger(pid) && pid > 0) return processAlive(pid) ? pid : undefined;
  try {
    return Date.now() - statSync(dir.daemonLock).mtimeMs < UNNAMED_LOCK_GRACE_MS ? 'starting' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the project's daemon lock for `pid`, so two daemons of one project never start side by side (two `deploy`
 * commands auto-starting one at once); a lock left by a process that is gone is taken over.
 */
export function acquireDaemonLock(dir: StateDir, pid = process.pid): void {
  mkdirSync(dir.root, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(dir.daemonLock, `${pid}\n`, { flag: 'wx', mode: 0o600 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = daemonLockHolder(dir);
    if (holder !== undefined && holder !== pid) {
      throw new UnavailableError(`a glidepath daemon of this project is already ${holder === 'starting' ? 'starting' : `running (pid ${holder})`}; its lock is ${dir.daemonLock}`);
    }
    rmSync(dir.daemonLock, { force: true });
  }
  throw new UnavailableError(`cannot take the daemon lock ${dir.daemonLock}`);
}

/** Gives the daemon lock up, but only if `pid` holds it. */
export function releaseDaemonLock(dir: StateDir, pid = process.pid): void {
  try {
    if (Number(readFileSync(dir.daemonLock, 'utf8').trim()) === pid) rmSync(dir.daemonLock, { force: true });
  } catch {
    // already gone
  }
}
