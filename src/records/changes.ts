/** What changed in a release: the notes given with it, or the git log between the two versions. */
import { execFileSync } from 'node:child_process';

/** What changed in a release: notes, or the commits between two versions. */
export interface Changes {
  source: 'notes' | 'git' | 'none';
  lines: string[];
}

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 });
  } catch {
    return undefined;
  }
}

/** Notes win; otherwise, when both versions name git refs of the plan's repository, the commits between them. */
export function changesBetween(planDir: string, from: string | null, to: string, notes: string | null): Changes {
  if (notes && notes.trim()) return { source: 'notes', lines: notes.trim().split('\n') };
  if (from === null) return { source: 'none', lines: [] };
  const known = (ref: string) => git(planDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]) !== undefined;
  if (!known(from) || !known(to)) return { source: 'none', lines: [] };
  const log = git(planDir, ['log', '--no-merges', '--format=%h %s (%an)', `${from}..${to}`]);
  return log === undefined ? { source: 'none', lines: [] } : { source: 'git', lines: log.trim().split('\n').filter(Boolean) };
}
