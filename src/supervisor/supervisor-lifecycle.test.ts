/** Black-box tests of the process supervisor with real processes on loopback. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, test } from 'vitest';
import { processGroupAlive, processGroupMembers } from '../exec/process-group.js';
import { useSupervisorRig } from '../testing/supervisor-rig.js';
import { httpGet, testServiceCommand } from '../testing/test-service.js';
import { until } from '../testing/until.js';
import { ProcessSupervisor } from './process-supervisor.js';
import type { SupervisorEvent } from './types.js';

const rig = useSupervisorRig({
  prefix: 'glidepath-review-sup-',
  killGraceMs: 1_000,
  shutdownGraceMs: 1_000,
  ready: { path: '/health', timeoutMs: 10_000, intervalMs: 50 },
});

/** Every live (non-zombie) process whose process group is `pgid`, from /proc. */
function membersOf(pgid: number): number[] {
  return processGroupMembers(pgid) ?? [];
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function typesOf(list: SupervisorEvent[]): string[] {
  return list.map((e) => e.type);
}

describe('restart policy', () => {
  it('waits restart.delay between an exit and the restart', async () => {
    const failed = new Promise<SupervisorEvent>((resolve) => rig.supervisor.onEvent((e) => e.type === 'version.failed' && resolve(e)));
    void rig.supervisor.startVersion(rig.spec('d1', { CRASH_AFTER_MS: '300' }, { restart: { delayMs: 800, maxAttempts: 1, windowMs: 60_000 } }));
    expect((await failed).reason).toBe(
      'instance 0 exited with code 1 again after 1 restarts within 60000ms; the last lines of its stderr:\n  sample-service: crashing after 300ms as configured\nsee more with `glidepath logs d1`',
    );
    const exited = rig.events.find((e) => e.type === 'instance.exited');
    const restarted = rig.events.find((e) => e.type === 'instance.restarted');
    expect(Date.parse(restarted!.at) - Date.parse(exited!.at)).toBeGreaterThanOrEqual(780);
    await until('version stopped', () => rig.events.some((e) => e.type === 'version.stopped'));
    for (const pid of rig.pids) expect(processGroupAlive(pid)).toBe(false);
  });

  it('counts only restarts within the window: crashes spread wider than the window restart on and on', async () => {
    // 1 restart allowed per 200ms, crashes every ~300ms+: never more than one restart inside any window.
    void rig.supervisor.startVersion(rig.spec('w1', { CRASH_AFTER_MS: '250' }, { restart: { delayMs: 50, maxAttempts: 1, windowMs: 200 } }));
    await until('three restarts', () => rig.events.filter((e) => e.type === 'instance.restarted').length >= 3, 15_000);
    expect(typesOf(rig.events)).not.toContain('version.failed');
    expect(rig.events.filter((e) => e.type === 'instance.restarted').every((e) => e.attempt === 1)).toBe(true);
    await rig.supervisor.stopVersion('w1', { graceMs: 1_000 });
    for (const pid of rig.pids) expect(processGroupAlive(pid)).toBe(false);
  });

  it('maxAttempts 0: the first exit marks the version failed without a restart', async () => {
    const failed = new Promise<SupervisorEvent>((resolve) => rig.supervisor.onEvent((e) => e.type === 'version.failed' && resolve(e)));
    void rig.supervisor.startVersion(rig.spec('m0', { CRASH_AFTER_MS: '400' }, { restart: { delayMs: 10, maxAttempts: 0, windowMs: 60_000 } }));
    await failed;
    expect(typesOf(rig.events)).not.toContain('instance.restarted');
    await until('version stopped', () => rig.events.some((e) => e.type === 'version.stopped'));
    expect(rig.supervisor.versions()).toEqual([]);
  });

  it('a restarted instance that never gets ready is not routed, is stopped, and counts against maxAttempts', async () => {
    // First start: ready, then crashes; every later start never gets ready (a marker file tells them apart).
    const command = `if [ -e started ]; then NEVER_READY=1 exec ${testServiceCommand()}; else touch started; CRASH_AFTER_MS=600 exec ${testServiceCommand()}; fi`;
    const failed = new Promise<SupervisorEvent>((resolve) => rig.supervisor.onEvent((e) => e.type === 'version.failed' && resolve(e)));
    const outcome = await rig.supervisor.startVersion(
      rig.spec('u1', {}, { command, shell: true, ready: { path: '/health', timeoutMs: 3_000, intervalMs: 50 }, restart: { delayMs: 50, maxAttempts: 2, windowMs: 60_000 } }),
    );
    expect(outcome.status).toBe('ready');
    await until('restarted', () => rig.events.some((e) => e.type === 'instance.restarted'));
    expect(rig.supervisor.instances('u1')).toEqual([]);
    // Under load the restarted service may not even listen within the readiness timeout; either way the reason says what was seen.
    expect((await failed).reason).toMatch(/^instance 0 was not ready again after 2 restarts within 60000ms \(last probe: GET \/health(: connection refused| answered 503)\)$/);
    expect(typesOf(rig.events).filter((t) => t === 'instance.unready')).toHaveLength(2);
    await until('version stopped', () => rig.events.some((e) => e.type === 'version.stopped'));
    for (const pid of rig.pids) expect(processGroupAlive(pid)).toBe(false);
  });

  it('a stop during the restart delay ends at once: no restart, nothing left', async () => {
    void rig.supervisor.startVersion(rig.spec('r1', { CRASH_AFTER_MS: '300' }, { restart: { delayMs: 5_000, maxAttempts: 3, windowMs: 60_000 } }));
    await until('exited', () => rig.events.some((e) => e.type === 'instance.exited'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const t0 = Date.now();
    await rig.supervisor.stopVersion('r1', { graceMs: 1_000 });
    expect(Date.now() - t0).toBeLessThan(1_500);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(typesOf(rig.events)).not.toContain('instance.restarted');
    expect(rig.supervisor.versions()).toEqual([]);
    for (const pid of rig.pids) expect(processGroupAlive(pid)).toBe(false);
  });
});

describe('readiness', () => {
  it('by TCP (no path): a process that listens is ready', async () => {
    const outcome = await rig.supervisor.startVersion(rig.spec('t1', { NEVER_READY: '1' }, { ready: { timeoutMs: 10_000, intervalMs: 50 } }));
    // NEVER_READY only affects /health: by TCP the open port is what counts.
    expect(outcome.status).toBe('ready');
    await rig.supervisor.stopVersion('t1', { graceMs: 1_000 });
  });

  it('by TCP: a process that never listens fails after ready.timeout and leaves no process', async () => {
    const started = Date.now();
    const outcome = await rig.supervisor.startVersion(
      rig.spec('t2', {}, { command: `${JSON.stringify(process.execPath)} -e "setInterval(() => {}, 1000)"`, ready: { timeoutMs: 800, intervalMs: 50 } }),
    );
    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^instance 0 not ready within 800ms \(last probe: TCP 127\.0\.0\.1:\d+: connection refused\)$/) });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(rig.pids.size).toBe(1);
    for (const pid of rig.pids) expect(processGroupAlive(pid)).toBe(false);
    expect(rig.supervisor.versions()).toEqual([]);
    expect(rig.supervisor.instances('t2')).toEqual([]);
  });

  it('by HTTP path: a 404 on the path is not ready, even though the port is open', async () => {
    const outcome = await rig.supervisor.startVersion(rig.spec('h1', {}, { ready: { path: '/no-such-path', timeoutMs: 800, intervalMs: 50 } }));
    expect(outcome).toMatchObject({ status: 'failed', reason: 'instance 0 not ready within 800ms (last probe: GET /no-such-path answered 404)' });
    for (const pid of rig.pids) expect(processGroupAlive(pid)).toBe(false);
  });

  it('a healthy /health that takes 400 ms to answer becomes ready (a probe waits ready.probeTimeout, not the interval)', async () => {
    const outcome = await rig.supervisor.startVersion(rig.spec('slow1', { HEALTH_LATENCY_MS: '400' }, { ready: { path: '/health', timeoutMs: 5_000, intervalMs: 50 } }));
    expect(outcome.status).toBe('ready');
    await rig.supervisor.stopVersion('slow1', { graceMs: 1_000 });
  });

  it('a probe that waits longer than ready.probeTimeout says so in the reason', async () => {
    const outcome = await rig.supervisor.startVersion(
      rig.spec('slow2', { HEALTH_LATENCY_MS: '10000' }, { ready: { path: '/health', timeoutMs: 4_000, intervalMs: 50, probeTimeoutMs: 300 } }),
    );
    expect(outcome).toMatchObject({ status: 'failed', reason: 'instance 0 not ready within 4000ms (last probe: GET /health: no answer within 300ms)' });
  });

  it('a version that exits at start says with which code, quotes its last stderr lines, and names the logs command', async () => {
    const outcome = await rig.supervisor.startVersion(
      rig.spec('bad1', { STARTUP_ERROR: 'Error: DATABASE_URL is not set' }, { restart: { delayMs: 50, maxAttempts: 1, windowMs: 60_000 } }),
    );
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: [
        'instance 0 exited with code 3 again after 1 restarts within 60000ms; the last lines of its stderr:',
        '  sample-service: starting up',
        '  Error: DATABASE_URL is not set',
        'see more with `glidepath logs bad1`',
      ].join('\n'),
    });
    for (const pid of rig.pids) expect(processGroupAlive(pid)).toBe(false);
  });

  it('a version not ready yet has no instance addresses (no traffic), then has them once ready', async () => {
    const start = rig.supervisor.startVersion(rig.spec('h2', { READY_AFTER_MS: '700' }, { instances: 2 }));
    await until('both started', () => rig.events.filter((e) => e.type === 'instance.started').length === 2);
    expect(rig.supervisor.instances('h2')).toEqual([]);
    const outcome = await start;
    expect(outcome.status).toBe('ready');
    expect(rig.supervisor.instances('h2')).toHaveLength(2);
  });

  it('an abort while starting resolves failed and leaves nothing running', async () => {
    const controller = new AbortController();
    const start = rig.supervisor.startVersion(rig.spec('a1', { NEVER_READY: '1' }), { signal: controller.signal });
    await until('started', () => rig.events.some((e) => e.type === 'instance.started'));
    controller.abort();
    expect(await start).toMatchObject({ status: 'failed' });
    for (const pid of rig.pids) expect(processGroupAlive(pid)).toBe(false);
  });
});

describe('drain and stop', () => {
  it('an in-flight request finishes within drain; SIGTERM only comes after the drain', async () => {
    const outcome = await rig.supervisor.startVersion(rig.spec('s1'));
    if (outcome.status !== 'ready') throw new Error(JSON.stringify(outcome));
    const { port, pid } = outcome.instances[0]!;
    const inflight = httpGet(`http://127.0.0.1:${port}/slow?ms=600`, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const t0 = Date.now();
    await rig.supervisor.stopVersion('s1', { drainMs: 1_200, graceMs: 1_000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_150);
    expect((await inflight).status).toBe(200);
    expect(processGroupAlive(pid)).toBe(false);
  });

  it('a child that ignores SIGTERM is killed after drain + grace, bounded', async () => {
    const outcome = await rig.supervisor.startVersion(rig.spec('s2', { IGNORE_SIGTERM: '1' }));
    if (outcome.status !== 'ready') throw new Error(JSON.stringify(outcome));
    const pid = outcome.instances[0]!.pid;
    const t0 = Date.now();
    await rig.supervisor.stopVersion('s2', { drainMs: 300, graceMs: 500 });
    const took = Date.now() - t0;
    expect(processGroupAlive(pid)).toBe(false);
    expect(took).toBeGreaterThanOrEqual(750);
    expect(took).toBeLessThan(5_000);
  });

  it('stops every grandchild of the process group (worker children), also on stop', async () => {
    const outcome = await rig.supervisor.startVersion(rig.spec('g1', { CHILDREN: '2' }));
    if (outcome.status !== 'ready') throw new Error(JSON.stringify(outcome));
    const pid = outcome.instances[0]!.pid;
    const members = await until('the two children', () => (membersOf(pid).length >= 3 ? membersOf(pid) : undefined));
    await rig.supervisor.stopVersion('g1', { graceMs: 1_000 });
    for (const member of members) expect(alive(member), `pid ${member}`).toBe(false);
  });

  it('stops grandchildren left behind when the leader crashes, before restarting it', async () => {
    const failed = new Promise<SupervisorEvent>((resolve) => rig.supervisor.onEvent((e) => e.type === 'version.failed' && resolve(e)));
    void rig.supervisor.startVersion(rig.spec('g2', { CHILDREN: '1', CRASH_AFTER_MS: '700' }, { restart: { delayMs: 50, maxAttempts: 1, windowMs: 60_000 } }));
    const first = await until('first start', () => rig.events.find((e) => e.type === 'instance.started')?.pid);
    const members = await until('the child', () => (membersOf(first).length >= 2 ? membersOf(first) : undefined));
    await until('first restart', () => rig.events.some((e) => e.type === 'instance.restarted'));
    for (const member of members) expect(alive(member), `pid ${member} of the crashed instance`).toBe(false);
    await failed;
    await until('version stopped', () => rig.events.some((e) => e.type === 'version.stopped'));
    for (const p of rig.pids) expect(processGroupAlive(p)).toBe(false);
  });

  it('shell: true — a backgrounded grandchild that traps SIGTERM is gone after the grace', async () => {
    const command = `sh -c "trap '' TERM; sleep 300" & exec ${testServiceCommand()}`;
    const outcome = await rig.supervisor.startVersion(rig.spec('g3', {}, { command, shell: true }));
    if (outcome.status !== 'ready') throw new Error(JSON.stringify(outcome));
    const pid = outcome.instances[0]!.pid;
    const members = await until('the sleeper', () => (membersOf(pid).length >= 2 ? membersOf(pid) : undefined));
    await rig.supervisor.stopVersion('g3', { graceMs: 500 });
    for (const member of members) expect(alive(member), `pid ${member}`).toBe(false);
  });
});

describe('logs', () => {
  it('keeps a crashed instance stderr and supervisor notes in a log file the owner can read', async () => {
    const failed = new Promise<SupervisorEvent>((resolve) => rig.supervisor.onEvent((e) => e.type === 'version.failed' && resolve(e)));
    void rig.supervisor.startVersion(rig.spec('l1', { CRASH_AFTER_MS: '300' }, { restart: { delayMs: 50, maxAttempts: 1, windowMs: 60_000 } }));
    await failed;
    await until('version stopped', () => rig.events.some((e) => e.type === 'version.stopped'));
    const file = join(rig.stateDir, 'logs', 'l1', '0.log');
    expect(statSync(file).mode & 0o400).toBe(0o400);
    const lines: string[] = [];
    for await (const line of rig.supervisor.readLogs('l1', { lines: 100 })) lines.push(`${line.stream} ${line.text}`);
    expect(lines.filter((l) => l === 'err sample-service: crashing after 300ms as configured')).toHaveLength(2);
    expect(lines).toContain('sys exited with code 1');
    expect(lines.some((l) => l.startsWith('out listening on 127.0.0.1:'))).toBe(true);
  });

  it('rotates an instance log and reads across the rotation in order', async () => {
    const rotating = new ProcessSupervisor({ stateDir: rig.stateDir, killGraceMs: 1_000, logRotation: { maxBytes: 2_048, maxFiles: 2 }, onEvent: (e) => e.pid && rig.pids.add(e.pid) });
    try {
      const outcome = await rotating.startVersion(rig.spec('l2', { LOG_EVERY_MS: '5', LOG_LINE_BYTES: '100' }));
      expect(outcome.status).toBe('ready');
      await until('a rotation', () => readdirSync(join(rig.stateDir, 'logs', 'l2')).includes('0.log.1'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      // the writer is stopped before reading, so that no rotation happens while the tail is read
      await rotating.stopVersion('l2', { graceMs: 1_000, drainMs: 0 });
      const tail: string[] = [];
      for await (const line of rotating.readLogs('l2', { lines: 25 })) if (line.text.startsWith('tick ')) tail.push(line.text);
      expect(tail.length).toBeGreaterThanOrEqual(15);
      const ticks = tail.map((t) => Number(/^tick (\d+)/.exec(t)?.[1]));
      expect(ticks.every((n, i) => i === 0 || n === (ticks[i - 1] as number) + 1)).toBe(true);
      expect(readdirSync(join(rig.stateDir, 'logs', 'l2')).sort()).toEqual(['0.log', '0.log.1']);
    } finally {
      await rotating.shutdown({ graceMs: 1_000 });
    }
  });

  test('refuses a version name that would escape the log directory', () => {
    expect(() => rig.supervisor.readLogs('../etc')).toThrow(/must be 1-128/);
  });
});
