/**
 * `glidepath up` as a systemd service would run it: in the foreground, one JSON log line per event on stdout, a clean
 * exit 0 on SIGTERM, and a non-zero exit with a fatal line when it cannot start. Detached, it logs to
 * `.glidepath/daemon.log` itself.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../src/shared/process-alive.js';
import { BIN, cliEnv, closedPort, ensureBuilt, makeProject, runCli, type Project } from './helpers.js';

const projects: Project[] = [];
const started: number[] = [];

afterEach(async () => {
  for (const pid of started.splice(0)) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const project of projects.splice(0)) await project.remove();
});

beforeAll(async () => {
  await ensureBuilt();
});

async function project(port: number): Promise<Project> {
  const made = await makeProject({ 'glidepath.yaml': `version: 1\nservice: shop\ndaemon: { listen: "127.0.0.1:${port}" }\n` });
  projects.push(made);
  return made;
}

/** Runs `glidepath up` in the foreground; `until` decides, from stdout so far, when to send SIGTERM. */
function foregroundUp(cwd: string, until: (stdout: string) => boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'up'], { cwd, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) started.push(child.pid);
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!signalled && until(stdout)) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`up did not end within 30s\n${stdout}\n${stderr}`));
    }, 30_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the daemon log', () => {
  it('up in the foreground logs JSON lines to stdout and exits 0 on SIGTERM, giving its lock up', async () => {
    const made = await project(await closedPort());
    const run = await foregroundUp(made.dir, (stdout) => stdout.includes('listening on'));
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    for (const line of lines) {
      expect(typeof line.time).toBe('string');
      expect(typeof line.level).toBe('string');
      expect(typeof line.msg).toBe('string');
    }
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining([expect.stringContaining('listening on'), expect.stringContaining('stopping: received SIGTERM'), 'stopped']));
    expect(existsSync(join(made.dir, '.glidepath', 'daemon.lock'))).toBe(false);
  });

  it('up in the foreground exits non-zero with a fatal line when it cannot listen', async () => {
    const port = await closedPort();
    const made = await project(port);
    // Something else holds the address (and hangs up on whoever connects).
    const blocker = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const run = await foregroundUp(made.dir, () => false);
      expect(run.code).toBe(3);
      const fatal = jsonLines(run.stdout).find((line) => line.level === 'fatal');
      expect(fatal?.msg).toMatch(/cannot listen on 127\.0\.0\.1:\d+.*EADDRINUSE/);
      expect(run.stderr).toMatch(/error: .*cannot listen/);
      expect(existsSync(join(made.dir, '.glidepath', 'daemon.lock'))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('a second daemon of the same project stops at the lock, touching nothing', async () => {
    const made = await project(await closedPort());
    const first = await runCli(['up', '--detach'], { cwd: made.dir });
    expect(first.code, first.stderr).toBe(0);
    const pid = (JSON.parse(readFileSync(join(made.dir, '.glidepath', 'daemon.json'), 'utf8')) as { pid: number }).pid;
    started.push(pid);
    expect(readFileSync(join(made.dir, '.glidepath', 'daemon.lock'), 'utf8').trim()).toBe(String(pid));
    // Detached, the daemon writes its JSON log itself.
    const log = jsonLines(readFileSync(join(made.dir, '.glidepath', 'daemon.log'), 'utf8'));
    expect(log.some((line) => String(line.msg).includes('listening on') && line.pid === pid)).toBe(true);
    // The record is gone (as if lost): the next `up` does not find the daemon, and must not start a second one.
    const record = readFileSync(join(made.dir, '.glidepath', 'daemon.json'), 'utf8');
    rmSync(join(made.dir, '.glidepath', 'daemon.json'));
    const second = await foregroundUp(made.dir, () => false);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`already running (pid ${pid})`);
    expect(processAlive(pid)).toBe(true);
    writeFileSync(join(made.dir, '.glidepath', 'daemon.json'), record);
    const down = await runCli(['down'], { cwd: made.dir, timeoutMs: 60_000 });
    expect(down.code, down.stderr).toBe(0);
    expect(processAlive(pid)).toBe(false);
  });
});
