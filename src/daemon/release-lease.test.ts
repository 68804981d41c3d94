/** The lease TTL from the environment, and which live leases a restarting daemon may take over at once. */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOCK_TTL_MS } from '../engine/lock-lease.js';
import { UsageError } from '../shared/errors.js';
import { daemonTakeover, leaseTtlMs } from './release-lease.js';

describe('leaseTtlMs', () => {
  it('reads GLIDEPATH_LEASE_TTL as a duration, defaults to 60 s, and refuses what is not one of at least 1 s', () => {
    expect(leaseTtlMs({})).toBe(DEFAULT_LOCK_TTL_MS);
    expect(leaseTtlMs({ GLIDEPATH_LEASE_TTL: '' })).toBe(60_000);
    expect(leaseTtlMs({ GLIDEPATH_LEASE_TTL: '5s' })).toBe(5_000);
    expect(leaseTtlMs({ GLIDEPATH_LEASE_TTL: '2m' })).toBe(120_000);
    for (const bad of ['5', 'soon', '500ms']) {
      expect(() => leaseTtlMs({ GLIDEPATH_LEASE_TTL: bad })).toThrow(UsageError);
      expect(() => leaseTtlMs({ GLIDEPATH_LEASE_TTL: bad })).toThrow(`GLIDEPATH_LEASE_TTL="${bad}" is not a duration of at least 1s (such as 30s or 2m)`);
    }
  });
});

describe('daemonTakeover', () => {
  it('takes over at once only a daemon on this host whose process is gone, or an earlier daemon of this process', async () => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    const deadPid = child.pid as number;
    await new Promise((resolve) => child.once('exit', resolve));
    const host = hostname();
    expect(daemonTakeover(`daemon:${host}:${deadPid}:0123abcd`)).toBe(true);
    expect(daemonTakeover(`daemon:${host}:${process.pid}:0123abcd`)).toBe(true);
    // Alive (the test runner's parent), on another host, a CI job, or a name of another form: the lease must lapse.
    expect(daemonTakeover(`daemon:${host}:${process.ppid}:0123abcd`)).toBe(false);
    expect(daemonTakeover(`daemon:elsewhere-${host}:${deadPid}:0123abcd`)).toBe(false);
    expect(daemonTakeover(`foreground:${host}:${deadPid}:0123abcd`)).toBe(false);
    expect(daemonTakeover('engine:3f1c2b9e-0000-4000-8000-000000000000')).toBe(false);
  });
});
