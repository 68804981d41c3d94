/**
 * Putting a rendered configuration in force: the file is replaced atomically, nginx checks it (`nginx -t`), and
 * reloads gracefully (`nginx -s reload`: new workers take new connections, old ones finish their requests). When
 * the check or the reload fails, the previous file is put back, atomically, and the error names nginx's own words.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { runCommand } from '../../exec/run-command.js';
import { writeFileAtomic } from '../../shared/atomic-file.js';
import { GlidepathError } from '../../shared/errors.js';
import { siblingWorkers, workersGone } from './old-workers.js';

/** How nginx is checked and reloaded. */
export interface NginxCommands {
  test: string;
  reload: string;
  cwd: string;
  env?: Readonly<Record<string, string>>;
  timeoutMs: number;
  /** Where the running workers answer the generation of their file (`generationUrl`). */
  generationUrl: string;
  /** How long the new workers may take to answer after a reload (default 10 s). */
  confirmTimeoutMs?: number;
}

/** Answers in a row that must name the new generation: a worker of the old one may still accept for a moment. */
const CONFIRMATIONS = 3;

/** How long to wait for the workers of the previous file to go after the new ones answer. */
const OLD_WORKERS_WAIT_MS = 5_000;

/** What a worker answers at the generation URL: its file's generation and its own pid. */
interface GenerationAnswer {
  generation: string;
  pid: number;
}

function askGeneration(url: string): Promise<GenerationAnswer | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 1_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const [generation = '', pid = ''] = body.trim().split(' ');
        resolve(res.statusCode === 200 ? { generation, pid: Number(pid) } : undefined);
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** Waits until nginx's workers answer `generation`, several times in a row; false when they did not in time. */
async function servesGeneration(url: string, generation: string, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  let inRow = 0;
  while (performance.now() < deadline) {
    inRow = (await askGeneration(url))?.generation === generation ? inRow + 1 : 0;
    if (inRow >= CONFIRMATIONS) return true;
    await new Promise((done) => setTimeout(done, 20));
  }
  return false;
}

/** The file's content now, or undefined when there is none. */
export function readConfig(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

async function run(name: string, command: string, commands: NginxCommands): Promise<string | undefined> {
  const outcome = await runCommand({ command, cwd: commands.cwd, timeoutMs: commands.timeoutMs, ...(commands.env ? { env: commands.env } : {}) });
  if (outcome.exitCode === 0 && !outcome.timedOut) return undefined;
  const why = outcome.spawnError ?? (outcome.timedOut ? `timed out after ${commands.timeoutMs}ms` : `exited with ${outcome.exitCode ?? outcome.signal ?? '?'}`);
  const said = outcome.tail.trim();
  return `target.${name} (${command}) ${why}${said ? `: ${said}` : ''}`;
}

function restore(path: string, previous: string | undefined): void {
  if (previous === undefined) rmSync(path, { force: true });
  else writeFileAtomic(path, previous);
}

/**
 * Writes `text` to `path`, checks it with the test command, reloads nginx and waits until its workers answer the
 * new `generation`. On a failure the previous content is restored (and, when nginx reloaded but never served the
 * new file, reloaded again) and the error carries nginx's output.
 */
export async function applyConfig(path: string, text: string, generation: string, commands: NginxCommands): Promise<void> {
  const previous = readConfig(path);
  writeFileAtomic(path, text);
  const refused = await run('test', commands.test, commands);
  if (refused !== undefined) {
    restore(path, previous);
    throw new GlidepathError(`nginx refused the new configuration; the previous one stays in force. ${refused}`);
  }
  // The workers before the reload: the new split is in force once they have gone (they close idle connections at once).
  const before = await askGeneration(commands.generationUrl);
  const oldWorkers = before && Number.isInteger(before.pid) ? siblingWorkers(before.pid) : [];
  const failed = await run('reload', commands.reload, commands);
  if (failed !== undefined) {
    restore(path, previous);
    throw new GlidepathError(`nginx did not reload; the previous configuration was put back. ${failed}`);
  }
  const timeoutMs = commands.confirmTimeoutMs ?? 10_000;
  if (!(await servesGeneration(commands.generationUrl, generation, timeoutMs))) {
    // nginx's master keeps the old workers when the new ones cannot start (a port it cannot bind): put the file back too.
    restore(path, previous);
    await run('reload', commands.reload, commands);
    throw new GlidepathError(`nginx did not serve the new configuration within ${timeoutMs}ms of its reload (${commands.generationUrl}); the previous one was put back: see nginx's error log`);
  }
  // Bounded: a worker still sending a long response keeps running, but it no longer takes new connections by then.
  await workersGone(oldWorkers, OLD_WORKERS_WAIT_MS);
}
