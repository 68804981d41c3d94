/**
 * Putting a rendered configuration in force: the file is replaced atomically, nginx checks it (`nginx -t`), and
 * reloads gracefully (`nginx -s reload`: new workers take new connections, old ones finish their requests). When
 * the check or the reload fails, the previous file is put back, atomically, and the error names nginx's own words.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { runCommand } from '../../exec/run-command.js';
import { writeFileAtomic } from '../../shared/atomic-file.js';
import { GlidepathError } from '../../shared/errors.js';

/** How nginx is checked and reloaded. */
export interface NginxCommands {
  test: string;
  reload: string;
  cwd: string;
  env?: Readonly<Record<string, string>>;
  timeoutMs: number;
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
 * Writes `text` to `path`, checks it with the test command and reloads nginx. On a failure the previous content
 * is restored (and, when the reload failed half-way, reloaded again) and the error carries nginx's output.
 */
export async function applyConfig(path: string, text: string, commands: NginxCommands): Promise<void> {
  const previous = readConfig(path);
  writeFileAtomic(path, text);
  const refused = await run('test', commands.test, commands);
  if (refused !== undefined) {
    restore(path, previous);
    throw new GlidepathError(`nginx refused the new configuration; the previous one stays in force. ${refused}`);
  }
  const failed = await run('reload', commands.reload, commands);
  if (failed !== undefined) {
    restore(path, previous);
    throw new GlidepathError(`nginx did not reload; the previous configuration was put back. ${failed}`);
  }
}
