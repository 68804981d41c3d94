/** Test-only helpers for the end-to-end CLI suites: build once, spawn the real CLI, temp projects, stores. */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type Store } from '../../src/store/index.js';
import { freePort } from '../../src/shared/free-port.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(REPO_ROOT, 'bin', 'glidepath.js');
const BUILT_MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');

/** The longest any single CLI invocation may take before the test kills it. */
export const CLI_TIMEOUT_MS = 45_000;

let building: Promise<void> | undefined;

/** `npm test` builds first; a bare `vitest run test/e2e` gets a build here when dist/ is missing. */
export function ensureBuilt(): Promise<void> {
  if (existsSync(BUILT_MAIN)) return Promise.resolve();
  building ??= new Promise<void>((resolveBuild, reject) => {
    execFile('npm', ['run', 'build'], { cwd: REPO_ROOT, timeout: 110_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`npm run build failed:\n${stdout}\n${stderr}`, { cause: error }));
      else if (!existsSync(BUILT_MAIN)) reject(new Error(`npm run build did not produce ${BUILT_MAIN}`));
      else resolveBuild();
    });
  });
  return building;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment the CLI runs with: this one, minus the store override (the plan's `store:` must decide),
 * with this node's directory first on PATH so `run: node …` finds the same node.
 */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.GLIDEPATH_DATABASE_URL;
  delete env.GLIDEPATH_REQUIRE_ALL;
  env.PATH = [dirname(process.execPath), env.PATH ?? ''].join(delimiter);
  env.NO_COLOR = '1';
  return env;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Written to stdin, which is then closed (stdin is always a pipe, never a TTY). */
  input?: string;
  timeoutMs?: number;
}

/** Runs `node bin/glidepath.js ARGS` and resolves once it exits; killed by its pid after the timeout. */
export function runCli(args: readonly string[], options: RunOptions): Promise<CliRun> {
  return runProcess(process.execPath, [BIN, ...args], options);
}

/** Runs any program with the CLI's environment, bounded by a timeout; kills it by pid when it overstays. */
export function runProcess(program: string, args: readonly string[], options: RunOptions): Promise<CliRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(program, [...args], { cwd: options.cwd, env: cliEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    const timeoutMs = options.timeoutMs ?? CLI_TIMEOUT_MS;
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
      reject(new Error(`${program} ${args.join(' ')} did not exit within ${timeoutMs}ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
  });
}

/** Parses the whole of stdout as one JSON document; fails with the text when it is not exactly that. */
export function parseOneJson(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch (error) {
    throw new Error(`stdout is not exactly one JSON document: ${(error as Error).message}\n---\n${stdout}`, { cause: error });
  }
}

/** A temp project directory holding plan files; `remove` deletes it. */
export interface Project {
  readonly dir: string;
  write(name: string, text: string): Promise<string>;
  /** Opens the default SQLite store next to the plan (`.glidepath/state.db`). */
  openStore(): Promise<Store>;
  storeFile(): string;
  remove(): Promise<void>;
}

export async function makeProject(files: Record<string, string> = {}): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), 'glidepath-e2e-'));
  const project: Project = {
    dir,
    async write(name, text) {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    },
    storeFile: () => join(dir, '.glidepath', 'state.db'),
    openStore: () => openStore(`sqlite:${join(dir, '.glidepath', 'state.db')}`, { baseDir: dir }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  for (const [name, text] of Object.entries(files)) await project.write(name, text);
  return project;
}

/** A loopback port that nothing listens on: bound on port 0, then closed. */
export function closedPort(): Promise<number> {
  return freePort();
}

/** Joins skip reasons (undefined when nothing is missing). */
export function missingReason(...reasons: (string | undefined)[]): string | undefined {
  const present = reasons.filter((r): r is string => r !== undefined);
  return present.length > 0 ? present.join('; ') : undefined;
}

/** Lines of the text, without the trailing empty one. */
export function linesOf(text: string): string[] {
  return text.replace(/\n$/, '').split('\n');
}

/** Single-quotes a word for /bin/sh. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `glidepath ARGS` on a real pseudo-terminal through util-linux `script -qfec CMD /dev/null`. Once
 * `prompt` shows up in the terminal's output, `answer` is typed; the exit code is the CLI's (`-e`).
 */
export function runCliInTerminal(
  scriptPath: string,
  args: readonly string[],
  options: { cwd: string; prompt: RegExp; answer: string; timeoutMs?: number },
): Promise<CliRun & { answered: boolean }> {
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  return new Promise((resolveRun, reject) => {
    const child = spawn(scriptPath, ['-q', '-f', '-e', '-c', command, '/dev/null'], {
      cwd: options.cwd,
      env: cliEnv({ SHELL: '/bin/sh', TERM: 'dumb' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let answered = false;
    child.stdin.on('error', () => undefined);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!answered && options.prompt.test(stdout)) {
        answered = true;
        child.stdin.end(options.answer);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timeoutMs = options.timeoutMs ?? CLI_TIMEOUT_MS;
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
      reject(new Error(`script … ${args.join(' ')} did not exit within ${timeoutMs}ms (answered: ${String(answered)})\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr, answered });
    });
  });
}
