/** Who is releasing: the git user of the plan's repository, else the login name. */
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';

/** Who runs a release: the git user, else $USER. */
export function releaseOwner(cwd: string, env: Readonly<Record<string, string | undefined>>): string {
  try {
    const name = execFileSync('git', ['config', 'user.name'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2_000 }).trim();
    if (name) return name;
  } catch {
    // not a git repository, or git is not installed: fall back to the login name
  }
  return env.USER ?? env.LOGNAME ?? userInfo().username;
}
