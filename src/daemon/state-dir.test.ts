import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDaemonLock, daemonLockHolder, releaseDaemonLock, stateDirOf } from './state-dir.js';

const root = mkdtempSync(join(tmpdir(), 'glidepath-state-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the daemon lock', () => {
  it('one holder at a time; a live holder is named; a dead one is taken over; only the holder releases it', () => {
    const dir = stateDirOf(join(root, 'a'));
    acquireDaemonLock(dir, process.pid);
    expect(daemonLockHolder(dir)).toBe(process.pid);
    // Another process (our parent, alive) cannot take it.
    expect(() => acquireDaemonLock(dir, process.ppid)).toThrow(`already running (pid ${process.pid})`);
    releaseDaemonLock(dir, process.ppid);
    expect(daemonLockHolder(dir)).toBe(process.pid);
    releaseDaemonLock(dir, process.pid);
    expect(daemonLockHolder(dir)).toBeUndefined();
    // A lock left by a process that is gone.
    writeFileSync(dir.daemonLock, '2147483646\n');
    expect(daemonLockHolder(dir)).toBeUndefined();
    acquireDaemonLock(dir, process.pid);
    expect(readFileSync(dir.daemonLock, 'utf8').trim()).toBe(String(process.pid));
  });

  it('a lock whose pid is still being written counts as a daemon starting', () => {
    const dir = stateDirOf(join(root, 'b'));
    acquireDaemonLock(dir, process.pid);
    writeFileSync(dir.daemonLock, '');
    expect(daemonLockHolder(dir)).toBe('starting');
    expect(() => acquireDaemonLock(dir, process.ppid)).toThrow('already starting');
  });
});
