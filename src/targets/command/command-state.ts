/** What a command target started and how it split traffic, kept in `.glidepath/command-target.json` for the next daemon. */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The versions a command target runs, and the split it last applied. */
export interface CommandTargetState {
  /** Versions started and ready, oldest first, with their share. */
  versions: { version: string; weight: number }[];
}

/** File name under the state directory. */
export const COMMAND_STATE_FILE = 'command-target.json';

/** The state recorded by the previous daemon, or an empty one. */
export function readCommandState(stateDir: string): CommandTargetState {
  try {
    const data = JSON.parse(readFileSync(join(stateDir, COMMAND_STATE_FILE), 'utf8')) as CommandTargetState;
    return Array.isArray(data.versions) ? { versions: data.versions.filter((v) => typeof v.version === 'string' && typeof v.weight === 'number') } : { versions: [] };
  } catch {
    return { versions: [] };
  }
}

/** Records the state atomically (write then rename). */
export function writeCommandState(stateDir: string, state: CommandTargetState): void {
  const file = join(stateDir, COMMAND_STATE_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
