/** Running an external command without leaving anything behind: own process group, timeout, output tail. */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { setLongTimeout } from '../shared/long-timer.js';
import { commandArgv } from './argv.js';
import { OutputTail } from './output-tail.js';
import { stopProcessGroup } from './process-group.js';

/** Time a process group gets between SIGTERM and SIGKILL. */
export const COMMAND_KILL_GRACE_MS = 2_000;

/** How to run one command: argv, directory, environment, timeout, output handling. */
export interface RunCommandOptions {
  /** A command line (split into argv, quotes respected) or, with `shell`, a /bin/sh script. */
  command: string;
  shell?: boolean;
  /** Absolute working directory. */
  cwd: string;
  /** Added to the environment glidepath runs with. */
  env?: Readonly<Record<string, string>>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Written to the command's stdin, which is then closed; without it stdin is empty. */
  input?: string;
  /** Output (stdout and stderr together) as it arrives. */
  onOutput?: (chunk: string) => void;
  /** Text to watch for in the output (`outputContains`). */
  watchFor?: string;
  killGraceMs?: number;
}

/** How a command ended. `spawnError` set means it never ran. */
export interface CommandOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: string;
  timedOut: boolean;
  aborted: boolean;
  /** The last few KB of output. */
  tail: string;
  lastLine: string;
  /** Whether `watchFor` appeared (true when nothing was watched for). */
  found: boolean;
  durationMs: number;
}

function spawnFailure(error: NodeJS.ErrnoException, program: string): string {
  if (error.code === 'ENOENT') return `command not found: ${program}`;
  if (error.code === 'EACCES') return `not executable: ${program}`;
  return `cannot start ${program}: ${error.message}`;
}

/** Runs the command to its end (or its timeout or abort) and stops its whole process group after it. */
export async function runCommand(options: RunCommandOptions): Promise<CommandOutcome> {
  const started = performance.now();
  const output = new OutputTail(options.watchFor);
  const result = (rest: Partial<CommandOutcome>): CommandOutcome => ({
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: false,
    tail: output.text,
    lastLine: output.lastLine,
    found: output.found,
    durationMs: Math.round(performance.now() - started),
    ...rest,
  });
  let argv: string[];
  try {
    argv = commandArgv(options.command, options.shell);
  } catch (error) {
    return result({ spawnError: (error as Error).message });
  }
  const [program, ...args] = argv;
  if (program === undefined) return result({ spawnError: 'command is empty' });
  const isDirectory = await stat(options.cwd).then((s) => s.isDirectory(), () => false);
  if (!isDirectory) return result({ spawnError: `working directory not found: ${options.cwd}` });

  // detached: the child leads its own process group, so a timeout can end everything it started.
  const child = spawn(program, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  // A command that exits without reading its input closes the pipe: that is its business, not an error here.
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input ?? '');
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      output.push(chunk);
      options.onOutput?.(chunk);
    });
  }
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>((resolve) => {
    child.once('error', resolve);
    child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal }));
  });
  const grace = options.killGraceMs ?? COMMAND_KILL_GRACE_MS;
  const pid = child.pid;
  let timedOut = false;
  const stop = () => {
    if (pid !== undefined) void stopProcessGroup(pid, grace);
  };
  const timer = options.timeoutMs === undefined ? undefined : setLongTimeout(() => ((timedOut = true), stop()), options.timeoutMs);
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  try {
    const exit = await ended;
    if (exit instanceof Error) return result({ spawnError: spawnFailure(exit, program) });
    // Whatever the command left running in its group (a backgrounded server, say) goes too.
    if (pid !== undefined) await stopProcessGroup(pid, grace);
    // Output pipes may be held open by a grandchild that escaped the group; do not wait on them for long.
    let settle: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((resolve) => (settle = setTimeout(resolve, 1_000)))]);
    clearTimeout(settle);
    return result({ exitCode: exit.code, signal: exit.signal, timedOut, aborted: options.signal?.aborted === true });
  } finally {
    timer?.clear();
    options.signal?.removeEventListener('abort', stop);
    child.stdin.destroy();
    child.stdout.destroy();
    child.stderr.destroy();
  }
}
