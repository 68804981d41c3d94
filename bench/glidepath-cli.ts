// The built CLI as the benchmarks run it, and the safety net that finds sample services a run left behind.
import { execFileSync, spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { TEST_SERVICE_SCRIPT } from '../src/testing/test-service.js';

/** The built CLI (`npm run build` first). */
export const GLIDEPATH_BIN = resolve(import.meta.dirname, '..', 'bin', 'glidepath.js');

/** What one CLI run printed and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `glidepath ARGV` in `cwd`; killed (and an error) when it runs longer than `timeoutMs`. */
export function runCli(cwd: string, argv: string[], timeoutMs: number): Promise<CliRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [GLIDEPATH_BIN, ...argv], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`glidepath ${argv.join(' ')} did not exit within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** Sample-service pids whose working directory lies in `dir` (a safety net: `down` should leave none). */
export function serviceProcessesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const line of execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n')) {
    if (!line.includes(TEST_SERVICE_SCRIPT)) continue;
    const pid = Number(line.trim().split(/\s+/, 1)[0]);
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(`${dir}/`)) pids.push(pid);
    } catch {
      // gone
    }
  }
  return pids;
}
