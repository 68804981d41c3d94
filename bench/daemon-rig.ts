// What the benchmarks that run a real daemon share: a project directory of their own, the built CLI run in it, the
// daemon started (detached, or in the foreground with extra Node flags such as --cpu-prof) and stopped by its pid,
// its CPU time and resident memory read from /proc, and the load average to print beside every figure.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The built CLI (`npm run build` first). */
export const BIN = resolve(import.meta.dirname, '..', 'bin', 'glidepath.js');
const TICKS = 100; // USER_HZ on Linux
const PAGE = 4096;

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The value after `name` on the command line, or `fallback`. */
export function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

/** The load average (1, 5, 15 min) as printed beside a figure. */
export const load = (): string =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

/** Whether a process is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** utime + stime of a process in seconds, and its resident set in MiB. */
export function usage(pid: number): { cpuS: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(fields[11]) + Number(fields[12])) / TICKS;
  const rssPages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
  return { cpuS, rssMiB: (rssPages * PAGE) / 2 ** 20 };
}

/** A temporary project directory with a plan, the CLI run in it, and its daemon. */
export class DaemonRig {
  readonly dir: string;
  #foreground: ChildProcess | undefined;

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
  }

  /** Writes the plan file `glidepath.yaml`. */
  writePlan(text: string): void {
    writeFileSync(join(this.dir, 'glidepath.yaml'), text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Runs the built CLI in the project directory and waits for it. */
  cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
    const run = spawnSync(process.execPath, [BIN, ...args], { cwd: this.dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  /** The pid the running daemon wrote in its state directory. */
  daemonPid(): number {
    return (JSON.parse(readFileSync(join(this.dir, '.glidepath', 'daemon.json'), 'utf8')) as { pid: number }).pid;
  }

  /**
   * Starts the daemon and returns its pid: `glidepath up --detach`, or, given Node flags (`--cpu-prof`,
   * `--heapsnapshot-signal=SIGUSR2` — which NODE_OPTIONS refuses or a detached start would not pass on), the
   * foreground `glidepath up` run with them, once it has written its state.
   */
  async startDaemon(nodeArgs: string[] = []): Promise<number> {
    if (nodeArgs.length === 0) {
      const up = this.cli(['up', '--detach', '--json']);
      if (up.code !== 0) throw new Error(`up failed: ${up.stderr}`);
      return (JSON.parse(up.stdout) as { pid: number }).pid;
    }
    const out = openSync(join(this.dir, 'daemon-foreground.out'), 'w');
    const child = spawn(process.execPath, [...nodeArgs, BIN, 'up', '--log-file', join(this.dir, 'daemon-foreground.log')], {
      cwd: this.dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    this.#foreground = child;
    for (let i = 0; i < 600; i++) {
      await sleep(100);
      if (child.exitCode !== null) break;
      try {
        if (this.daemonPid() === child.pid) return child.pid;
      } catch {
        // not written yet
      }
    }
    if (child.pid !== undefined && alive(child.pid)) child.kill('SIGKILL');
    throw new Error(`the daemon did not start: ${readFileSync(join(this.dir, 'daemon-foreground.out'), 'utf8')}`);
  }

  /** Stops the daemon with `glidepath down`, then by its pid (SIGKILL) when it is still there after 10 s. */
  async stopDaemon(pid: number): Promise<number | null> {
    const down = this.cli(['down']);
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    return down.code;
  }

  /** Removes the project directory (the daemon stopped first). */
  remove(): void {
    const child = this.#foreground;
    if (child?.pid !== undefined && child.exitCode === null && alive(child.pid)) child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
