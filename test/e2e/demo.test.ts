import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TEST_SERVICE_SCRIPT } from '../../src/testing/test-service.js';
import { ensureBuilt, makeProject, parseOneJson, runCli } from './helpers.js';

/** Sample-service processes started by a demo: their working directory is a release inside glidepath-demo-*. */
function demoServices(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(TEST_SERVICE_SCRIPT))
    .filter((line) => {
      try {
        return readlinkSync(`/proc/${line.trim().split(/\s+/)[0] ?? ''}/cwd`).includes('glidepath-demo-');
      } catch {
        return false;
      }
    });
}

describe('glidepath demo', () => {
  it('promotes the good releases, rolls back the bad ones with their reasons, and leaves nothing behind', async () => {
    await ensureBuilt();
    const cwd = await makeProject();
    try {
      const run = await runCli(['demo', '--json'], { cwd: cwd.dir, timeoutMs: 150_000 });
      // On failure, say how each release ended (stdout) as well as how the last one went (the end of stderr).
      expect(run.code, `${run.stdout.slice(0, 3000)}\n---\n${run.stderr.slice(-2000)}`).toBe(0);
      const result = parseOneJson(run.stdout) as { asExpected: boolean; outcomes: { version: string; status: string; reason: string | null; load: { failed: number } }[] };
      expect(result.asExpected).toBe(true);
      expect(result.outcomes.map((o) => `${o.version}:${o.status}`)).toEqual(['v1:succeeded', 'v2:succeeded', 'v3:rolled_back', 'v4:rolled_back']);
      expect(result.outcomes[2]?.reason).toMatch(/^error_rate .* > max 0\.01/);
      expect(result.outcomes[3]?.reason).toMatch(/^p95 .* > max 150ms/);
      // The good canary cost users nothing.
      expect(result.outcomes[1]?.load.failed).toBe(0);
      expect(run.stderr).toContain('/docs');
      expect(demoServices()).toEqual([]);
    } finally {
      await cwd.remove();
    }
  });
});
