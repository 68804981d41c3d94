/** Test help: finds the real programs a test needs, and skips (or fails in CI) without them. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** True when CI demands every real peer (set by `.ci/run`): a missing program fails instead of skipping. */
export const REQUIRE_ALL = process.env.GLIDEPATH_REQUIRE_ALL === '1';

/** Directories that hold server binaries Debian does not put on PATH (PostgreSQL's initdb, pg_ctl …). */
function extraBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(root, version, 'bin'));
}

/** Absolute path of a program, or undefined when this machine does not have it. */
export function findProgram(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const onPath = found.stdout.trim();
  if (found.status === 0 && onPath) return onPath;
  for (const dir of extraBinDirs()) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Paths of the programs a test needs. When one is missing it returns `{ missing }` so the test can skip
 * with a reason; under GLIDEPATH_REQUIRE_ALL=1 it throws instead, so CI fails rather than skips.
 */
export function requirePrograms(...names: string[]): { paths: Record<string, string>; missing?: string } {
  const paths: Record<string, string> = {};
  const absent: string[] = [];
  for (const name of names) {
    const path = findProgram(name);
    if (path) paths[name] = path;
    else absent.push(name);
  }
  if (absent.length === 0) return { paths };
  const missing = `missing program(s): ${absent.join(', ')}`;
  if (REQUIRE_ALL) throw new Error(`${missing} (GLIDEPATH_REQUIRE_ALL=1 forbids skipping)`);
  return { paths, missing };
}
