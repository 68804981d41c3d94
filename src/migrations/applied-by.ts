/** Who is migrating: git's user.name in the project, else the login name. */
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';

/** Bound on asking git, so a slow or hung git never delays a migration. */
export const GIT_USER_TIMEOUT_MS = 2_000;

/** git `user.name` as seen from `cwd`, else $USER, else the OS account name, else `unknown`. */
export async function migrationActor(cwd: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<string> {
  const fromGit = await new Promise<string>((resolve) => {
    execFile('git', ['config', 'user.name'], { cwd, timeout: GIT_USER_TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout) => {
      resolve(error ? '' : stdout.trim());
    });
  });
  if (fromGit) return fromGit;
  if (env.USER) return env.USER;
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}
